"""The deadline watchdog: one thread that shuts down sockets outliving their call's deadline.

Used by the pooled handlers (`scimkit._pool`) from the moment a connection's socket exists,
through the proxy's CONNECT and the TLS handshake, to the last byte of the answer.
"""

from __future__ import annotations

import _thread
import socket
import time
from typing import TYPE_CHECKING

from . import _clock

if TYPE_CHECKING:
    import threading

__all__ = ["WATCHDOG", "Watch", "Watchdog"]


class Watch:
    """One exchange's socket and the moment it must be over by; `expired` once cut off."""

    __slots__ = ("deadline", "expired", "sock")

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.expired = False


class Watchdog:
    """Shuts down the socket of an exchange that outlives its deadline.

    A socket timeout bounds each read, not the whole answer: a server that trickles one byte
    every few seconds (slowloris) would hold a call forever. One daemon thread per process
    looks at the exchanges in flight every `TICK` seconds. Waking a thread costs more than a
    kept-alive request itself, so the thread keeps ticking while calls keep coming and only
    goes to sleep after `IDLE_AFTER` seconds without any; an exchange then costs a dict
    insert and delete, and no entry outlives it.
    """

    TICK = 0.05
    IDLE_AFTER = 2.0

    def __init__(self) -> None:
        self._active: dict[int, Watch] = {}
        self._lock = _thread.allocate_lock()
        # `threading` is imported with the first exchange watched, not with scimkit.
        self._wake: threading.Event | None = None
        self._asleep = True
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: float) -> Watch:
        entry = Watch(sock, deadline)
        with self._lock:
            self._active[id(entry)] = entry
            if self._asleep:
                self._asleep = False
                if self._wake is None:
                    import threading

                    self._wake = threading.Event()
                    self._thread = threading.Thread(
                        target=self._run, args=(self._wake,), name="scimkit-deadlines", daemon=True
                    )
                    self._thread.start()
                self._wake.set()
        return entry

    def done(self, entry: Watch) -> None:
        with self._lock:
            self._active.pop(id(entry), None)

    def _run(self, wake: threading.Event) -> None:
        quiet_since: float | None = None
        while True:
            wake.wait()
            now = _clock.monotonic()
            with self._lock:
                expired = [e for e in self._active.values() if e.deadline <= now]
                for entry in expired:
                    del self._active[id(entry)]
                    entry.expired = True
                if self._active:
                    quiet_since = None
                elif quiet_since is None:
                    quiet_since = now
                elif now - quiet_since >= self.IDLE_AFTER:
                    # Nothing in flight for a while: sleep until `watch` wakes us.
                    self._asleep = True
                    wake.clear()
                    quiet_since = None
                    continue
            for entry in expired:
                try:
                    entry.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            time.sleep(self.TICK)


WATCHDOG = Watchdog()

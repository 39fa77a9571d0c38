"""The deadline watchdog: one thread that shuts down sockets outliving their call's deadline.

Used by the pooled handlers (`scimkit._pool`) from the moment a connection's socket exists,
through the proxy's CONNECT and the TLS handshake, to the last byte of the answer.
"""

from __future__ import annotations

import socket
import threading
import time

from . import _clock

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
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._asleep = True
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: float) -> Watch:
        entry = Watch(sock, deadline)
        with self._lock:
            self._active[id(entry)] = entry
            if self._asleep:
                self._asleep = False
                self._wake.set()
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="scimkit-deadlines", daemon=True
                    )
                    self._thread.start()
        return entry

    def done(self, entry: Watch) -> None:
        with self._lock:
            self._active.pop(id(entry), None)

    def _run(self) -> None:
        quiet_since: float | None = None
        while True:
            self._wake.wait()
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
                    self._wake.clear()
                    quiet_since = None
                    continue
            for entry in expired:
                try:
                    entry.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            time.sleep(self.TICK)


WATCHDOG = Watchdog()

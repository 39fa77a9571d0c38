"""Keep-alive connections for the urllib opener.

`urllib.request` sends `Connection: close` and opens a new TCP (and TLS) connection for every
request. These handlers replace its HTTP and HTTPS handlers and keep connections open between
calls, one pool per (scheme, host, port, proxy tunnel):

- a connection is used by one request at a time, so a client can be shared between threads;
- the whole body is read before the connection goes back to the pool, so a response never
  holds a connection;
- an idle connection the server has closed is noticed before reuse (the socket is readable
  at EOF) and replaced; if a reused connection still fails before any answer arrives, the
  request is sent again on a fresh connection when that is safe: the method is idempotent,
  or the failure happened while sending so the request could not have been processed;
- at most `max_connections` idle connections are kept per host; more concurrent calls open
  extra connections that are closed after use.
"""

from __future__ import annotations

import http.client
import re
import select
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from typing import Any, Optional

from . import _clock
from ._wire import IDEMPOTENT_METHODS, Headers

__all__ = [
    "WATCHDOG",
    "BodyTooLarge",
    "ConnectionPool",
    "DeadlineReached",
    "PooledHTTPHandler",
    "PooledHTTPSHandler",
    "Watchdog",
    "WireRequest",
    "read_body",
    "request_head",
]

PoolKey = tuple[str, str, Optional[str], Optional[str]]


class BodyTooLarge(Exception):
    """The answer is larger than the caller allows; raised by `read_body`."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the response body is larger than max_response_bytes ({limit})")
        self.limit = limit


def read_body(response: http.client.HTTPResponse, limit: int | None) -> bytes:
    """The whole body, refusing more than `limit` bytes without reading them all."""
    if limit is None:
        return response.read()
    length = response.length
    if length is not None:
        if length > limit:
            raise BodyTooLarge(limit)
        # Exactly Content-Length bytes (IncompleteRead, counting all of them, if cut short).
        # Not read(limit + 1): before Python 3.11 that allocates a buffer of the limit's
        # size on every call, 64 MiB by default.
        return response.read()
    # Chunked, or delimited by the close: in pieces, never holding more than limit + 1.
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            piece = response.read(min(_PIECE, limit + 1 - size))
            if not piece:
                return b"".join(parts)
            parts.append(piece)
            size += len(piece)
            if size > limit:
                raise BodyTooLarge(limit)
    except http.client.IncompleteRead as exc:
        # Count what the earlier pieces brought too.
        raise http.client.IncompleteRead(b"".join(parts) + exc.partial, exc.expected) from None


_PIECE = 256 * 1024


# What http.client refuses in a request (its `_is_legal_header_name`, `_is_illegal_header_value`
# and `_contains_disallowed_url_pchar_re`): a request holding any of it goes through
# http.client, so that the error is its own.
_FIELD_NAME = re.compile(r"[^:\s][^:\r\n]*").fullmatch
_BAD_FIELD_VALUE = re.compile(r"\n(?![ \t])|\r(?![ \t\n])|\x00").search
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]").search
# Fields http.client would write itself, or leave out because the caller gave them.
_OWN_FIELDS = ("Host", "Accept-Encoding", "Content-Length", "Transfer-Encoding")
_BODY_METHODS = frozenset({"PATCH", "POST", "PUT"})


def request_head(
    method: str, target: str, host: str, headers: dict[str, str], body: bytes | None
) -> bytes | None:
    """The request line and header block as http.client would write them, in one piece.

    `http.client.HTTPConnection.request` builds the same bytes through a dozen calls per
    request; on a kept-alive connection that costs more than the rest of a call. None when
    the request needs what only http.client does: an absolute-form target (through a
    proxy), a non-ASCII host or target, chunked bodies, fields it would refuse.
    """
    if not target.startswith("/") or _BAD_TARGET(target) or not (target + host).isascii():
        return None
    parts = [method, " ", target, " HTTP/1.1\r\nHost: ", host, "\r\nAccept-Encoding: identity\r\n"]
    for name in _OWN_FIELDS:
        if name in headers:
            return None
    if body is not None:
        parts += ("Content-Length: ", str(len(body)), "\r\n")
    elif method in _BODY_METHODS:
        parts.append("Content-Length: 0\r\n")
    for name, value in headers.items():
        if not _FIELD_NAME(name) or _BAD_FIELD_VALUE(value):
            return None
        parts += (name, ": ", value, "\r\n")
    parts.append("\r\n")
    try:
        return "".join(parts).encode("latin-1")
    except UnicodeEncodeError:
        return None


class WireRequest(urllib.request.Request):
    """A urllib `Request` that also carries its header fields ready for the wire.

    `Request` files each field through `add_header` (capitalizing its name) and the handler
    then merges and renames them again; `wire_fields` spares both on every call. Fields
    added to the request later (a proxy's credentials, `Connection: close`) go in
    `unredirected_hdrs`, and the handler merges those as for any `Request`.
    """

    def __init__(
        self, url: str, data: bytes | None, headers: Headers, method: str, origin_req_host: str
    ) -> None:
        super().__init__(url, data=data, method=method, origin_req_host=origin_req_host)
        self.wire_fields = headers.wire_fields()
        self.headers = {name.capitalize(): value for name, value in self.wire_fields.items()}


class _Watch:
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
        self._active: dict[int, _Watch] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._asleep = True
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: float) -> _Watch:
        entry = _Watch(sock, deadline)
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

    def done(self, entry: _Watch) -> None:
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


class DeadlineReached(Exception):
    """The exchange was cut off because the call's deadline passed."""


def _is_dropped(conn: http.client.HTTPConnection) -> bool:
    """True when an idle connection's socket is closed or has unexpected bytes waiting."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class ConnectionPool:
    """Idle keep-alive connections, per (scheme, host:port, tunnel, proxy credentials)."""

    def __init__(self, *, max_connections: int = 10) -> None:
        self.max_connections = max_connections
        self._idle: dict[PoolKey, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        # Counters for tests and benchmarks: how many connections were opened and reused.
        self.opened = 0
        self.reused = 0

    def take(self, key: PoolKey) -> http.client.HTTPConnection | None:
        """An idle live connection for `key`, or None."""
        while True:
            with self._lock:
                stack = self._idle.get(key)
                if not stack:
                    return None
                conn = stack.pop()
            if _is_dropped(conn):
                conn.close()
                continue
            with self._lock:
                self.reused += 1
            return conn

    def give_back(self, key: PoolKey, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            stack = self._idle.setdefault(key, [])
            if len(stack) < self.max_connections:
                stack.append(conn)
                return
        conn.close()

    def count_opened(self) -> None:
        with self._lock:
            self.opened += 1

    def idle_count(self) -> int:
        with self._lock:
            return sum(len(stack) for stack in self._idle.values())

    def close(self) -> None:
        """Close every idle connection. The pool stays usable: later calls open new ones."""
        with self._lock:
            stacks = list(self._idle.values())
            self._idle.clear()
        for stack in stacks:
            for conn in stack:
                conn.close()


# The limits http.client applies to a header block, kept for our own parser.
_MAX_LINE = 65536
_MAX_HEADERS = 100


def _read_header_block(fp: Any) -> Headers:
    """The header fields up to the empty line, as `Headers` (repeats joined with ", ")."""
    pairs: list[tuple[str, str]] = []
    for _ in range(_MAX_HEADERS + 1):
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return Headers(pairs)
        text = line.decode("iso-8859-1")
        if text[0] in " \t":
            # RFC 9112 §5.2: obsolete line folding continues the previous field's value.
            if pairs:
                name, value = pairs[-1]
                pairs[-1] = (name, f"{value} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if colon and name and name == name.strip():
            pairs.append((name, value.strip()))
        # A line that is not a field (no colon, or space before it) is ignored, as browsers do.
    raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")


class _LeanResponse(http.client.HTTPResponse):
    """An `HTTPResponse` whose header block is read straight into scimkit's `Headers`.

    http.client hands every header block to the `email` package, which costs more per answer
    than everything scimkit itself does on a kept-alive connection. A SCIM answer needs the
    names and values only; the framing decisions below (chunked, length, keep-alive) are the
    ones RFC 9112 §6 asks for, made with http.client's own status-line and close checks.
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            _read_header_block(self.fp)  # the interim 100 answer's fields
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        headers = _read_header_block(self.fp)
        self.headers = self.msg = headers
        encoding = headers.get("Transfer-Encoding")
        self.chunked = bool(encoding) and encoding.strip().lower() == "chunked"
        if self.chunked:
            self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = headers.get("Content-Length")
        if length and not self.chunked:
            values = {value.strip() for value in length.split(",")}
            if len(values) != 1:
                # RFC 9112 §6.3: differing lengths make the message unreadable.
                raise http.client.HTTPException(f"conflicting Content-Length: {length!r}")
            value = values.pop()
            if value.isdigit():
                self.length = int(value)
        if (
            status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED)
            or 100 <= status < 200
            or self._method == "HEAD"
        ):
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            # Neither a length nor chunks: the body ends when the server closes.
            self.will_close = True


def _begin_response(conn: http.client.HTTPConnection, method: str) -> http.client.HTTPResponse:
    """What `getresponse()` does for a request that did not go through its state machine."""
    response = conn.response_class(conn.sock, method=method)
    try:
        response.begin()
    except BaseException:
        response.close()
        raise
    return response


class _Answer:
    """A fully read response: the little of `http.client.HTTPResponse` the transport uses.

    Lighter than `urllib.response.addinfourl` (a tempfile wrapper), which costs more per
    call than everything else scimkit does on a kept-alive connection.
    """

    __slots__ = ("_body", "headers", "reason", "status", "url")

    def __init__(self, body: bytes, headers: Message | Headers, url: str, status: int, reason: str):
        self._body = body
        self.headers = headers
        self.url = url
        self.status = status
        self.reason = reason

    def read(self) -> bytes:
        body, self._body = self._body, b""
        return body

    def getcode(self) -> int:
        return self.status

    def close(self) -> None:
        self._body = b""

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _PooledHandler:
    """The keep-alive exchange shared by the HTTP and HTTPS handlers."""

    pool: ConnectionPool
    max_response_bytes: int | None
    connect_timeout: float
    read_timeout: float

    def _limits(
        self,
        pool: ConnectionPool,
        connect_timeout: float,
        read_timeout: float,
        max_response_bytes: int | None,
    ) -> None:
        self.pool = pool
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_response_bytes = max_response_bytes

    def _connection(self, req: urllib.request.Request) -> http.client.HTTPConnection:
        raise NotImplementedError

    def _lean_request(self, req: urllib.request.Request) -> urllib.request.Request:
        # urllib's own pre-processing adds Host, Content-Length and a default Content-Type
        # and User-Agent. http.client adds Host and Content-Length itself (from the proxy
        # form of the URL too), and scimkit always sets its own Content-Type and User-Agent.
        return req

    http_request = https_request = _lean_request

    def _exchange(self, req: urllib.request.Request, scheme: str) -> _Answer:
        """One request on a kept-alive connection; sent again once on a fresh connection when
        a reused one turns out dead and resending is safe (see the module docstring)."""
        plan = _Plan(req, scheme)
        deadline: float | None = getattr(req, "scimkit_deadline", None)
        for attempt in (1, 2):
            conn = self.pool.take(plan.key) if attempt == 1 else None
            reused = conn is not None
            if conn is None:
                conn = self._open(req, plan)
            try:
                response, body = self._round_trip(conn, req, plan, reused, deadline)
            except _Replay:
                continue
            if response.will_close:
                conn.close()
            else:
                self.pool.give_back(plan.key, conn)
            return _Answer(body, response.msg, req.get_full_url(), response.status, response.reason)
        raise AssertionError("unreachable")  # pragma: no cover

    def _open(self, req: urllib.request.Request, plan: _Plan) -> http.client.HTTPConnection:
        """A new connection: connected (and tunnelled, and TLS-handshaken) under the connect
        timeout only. A failure is a `URLError`: nothing was sent."""
        conn = self._connection(req)
        if plan.tunnel_host:
            conn.set_tunnel(plan.tunnel_host, headers=plan.tunnel_headers)
        self.pool.count_opened()
        try:
            conn.connect()
        except OSError as err:
            conn.close()
            raise urllib.error.URLError(err) from err
        return conn

    def _round_trip(
        self,
        conn: http.client.HTTPConnection,
        req: urllib.request.Request,
        plan: _Plan,
        reused: bool,
        deadline: float | None,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """Send, then read the answer whole, under the read timeout and the call's deadline.

        Raises `_Replay` when the request may go again on a fresh connection, and
        `DeadlineReached` when the watchdog cut the exchange off.
        """
        assert conn.sock is not None
        conn.sock.settimeout(self.read_timeout)
        watch = WATCHDOG.watch(conn.sock, deadline) if deadline is not None else None
        try:
            own_head = _send_request(conn, req, plan, reused, watch)
            try:
                if own_head:
                    response = _begin_response(conn, plan.method)
                else:
                    response = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # Dropped before the status line: replayed for an idempotent method only
                # (RFC 9110 §9.2.2: a POST may have been processed).
                conn.close()
                if reused and plan.method.upper() in IDEMPOTENT_METHODS and not _expired(watch):
                    raise _Replay() from None
                raise
            except BaseException:
                conn.close()
                raise
            try:
                body = read_body(response, self.max_response_bytes)
            except BaseException:
                response.close()  # conn.close() knows only getresponse()'s answers
                conn.close()
                raise
        except (OSError, http.client.HTTPException) as exc:
            if watch is not None and watch.expired:
                raise DeadlineReached() from exc
            raise
        finally:
            if watch is not None:
                WATCHDOG.done(watch)
        if watch is not None and watch.expired:
            conn.close()
            raise DeadlineReached()
        return response, body


class _Replay(Exception):
    """The request did not reach the server on a reused connection: send it on a new one."""


class _Plan:
    """What one exchange sends, worked out once before any connection is touched."""

    __slots__ = ("headers", "host", "key", "method", "tunnel_headers", "tunnel_host")

    def __init__(self, req: urllib.request.Request, scheme: str) -> None:
        host = req.host
        if not host:
            raise urllib.error.URLError("no host given")
        wire: dict[str, str] | None = getattr(req, "wire_fields", None)
        if wire is not None and not req.unredirected_hdrs:
            headers = dict(wire)
        else:
            headers = dict(req.unredirected_hdrs)
            headers.update({k: v for k, v in req.headers.items() if k not in headers})
            headers = {name.title(): value for name, value in headers.items()}
        tunnel_host: str | None = getattr(req, "_tunnel_host", None)
        tunnel_headers: dict[str, str] = {}
        if tunnel_host and "Proxy-Authorization" in headers:
            # The proxy's credentials go on the CONNECT, never to the origin server.
            tunnel_headers["Proxy-Authorization"] = headers.pop("Proxy-Authorization")
        self.host = host
        self.headers = headers
        self.tunnel_host = tunnel_host
        self.tunnel_headers = tunnel_headers
        self.method = req.get_method()
        self.key: PoolKey = (
            scheme,
            host,
            tunnel_host,
            tunnel_headers.get("Proxy-Authorization") or headers.get("Proxy-Authorization"),
        )


def _send_request(
    conn: http.client.HTTPConnection,
    req: urllib.request.Request,
    plan: _Plan,
    reused: bool,
    watch: _Watch | None,
) -> bool:
    """Write the request; True when scimkit wrote the head itself (`request_head`)."""
    assert conn.sock is not None
    data = req.data
    payload = data if isinstance(data, bytes) else None
    head = None
    if data is None or payload is not None:
        head = request_head(
            plan.method, req.selector, plan.tunnel_host or plan.host, plan.headers, payload
        )
    try:
        if head is not None:
            conn.sock.sendall(head + payload if payload else head)
        else:
            conn.request(
                plan.method,
                req.selector,
                data,
                plan.headers,
                encode_chunked=req.has_header("Transfer-encoding"),
            )
    except OSError:
        conn.close()
        if reused and not _expired(watch):
            raise _Replay() from None  # nothing reached a server that had closed it
        raise
    except BaseException:
        conn.close()
        raise
    return head is not None


def _expired(watch: _Watch | None) -> bool:
    return watch is not None and watch.expired


class PooledHTTPHandler(_PooledHandler, urllib.request.HTTPHandler):
    """`http:` through kept-alive connections."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        connect_timeout: float = 30.0,
        read_timeout: float = 30.0,
        max_response_bytes: int | None = None,
    ):
        super().__init__()
        self._limits(pool, connect_timeout, read_timeout, max_response_bytes)

    def _connection(self, req: urllib.request.Request) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(req.host, timeout=self.connect_timeout)
        conn.response_class = _LeanResponse
        return conn

    def http_open(self, req: urllib.request.Request) -> Any:
        return self._exchange(req, "http")


class _HTTPSConnection(http.client.HTTPSConnection):
    """An `HTTPSConnection` that closes the proxy's answer to its CONNECT, on every Python.

    Before Python 3.11.4 (CPython gh-103472) `_tunnel` leaves the reader of that answer open.
    When the proxy refuses the tunnel, http.client closes the socket, but the reader still
    holds its descriptor until the garbage collector finds it: a connection to the proxy that
    stays open for a while after the `ProxyError`, and a `ResourceWarning`. This can go when
    scimkit requires 3.11.4.
    """

    response_class = _LeanResponse

    def _tunnel(self) -> None:
        answers: list[http.client.HTTPResponse] = []

        def answer(sock: socket.socket, *args: Any, **kwargs: Any) -> http.client.HTTPResponse:
            made = _LeanResponse(sock, *args, **kwargs)
            answers.append(made)
            return made

        self.response_class = answer  # type: ignore[assignment]
        try:
            super()._tunnel()  # type: ignore[misc]
        finally:
            self.response_class = _LeanResponse
            for made in answers:
                made.close()


class PooledHTTPSHandler(_PooledHandler, urllib.request.HTTPSHandler):
    """`https:` through kept-alive connections (and CONNECT tunnels through a proxy)."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        context: ssl.SSLContext,
        connect_timeout: float = 30.0,
        read_timeout: float = 30.0,
        max_response_bytes: int | None = None,
    ):
        super().__init__(context=context)
        self.context = context
        self._limits(pool, connect_timeout, read_timeout, max_response_bytes)

    def _connection(self, req: urllib.request.Request) -> http.client.HTTPConnection:
        return _HTTPSConnection(req.host, timeout=self.connect_timeout, context=self.context)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self._exchange(req, "https")

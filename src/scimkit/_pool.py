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

import _thread
import http.client
import select
import socket
import ssl
import urllib.error
import urllib.request
from email.message import Message
from typing import Any, Optional

from . import _clock
from ._lazy_re import LazyPattern
from ._watchdog import WATCHDOG, Watch, Watchdog
from ._wire import IDEMPOTENT_METHODS, Headers

__all__ = [
    "WATCHDOG",
    "BodyTooLarge",
    "ConnectionPool",
    "DeadlineReached",
    "FramingError",
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
    length = response.length
    if length is not None:
        if limit is not None and length > limit:
            raise BodyTooLarge(limit)
        if length <= _PIECE:
            # Exactly Content-Length bytes (IncompleteRead, counting all of them, if cut short).
            return response.read()
    # A long Content-Length, chunks, or the close: in pieces, so that memory grows with what
    # arrives, not with what the server announced (one read of 2**52 bytes is a MemoryError),
    # and never holding more than limit + 1. Not read(limit + 1): before Python 3.11 that
    # allocates a buffer of the limit's size, 64 MiB by default.
    parts: list[bytes] = []
    size = 0
    room = _PIECE if limit is None else limit + 1
    try:
        while True:
            piece = response.read(min(_PIECE, room - size))
            if not piece:
                break
            parts.append(piece)
            size += len(piece)
            if limit is not None and size > limit:
                raise BodyTooLarge(limit)
            if limit is None:
                room = size + _PIECE
    except http.client.IncompleteRead as exc:
        # Count what the earlier pieces brought too.
        raise http.client.IncompleteRead(b"".join(parts) + exc.partial, exc.expected) from None
    if response.length:
        # read(amt) ends quietly at the close even when Content-Length bytes did not come.
        raise http.client.IncompleteRead(b"".join(parts), response.length)
    return b"".join(parts)


_PIECE = 256 * 1024


# What http.client refuses in a request (its `_is_legal_header_name`, `_is_illegal_header_value`
# and `_contains_disallowed_url_pchar_re`) goes through http.client, so that the error is its
# own. Checked with str methods (as fast, nothing to compile at import), and for a value with
# a CR, LF or NUL with this pattern.
_BAD_VALUE = LazyPattern(r"\n(?![ \t])|\r(?![ \t\n])|\x00")

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
    # An ASCII target with no control character, DEL or space (`[\x00-\x20\x7f]`).
    plain = target.isascii() and target.isprintable() and " " not in target
    if not target.startswith("/") or not plain or not host.isascii():
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
        # The name as `_is_legal_header_name` wants it (`[^:\s][^:\r\n]*`); a value with a
        # CR, LF or NUL (rare: a folded line) is checked in full, by the pattern.
        bad_name = not name or name[0].isspace() or ":" in name or "\r" in name or "\n" in name
        odd_value = "\r" in value or "\n" in value or "\x00" in value
        if bad_name or (odd_value and _BAD_VALUE.search(value)):
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


class DeadlineReached(Exception):
    """The exchange was cut off because the call's deadline passed.

    `request_sent` is False when it was cut off before the request went out: while
    connecting, in a proxy's CONNECT or in the TLS handshake.
    """

    def __init__(self, *, request_sent: bool = True) -> None:
        super().__init__()
        self.request_sent = request_sent


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
        self._lock = _thread.allocate_lock()  # threading.Lock, without importing threading
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


class FramingError(http.client.HTTPException):
    """The answer breaks a framing rule (RFC 9112 §6, §7.1): where it ends cannot be known.

    Raised by `_LeanResponse`; the connection it came on is closed, never pooled.
    """


# RFC 9110 §15.2: any number of interim (1xx) answers may come before the final one; a
# server that sends them without end would hold the call, so past this many it is refused.
_MAX_INTERIM = 16
# The largest body length believed, from Content-Length or one chunk's size: 2**53 (as h11's
# and browsers' integer limits), far past any limit a caller sets and small enough to read.
_MAX_LENGTH = 2**53
_SHORT_LENGTH = 15  # digits: every decimal this long is below _MAX_LENGTH
_MAX_CHUNK_SIZE_DIGITS = 16  # hex digits, leading zeros included (h11 allows 20)
_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _content_length(field: str) -> int:
    """The body length a Content-Length field gives (repeats already joined with ", ")."""
    if len(field) <= _SHORT_LENGTH and field.isdigit() and field.isascii():
        return int(field)
    values = {value.strip() for value in field.split(",")}
    if len(values) != 1:
        # RFC 9112 §6.3: differing lengths make the message unreadable.
        raise FramingError(f"conflicting Content-Length: {field!r}")
    value = values.pop()
    # RFC 9110 §8.6: Content-Length = 1*DIGIT. Not int(): it takes "+5", " 5", "1_0" and
    # any Unicode digit, while str.isdigit() alone also says yes to "²", which int() refuses.
    if not (value.isdigit() and value.isascii()):
        raise FramingError(f"Content-Length is not a decimal number: {field[:40]!r}")
    if len(value.lstrip("0")) > _SHORT_LENGTH + 1 or int(value) > _MAX_LENGTH:
        raise FramingError(f"Content-Length is too large: {field[:40]!r}")
    return int(value)


class _LeanResponse(http.client.HTTPResponse):
    """An `HTTPResponse` whose header block is read straight into scimkit's `Headers`, and
    the one place where the framing rules of RFC 9112 §6 and §7.1 are applied.

    http.client hands every header block to the `email` package, which costs more per answer
    than everything scimkit itself does on a kept-alive connection. A SCIM answer needs the
    names and values only. http.client's own framing is lenient where a client on a kept-alive
    connection cannot be: an unreadable Content-Length means "read to the close", a chunk size
    is read with `int(line, 16)`. A `FramingError` here means the connection is closed.
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        version, status, reason = self._read_status()
        interim = 0
        while status < 200:  # _read_status refuses anything below 100
            if status == http.client.SWITCHING_PROTOCOLS:
                # RFC 9110 §15.2.2: only an answer to Upgrade, which scimkit never sends.
                raise FramingError("the server answered 101 Switching Protocols")
            # RFC 9110 §15.2: interim answers (100, 102, 103 ...) come before the final one;
            # stopping at one would leave the final answer to be read by the next request.
            interim += 1
            if interim > _MAX_INTERIM:
                raise FramingError(f"more than {_MAX_INTERIM} interim (1xx) answers")
            _read_header_block(self.fp)
            version, status, reason = self._read_status()
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = _read_header_block(self.fp)
        self._frame(status)

    def _frame(self, status: int) -> None:
        """Where the body ends: RFC 9112 §6.3, in its order."""
        headers = self.headers
        # http.client's private helpers (typeshed leaves them out), on every Python.
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        self.length = None
        encoding = headers.get("Transfer-Encoding")
        length = headers.get("Content-Length")
        self.chunked = encoding is not None
        if encoding is not None:
            # RFC 9112 §6.1, §7.4: without a TE field in the request, chunked is the only
            # transfer coding a server may send, and only once.
            if encoding.strip().lower() != "chunked":
                raise FramingError(f"unsupported Transfer-Encoding: {encoding[:40]!r}")
            if self.version == 10:
                raise FramingError("Transfer-Encoding in an HTTP/1.0 answer")
            self.chunk_left = None
            if length is not None:
                # Transfer-Encoding wins, but the pair "ought to be handled as an error":
                # this answer is read, the connection is not trusted with another.
                self.will_close = True
        elif length is not None:
            self.length = _content_length(length)
        method = self._method  # type: ignore[attr-defined]
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or method == "HEAD":
            self.length = 0
            self.chunked = False
        if not self.will_close and not self.chunked and self.length is None:
            # Neither a length nor chunks: the body ends when the server closes.
            self.will_close = True

    def _read_next_chunk_size(self) -> int:
        line = self.fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("chunk size")
        if not line:
            raise http.client.IncompleteRead(b"")
        # RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF, chunk-size = 1*HEXDIG; white space
        # only before an extension's ";" (as h11, trailing white space is let through).
        size = line.split(b";", 1)[0].rstrip(b" \t\r\n")
        if not size or size.strip(_HEX_DIGITS):
            raise FramingError(f"invalid chunk size: {line[:40]!r}")
        if len(size) > _MAX_CHUNK_SIZE_DIGITS or int(size, 16) > _MAX_LENGTH:
            raise FramingError(f"chunk size too large: {line[:40]!r}")
        return int(size, 16)

    def _get_chunk_left(self) -> int | None:
        """The bytes left in the current chunk, reading the next chunk's size if none are;
        None after the last chunk. http.client's own, but checking the CRLF after each chunk.
        """
        chunk_left = self.chunk_left
        if not chunk_left:
            end = None if chunk_left is None else self._safe_read(2)  # type: ignore[attr-defined]
            if end is not None and end != b"\r\n":
                # chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF: other bytes mean the
                # size did not tell where the data ends (h11 0.16 checks it too, CVE-2025-43859).
                raise FramingError("a chunk's data is not followed by CRLF")
            chunk_left = self._read_next_chunk_size()
            if chunk_left == 0:
                self._read_and_discard_trailer()
                self._close_conn()  # type: ignore[attr-defined]
                chunk_left = None
            self.chunk_left = chunk_left
        return chunk_left

    def _read_and_discard_trailer(self) -> None:
        # RFC 9112 §7.1.2: the trailer section is a header block; bounded as one.
        for _ in range(_MAX_HEADERS + 1):
            line = self.fp.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                raise http.client.LineTooLong("trailer line")
            if line in (b"\r\n", b"\n", b""):
                return
        raise FramingError(f"more than {_MAX_HEADERS} trailer fields")


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

    def _connection(self, req: urllib.request.Request) -> _HTTPConnection:
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
                conn = self._open(req, plan, deadline)
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

    def _open(
        self, req: urllib.request.Request, plan: _Plan, deadline: float | None
    ) -> _HTTPConnection:
        """A new connection: connected, tunnelled and TLS-handshaken within the connect
        timeout and the call's deadline. A failure is a `URLError`, or `DeadlineReached`
        when the deadline ended it: either way nothing was sent.

        The connect timeout bounds each socket operation, so a proxy or a TLS server that
        trickles its answer would hold the call for as long as it likes; the watchdog cuts
        the socket off at the deadline from the moment it exists (`_Connection`).
        """
        conn = self._connection(req)
        if deadline is not None:
            remaining = deadline - _clock.monotonic()
            if remaining <= 0:
                raise DeadlineReached(request_sent=False)
            conn.timeout = min(self.connect_timeout, remaining)
            conn.deadline = deadline
        if plan.tunnel_host:
            conn.set_tunnel(plan.tunnel_host, headers=plan.tunnel_headers)
        self.pool.count_opened()
        try:
            conn.connect()
        except (OSError, http.client.HTTPException) as err:
            conn.close()
            if deadline is not None and (_expired(conn.watch) or _clock.monotonic() >= deadline):
                raise DeadlineReached(request_sent=False) from err
            raise urllib.error.URLError(err) from err
        finally:
            if conn.watch is not None:
                WATCHDOG.done(conn.watch)
        if _expired(conn.watch):
            conn.close()  # the watchdog may have shut it down as the handshake ended
            raise DeadlineReached(request_sent=False)
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
    watch: Watch | None,
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


def _expired(watch: Watch | None) -> bool:
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

    def _connection(self, req: urllib.request.Request) -> _HTTPConnection:
        return _HTTPConnection(req.host, timeout=self.connect_timeout)

    def http_open(self, req: urllib.request.Request) -> Any:
        return self._exchange(req, "http")


class _HTTPConnection(http.client.HTTPConnection):
    """An `HTTPConnection` whose socket is under the watchdog from the moment it exists.

    With a `deadline` (set before `connect()`), a proxy's CONNECT and the TLS handshake
    that follow the TCP connect are cut off when it passes, however slowly the peer
    trickles its bytes; `watch` is the watchdog's entry, which the caller ends.
    """

    response_class = _LeanResponse
    deadline: float | None = None
    watch: Watch | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # http.client's hook for making the socket (its own tests replace it too).
        self._create_connection = self._create_watched_connection

    def _create_watched_connection(
        self, address: tuple[str, int], timeout: float | None, source: Any = None
    ) -> socket.socket:
        sock = socket.create_connection(address, timeout, source)
        if self.deadline is not None:
            self.watch = WATCHDOG.watch(sock, self.deadline)
        return sock


class _HTTPSConnection(_HTTPConnection, http.client.HTTPSConnection):
    """An `HTTPSConnection` whose TLS handshake the watchdog can cut off, and which closes
    the proxy's answer to its CONNECT, on every Python.

    `SSLContext.wrap_socket` takes the descriptor away from the TCP socket before its
    handshake, so shutting that socket down would no longer stop anything: the handshake is
    started after the watchdog has been given the TLS socket in its place.

    Before Python 3.11.4 (CPython gh-103472) `_tunnel` leaves the reader of that answer open.
    When the proxy refuses the tunnel, http.client closes the socket, but the reader still
    holds its descriptor until the garbage collector finds it: a connection to the proxy that
    stays open for a while after the `ProxyError`, and a `ResourceWarning`. This can go when
    scimkit requires 3.11.4.
    """

    def __init__(self, host: str, *, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, timeout=timeout, context=context)
        self.tls_context = context

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # TCP, then the tunnel through a proxy
        tunnel_host: str | None = getattr(self, "_tunnel_host", None)
        sock = self.tls_context.wrap_socket(
            self.sock, server_hostname=tunnel_host or self.host, do_handshake_on_connect=False
        )
        self.sock = sock
        if self.watch is not None:
            self.watch.sock = sock
            if self.watch.expired:  # it shut down the TCP socket's emptied shell
                raise TimeoutError("the deadline passed as the TLS handshake began")
        sock.do_handshake()

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

    def _connection(self, req: urllib.request.Request) -> _HTTPConnection:
        return _HTTPSConnection(req.host, timeout=self.connect_timeout, context=self.context)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self._exchange(req, "https")

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
import select
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import Any, Optional

__all__ = ["ConnectionPool", "PooledHTTPHandler", "PooledHTTPSHandler", "read_body"]

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
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
    if length is not None and length > limit:
        raise BodyTooLarge(limit)
    data = response.read(limit + 1)
    if len(data) > limit:
        raise BodyTooLarge(limit)
    # A chunked body may end exactly at the limit: read the terminating chunk.
    rest = response.read()
    if rest:
        raise BodyTooLarge(limit)
    return data


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


class _Answer:
    """A fully read response: the little of `http.client.HTTPResponse` the transport uses.

    Lighter than `urllib.response.addinfourl` (a tempfile wrapper), which costs more per
    call than everything else scimkit does on a kept-alive connection.
    """

    __slots__ = ("_body", "headers", "reason", "status", "url")

    def __init__(self, body: bytes, headers: Message, url: str, status: int, reason: str):
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

    def _connection(self, req: urllib.request.Request) -> http.client.HTTPConnection:
        raise NotImplementedError

    def _exchange(self, req: urllib.request.Request, scheme: str) -> _Answer:
        host = req.host
        if not host:
            raise urllib.error.URLError("no host given")
        headers = dict(req.unredirected_hdrs)
        headers.update({k: v for k, v in req.headers.items() if k not in headers})
        headers = {name.title(): value for name, value in headers.items()}
        tunnel_host = getattr(req, "_tunnel_host", None)
        tunnel_headers: dict[str, str] = {}
        if tunnel_host and "Proxy-Authorization" in headers:
            # The proxy's credentials go on the CONNECT, never to the origin server.
            tunnel_headers["Proxy-Authorization"] = headers.pop("Proxy-Authorization")
        key: PoolKey = (
            scheme,
            host,
            tunnel_host,
            tunnel_headers.get("Proxy-Authorization") or headers.get("Proxy-Authorization"),
        )
        method = req.get_method()
        timeout = req.timeout
        pool = self.pool
        for attempt in (1, 2):
            conn = pool.take(key) if attempt == 1 else None
            reused = conn is not None
            if conn is None:
                conn = self._connection(req)
                if tunnel_host:
                    conn.set_tunnel(tunnel_host, headers=tunnel_headers)
                pool.count_opened()
            if timeout is not None and timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
            try:
                conn.request(
                    method,
                    req.selector,
                    req.data,
                    headers,
                    encode_chunked=req.has_header("Transfer-encoding"),
                )
            except OSError as err:
                conn.close()
                if reused:
                    # Nothing reached a server that had closed this connection: send again.
                    continue
                raise urllib.error.URLError(err) from err
            except BaseException:
                conn.close()
                raise
            try:
                response = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if reused and method.upper() in _IDEMPOTENT:
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            try:
                body = read_body(response, self.max_response_bytes)
            except BaseException:
                conn.close()
                raise
            if response.will_close:
                conn.close()
            else:
                pool.give_back(key, conn)
            return _Answer(body, response.msg, req.get_full_url(), response.status, response.reason)
        raise AssertionError("unreachable")  # pragma: no cover


class PooledHTTPHandler(_PooledHandler, urllib.request.HTTPHandler):
    """`http:` through kept-alive connections."""

    def __init__(self, pool: ConnectionPool, *, max_response_bytes: int | None = None):
        super().__init__()
        self.pool = pool
        self.max_response_bytes = max_response_bytes

    def _connection(self, req: urllib.request.Request) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(req.host, timeout=req.timeout)

    def http_open(self, req: urllib.request.Request) -> Any:
        return self._exchange(req, "http")


class PooledHTTPSHandler(_PooledHandler, urllib.request.HTTPSHandler):
    """`https:` through kept-alive connections (and CONNECT tunnels through a proxy)."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        context: ssl.SSLContext,
        max_response_bytes: int | None = None,
    ):
        super().__init__(context=context)
        self.pool = pool
        self.context = context
        self.max_response_bytes = max_response_bytes

    def _connection(self, req: urllib.request.Request) -> http.client.HTTPConnection:
        return http.client.HTTPSConnection(req.host, timeout=req.timeout, context=self.context)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self._exchange(req, "https")


ConnectionFactory = Callable[[urllib.request.Request], http.client.HTTPConnection]

"""Transports: what moves one request's bytes to a server and brings one answer back.

A transport does not retry, follow redirects or log: the client's send loop does that around
it (`scimkit._send`). It sends one `HttpRequest` and returns one `HttpResponse`, or raises a
`TransportError` whose `request_sent` says whether the server may have seen the request.

- `HTTPTransport`: the network, through a `urllib.request` opener with keep-alive
  connections, TLS and proxies; what `SCIMClient` uses unless told otherwise.
- `scimkit.wsgi.WSGITransport`: calls a WSGI application in-process.
- your own: subclass `BaseTransport` and pass it as `SCIMClient(url, transport=...)`:

        class RecordingTransport(BaseTransport):
            def __init__(self, inner):
                self.inner, self.sent = inner, []

            def send(self, request, *, deadline=None):
                self.sent.append(request.method + " " + request.url)
                return self.inner.send(request, deadline=deadline)

            def close(self):
                self.inner.close()

The opener of `HTTPTransport` is assembled by hand rather than with `build_opener()` so that
only `http` and `https` are ever opened (no `file:`, `ftp:` or `data:` handlers) and an HTTP
error status comes back as a response, not an exception.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl as ssl_module
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable
from typing import Any

from . import _args
from ._clock import Deadline
from ._pool import (
    BodyTooLarge,
    ConnectionPool,
    DeadlineReached,
    FramingError,
    PooledHTTPHandler,
    PooledHTTPSHandler,
    WireRequest,
)
from ._wire import Headers, HttpRequest, HttpResponse, redact_url
from .errors import (
    ConnectError,
    ConnectTimeout,
    DeadlineExceeded,
    ProxyError,
    ReadTimeout,
    RemoteProtocolError,
    ResponseTooLarge,
    TLSError,
    TransportError,
)

__all__ = [
    "BaseTransport",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "Deadline",
    "HTTPTransport",
    "check_connection_settings",
]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 2**20

Route = tuple["tuple[str, str, str | None] | None", str]


class BaseTransport:
    """The interface every transport offers the client: `send` one request, `close`.

    `deadline`, when given, is the `Deadline` of the whole call: a transport that can should
    stop waiting once `deadline.remaining()` reaches 0 and raise `ReadTimeout`. Anything a
    transport raises that is not a `TransportError` reaches the caller unchanged.
    """

    def send(self, request: HttpRequest, *, deadline: Deadline | None = None) -> HttpResponse:
        """Send `request` once; the answer, or a `TransportError`."""
        raise NotImplementedError(f"{type(self).__name__} must implement send()")

    def close(self) -> None:
        """Release what the transport holds (connections); it may still be used after."""

    def __enter__(self) -> BaseTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def check_connection_settings(
    *,
    timeout: object = 30,
    ssl: object = None,
    proxy: object = None,
    keep_alive: object = True,
    max_connections: object = 10,
) -> None:
    """Refuse the settings `HTTPTransport` takes, as it would, without building one (no
    TLS context, no pool): `SCIMClient.for_wsgi` checks them and has no use for them."""
    from ._proxy import validate_proxy  # with the first transport: `import scimkit` skips it

    _args.timeout_pair(timeout)
    if ssl is not None:
        _args.instance("ssl", ssl, ssl_module.SSLContext, "an ssl.SSLContext")
    validate_proxy(proxy)
    _args.int_at_least("max_connections", max_connections)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class HTTPTransport(BaseTransport):
    """HTTP/1.1 over the network: kept-alive connections, TLS, proxies.

        transport = HTTPTransport(timeout=(5, 30), max_connections=4)
        client = SCIMClient(base_url, token=token, transport=transport)

    The arguments mean what they mean on `SCIMClient`, which builds one of these from its own
    when no `transport` is given: `timeout` (seconds, or `(connect, read)`), `ssl` (an
    `ssl.SSLContext`; verifying by default), `proxy` (`http://[user:password@]host:port`,
    `""` for none, `None` for the environment's), `keep_alive`, `max_connections` (idle
    connections kept per host) and `max_response_bytes` (a longer answer is refused unread).
    """

    def __init__(
        self,
        *,
        timeout: float | tuple[float, float] = 30,
        ssl: ssl_module.SSLContext | None = None,
        proxy: str | None = None,
        keep_alive: bool = True,
        max_connections: int = 10,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        check_connection_settings(
            timeout=timeout, ssl=ssl, proxy=proxy, max_connections=max_connections
        )
        self.connect_timeout, self.read_timeout = _args.timeout_pair(timeout)
        self.ssl_context = ssl if ssl is not None else ssl_module.create_default_context()
        # Only here, never on the client, is the proxy URL kept with its credentials.
        self._proxy = proxy
        self.keep_alive = bool(keep_alive)
        self.max_connections = max_connections
        self.max_response_bytes = _args.int_at_least(
            "max_response_bytes", max_response_bytes, allow_none=True
        )
        # keep_alive=False is the same exchange with a pool that keeps nothing.
        self.pool = ConnectionPool(max_connections=self.max_connections if keep_alive else 0)
        # A transport dropped without close() still closes its sockets when collected.
        weakref.finalize(self, self.pool.close)
        self.opener = self._opener()
        # Read once: a long-running script keeps the proxy it started with.
        self._environ = dict(os.environ)
        # scheme://host:port -> (proxy (scheme, host:port, Proxy-Authorization) or None,
        # host name as urllib's origin_req_host)
        self._route_for_origin: dict[str, Route] = {}

    def _opener(self) -> urllib.request.OpenerDirector:
        limits: dict[str, Any] = dict(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_response_bytes=self.max_response_bytes,
        )
        opener = urllib.request.OpenerDirector()
        opener.add_handler(PooledHTTPHandler(self.pool, **limits))
        opener.add_handler(PooledHTTPSHandler(self.pool, context=self.ssl_context, **limits))
        opener.add_handler(urllib.request.UnknownHandler())
        return opener

    def __repr__(self) -> str:
        return (
            f"HTTPTransport(timeout=({self.connect_timeout}, {self.read_timeout}), "
            f"keep_alive={self.keep_alive}, max_connections={self.max_connections})"
        )

    def check_route(self, url: str) -> None:
        """Refuse now, not at the first call, a proxy from the environment that cannot work.

        Every call to `url`'s origin would fail the same way, so the client is not built.
        """
        if self._proxy is not None:
            return  # the proxy argument was checked when it was given
        try:
            self._route(url)
        except ValueError as exc:
            from ._proxy import proxy_variable

            variable = proxy_variable(url, self._environ)
            raise ValueError(
                f"the {variable} environment variable is not a usable proxy: {exc}; "
                f'pass proxy=... to use another, or proxy="" to connect directly'
            ) from None

    def _route(self, url: str) -> Route:
        origin = url.split("/", 3)[:3]
        key = origin[0] + "//" + origin[2] if len(origin) == 3 else url
        try:
            return self._route_for_origin[key]
        except KeyError:
            pass
        from ._proxy import proxy_parts, select_proxy  # once per origin: the route is kept

        proxy = select_proxy(url, self._proxy, self._environ)
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        route = (proxy_parts(proxy) if proxy else None, host)
        self._route_for_origin[key] = route
        return route

    def close(self) -> None:
        """Close the kept-alive connections; later requests open new ones."""
        self.pool.close()

    def _urllib_request(self, request: HttpRequest) -> urllib.request.Request:
        proxy, host = self._route(request.url)
        # Giving the origin host saves urllib a second parse of the URL on every call.
        req = WireRequest(request.url, request.body, request.headers, request.method, host)
        if not self.keep_alive:
            req.add_unredirected_header("Connection", "close")
        if proxy is not None:
            scheme, hostport, auth = proxy
            if auth:
                req.add_unredirected_header("Proxy-Authorization", auth)
            req.set_proxy(hostport, scheme)
        return req

    def send(self, request: HttpRequest, *, deadline: Deadline | None = None) -> HttpResponse:
        """One HTTP exchange; a failure is raised as a `TransportError` subclass."""
        req = self._urllib_request(request)
        if deadline is not None:
            req.scimkit_deadline = deadline.ends_at  # type: ignore[attr-defined]
        try:
            with self.opener.open(req) as raw:
                body = raw.read()
                status = raw.status
                headers = raw.headers
        except _TRANSLATED as exc:
            raise self._translate(exc, request, deadline) from exc
        if not isinstance(headers, Headers):
            headers = Headers(headers.items())
        return HttpResponse(status_code=status, headers=headers, body=body)

    # -- error translation: one table, first matching row wins ----------------------------

    def _translate(
        self, exc: Exception, request: HttpRequest, deadline: Deadline | None
    ) -> TransportError:
        for types, build in _ERROR_TABLE:
            if isinstance(exc, types):
                error_class, message, request_sent = build(self, exc, deadline)
                return error_class(
                    message,
                    method=request.method,
                    url=redact_url(request.url),
                    request_sent=request_sent,
                )
        raise AssertionError(f"no row for {type(exc).__name__}")  # pragma: no cover

    def _connect_failure(self, exc: Exception, deadline: Deadline | None) -> _Translation:
        """A `URLError` from the opener, which the pooled handlers raise only for a failed
        connect (the TCP connect, a proxy tunnel, the TLS handshake): the request was not
        sent, even when the peer reset the connection half way through the handshake."""
        assert isinstance(exc, urllib.error.URLError)
        reason = exc.reason
        text = _reason(reason) if isinstance(reason, BaseException) else str(reason)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return ConnectTimeout, f"could not connect within {self.connect_timeout}s", False
        if isinstance(reason, (ssl_module.SSLError, ssl_module.CertificateError)):
            return TLSError, f"TLS failed: {text}", False
        if isinstance(reason, OSError) and "tunnel connection failed" in text.lower():
            return ProxyError, f"the proxy refused the tunnel: {redact_url(text)}", False
        if isinstance(reason, http.client.HTTPException):
            # Only a proxy's answer to CONNECT is read while connecting.
            message = f"the proxy's answer to CONNECT is not valid HTTP: {type(reason).__name__}"
            return ProxyError, f"{message}: {redact_url(text)}", False
        return ConnectError, f"could not connect: {text}", False

    def _read_timeout(self, exc: Exception, deadline: Deadline | None) -> _Translation:
        return ReadTimeout, f"no answer within the read timeout of {self.read_timeout}s", True


_Translation = tuple[type[TransportError], str, "bool | None"]
_Builder = Callable[[HTTPTransport, Exception, "Deadline | None"], _Translation]


def _deadline_passed(
    transport: HTTPTransport, exc: Exception, deadline: Deadline | None
) -> _Translation:
    assert isinstance(exc, DeadlineReached)
    seconds = deadline.seconds if deadline is not None else "?"
    if not exc.request_sent:
        # Cut off in the TCP connect, a proxy's CONNECT or the TLS handshake.
        message = f"the call's deadline of {seconds}s passed before the request was sent"
        return DeadlineExceeded, message, False
    message = f"the call's deadline of {seconds}s passed before the answer was complete"
    return DeadlineExceeded, message, True


def _tls_alert(transport: HTTPTransport, exc: Exception, deadline: Deadline | None) -> _Translation:
    """A TLS alert in place of the answer, once the request went out.

    With TLS 1.3 the server checks a client certificate after the client has finished its
    handshake, so a missing or refused certificate is first seen here.
    """
    text = _reason(exc)
    hint = ""
    if "CERTIFICATE_REQUIRED" in text.upper():
        hint = (
            "; the server requires a client certificate: load one into the ssl context "
            "(context.load_cert_chain(certfile, keyfile))"
        )
    return TLSError, f"TLS failed after the request was sent: {text}{hint}", None


def _cut_short(transport: HTTPTransport, exc: Exception, deadline: Deadline | None) -> _Translation:
    assert isinstance(exc, http.client.IncompleteRead)
    return RemoteProtocolError, f"the answer was cut short after {len(exc.partial)} bytes", True


def _is_alert(exc: Exception) -> bool:
    """A TLS alert is an SSLError; an EOF without one is a dropped connection like any other."""
    return isinstance(exc, ssl_module.SSLError) and not isinstance(
        exc, (ssl_module.SSLEOFError, ssl_module.SSLZeroReturnError)
    )


_ERROR_TABLE: tuple[tuple[type[Exception] | tuple[type[Exception], ...], _Builder], ...] = (
    (urllib.error.URLError, HTTPTransport._connect_failure),
    (DeadlineReached, _deadline_passed),
    (BodyTooLarge, lambda t, e, d: (ResponseTooLarge, str(e), True)),
    (http.client.IncompleteRead, _cut_short),
    (
        FramingError,
        lambda t, e, d: (RemoteProtocolError, f"the answer's framing is invalid: {e}", True),
    ),
    ((socket.timeout, TimeoutError), HTTPTransport._read_timeout),
    (
        http.client.RemoteDisconnected,
        lambda t, e, d: (
            RemoteProtocolError,
            "the server closed the connection without answering",
            None,
        ),
    ),
    (ssl_module.SSLError, lambda t, e, d: _tls_alert(t, e, d) if _is_alert(e) else _dropped(e)),
    (OSError, lambda t, e, d: _dropped(e)),
    (
        http.client.HTTPException,
        lambda t, e, d: (
            RemoteProtocolError,
            f"the answer is not valid HTTP: {type(e).__name__}: {_reason(e)}",
            True,
        ),
    ),
)
_TRANSLATED = (
    DeadlineReached,
    BodyTooLarge,
    OSError,
    http.client.HTTPException,
)


def _dropped(exc: Exception) -> _Translation:
    message = f"the connection failed while waiting for the answer: {_reason(exc)}"
    return RemoteProtocolError, message, None

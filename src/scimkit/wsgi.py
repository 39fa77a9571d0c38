"""Talk to a WSGI application in-process: no sockets, no server, the standard library only.

For people who write a SCIM service provider in a WSGI framework and want to test it with a
real client. `SCIMClient.for_wsgi()` is the usual way in:

    client = SCIMClient.for_wsgi(app, "/scim/v2", token="test-token")
    client.create_user(User(user_name="bjensen"))

The client is the ordinary one with a `WSGITransport` plugged in, whose `urllib.request`
opener holds a `WSGIHandler` in place of the pooled HTTP and HTTPS handlers. Retry handlers,
redirects, logging with redaction, `max_response_bytes`, strict mode and the parsing of
answers work as they do over the network. What has no meaning without a socket is left out:
timeouts, proxies, TLS and connection reuse. The application runs in the calling thread for
as long as it takes: the call `deadline` still bounds the waits between retries, but cannot
cut an answer off.

An exception raised by the application (when called, while its body is iterated, or in its
`close()`) reaches the test as it was raised, with its traceback: it is not turned into a
`TransportError`, and no retry handler sees it.

`WSGIHandler` also works in any urllib opener:

    opener = urllib.request.build_opener(WSGIHandler(app))
    opener.open("http://localhost/scim/v2/ServiceProviderConfig").read()
"""

from __future__ import annotations

import http.client
import io
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn

from . import _args
from ._clock import Deadline
from ._pool import BodyTooLarge
from ._wire import Headers, HttpRequest, HttpResponse, redact_url
from .errors import ResponseTooLarge
from .transports import DEFAULT_MAX_RESPONSE_BYTES, BaseTransport

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = ["WSGIHandler", "WSGIResponse", "WSGITransport"]

_DEFAULT_PORTS = {"http": "80", "https": "443"}
# PEP 3333: these two come without the HTTP_ prefix; the framing headers are replaced by
# CONTENT_LENGTH, since the application reads the whole body from `wsgi.input`.
_NOT_HTTP_VARIABLES = frozenset({"content-type", "content-length", "transfer-encoding"})
# What stays unescaped when SCRIPT_NAME + PATH_INFO is put back into a request target:
# RFC 3986's unreserved characters, sub-delimiters, ":" and "@" (pchar), and "/".
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class WSGIResponse:
    """A complete answer from the application, shaped like `http.client.HTTPResponse`.

    `status`, `reason`, `headers` (an `http.client.HTTPMessage`), `read()`, and the context
    manager; what urllib's opener and scimkit's transport use.
    """

    __slots__ = ("_body", "headers", "reason", "status", "url")

    def __init__(
        self, *, status: int, reason: str, headers: http.client.HTTPMessage, body: bytes, url: str
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.url = url
        self._body = body

    @property
    def msg(self) -> http.client.HTTPMessage:
        """The headers, under the name `http.client.HTTPResponse` also gives them."""
        return self.headers

    @property
    def code(self) -> int:
        """The status code, as urllib's `addinfourl.code`."""
        return self.status

    def read(self, amt: int | None = None) -> bytes:
        """The next `amt` bytes of the body, or all that is left."""
        if amt is None or amt < 0:
            data, self._body = self._body, b""
        else:
            data, self._body = self._body[:amt], self._body[amt:]
        return data

    def getcode(self) -> int:
        """The status code."""
        return self.status

    def geturl(self) -> str:
        """The URL that was requested."""
        return self.url

    def info(self) -> http.client.HTTPMessage:
        """The headers."""
        return self.headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """The values of header `name` joined by `, `, or `default` if it is absent."""
        values = self.headers.get_all(name)
        return default if not values else ", ".join(values)

    def close(self) -> None:
        """Drop what is left of the body."""
        self._body = b""

    def __enter__(self) -> WSGIResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<WSGIResponse {self.status} {self.reason}>"


class _Exchange:
    """One call of the application: what `start_response` and `write` were given."""

    __slots__ = ("body", "headers", "limit", "reason", "sent", "size", "status")

    def __init__(self, limit: int | None) -> None:
        self.status: int | None = None
        self.reason = ""
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.limit = limit
        # PEP 3333 says the headers are "sent" with the first non-empty piece of body; after
        # that, start_response may only re-raise the application's exception.
        self.sent = False

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None = None,
        /,
    ) -> Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None:
            try:
                if self.sent:
                    # Too late to change the answer: the error is the application's to report.
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # PEP 3333: no reference cycle through the traceback
        elif self.status is not None:
            raise RuntimeError("the WSGI application called start_response twice")
        if not isinstance(status, str):
            raise TypeError(f"WSGI status must be a str, not {type(status).__name__}")
        code, _, reason = status.partition(" ")
        if len(code) != 3 or not code.isdigit():
            raise ValueError(f"WSGI status must start with a 3-digit code: {status!r}")
        checked = []
        for pair in headers:
            if (
                not isinstance(pair, tuple)
                or len(pair) != 2
                or not all(isinstance(part, str) for part in pair)
            ):
                raise TypeError(f"WSGI response headers must be (str, str) tuples, not {pair!r}")
            checked.append(pair)
        self.status, self.reason, self.headers = int(code), reason, checked
        return self.write

    def write(self, data: bytes) -> None:
        """The legacy `write()` callable of PEP 3333: body bytes before the iterable's."""
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"WSGI body data must be bytes, not {type(data).__name__}")
        if not data:
            return
        if self.status is None:
            raise RuntimeError("the WSGI application gave body bytes before start_response")
        self.sent = True
        self.size += len(data)
        if self.limit is not None and self.size > self.limit:
            raise BodyTooLarge(self.limit)
        self.body.append(bytes(data))


class WSGIHandler(urllib.request.AbstractHTTPHandler):
    """A urllib handler that answers `http:` and `https:` requests by calling `app`.

    Each request becomes a PEP 3333 environ (method, decoded `PATH_INFO` and raw
    `QUERY_STRING`, `CONTENT_TYPE`, `CONTENT_LENGTH`, `HTTP_*` headers, the body in
    `wsgi.input`, `SERVER_NAME`/`SERVER_PORT` and `wsgi.url_scheme` from the URL); the
    application's status, headers and body come back as a `WSGIResponse`. A body longer than
    `max_response_bytes` is refused without reading the rest of it.

        opener = urllib.request.build_opener(WSGIHandler(app))
        with opener.open("http://localhost/scim/v2/Users") as answer:
            print(answer.status, answer.read())

    Whatever the application raises propagates out of `opener.open()` unchanged.
    """

    # Ahead of urllib's own HTTPHandler (500) when both are in one opener.
    handler_order = 100

    def __init__(self, app: WSGIApplication, *, max_response_bytes: int | None = None) -> None:
        super().__init__()
        if not callable(app):
            raise TypeError(f"app must be a WSGI application (a callable), not {app!r}")
        self.app = app
        self.max_response_bytes: int | None = _args.int_at_least(
            "max_response_bytes", max_response_bytes, allow_none=True
        )

    # The same request preparation as urllib's HTTP handlers: Host, Content-Length and a
    # default Content-Type are added as they would be on the wire.
    http_request = urllib.request.AbstractHTTPHandler.do_request_
    https_request = urllib.request.AbstractHTTPHandler.do_request_

    def http_open(self, req: urllib.request.Request) -> WSGIResponse:
        """Answer an `http://` request by calling the application (urllib's hook)."""
        return self._call(req)

    def https_open(self, req: urllib.request.Request) -> WSGIResponse:
        """Answer an `https://` request by calling the application (urllib's hook)."""
        return self._call(req)

    def environ(self, req: urllib.request.Request) -> WSGIEnvironment:
        """The PEP 3333 environ for `req`: a new dict for every call."""
        # The full URL, not req.host and req.selector: those name the proxy when one is set.
        parts = urllib.parse.urlsplit(req.full_url)
        scheme = parts.scheme.lower()
        body = _body_bytes(req.data)
        path = urllib.parse.unquote_to_bytes(parts.path or "/")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": req.get_method().upper(),
            "SCRIPT_NAME": "",
            # PEP 3333 "bytes as str": the decoded path's bytes, one character per byte.
            "PATH_INFO": path.decode("latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port) if parts.port else _DEFAULT_PORTS.get(scheme, "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_URI": parts.path + (f"?{parts.query}" if parts.query else ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            # A client may be shared between threads, each calling the application.
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if req.data is not None:
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in req.header_items():
            lowered = name.lower()
            if lowered == "content-type":
                environ["CONTENT_TYPE"] = value
            elif lowered not in _NOT_HTTP_VARIABLES:
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ

    def _call(self, req: urllib.request.Request) -> WSGIResponse:
        environ = self.environ(req)
        exchange = _Exchange(self.max_response_bytes)
        try:
            result = self.app(environ, exchange.start_response)
        except BodyTooLarge:
            raise
        except Exception as exc:
            self._application_raised(exc)
        try:
            try:
                for chunk in result:
                    exchange.write(chunk)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except BodyTooLarge:
            raise
        except Exception as exc:
            self._application_raised(exc)
        if exchange.status is None:
            self._application_raised(
                RuntimeError("the WSGI application returned without calling start_response")
            )
        message = http.client.HTTPMessage()
        for name, value in exchange.headers:
            message[name] = value  # adds: a repeated header (Set-Cookie) keeps every value
        body = b"" if environ["REQUEST_METHOD"] == "HEAD" else b"".join(exchange.body)
        return WSGIResponse(
            status=exchange.status,
            reason=exchange.reason,
            headers=message,
            body=body,
            url=req.full_url,
        )

    def _application_raised(self, exc: Exception) -> NoReturn:
        """The application failed: let its exception go on up, as it is."""
        raise exc


def _body_bytes(data: object) -> bytes:
    """A request body as bytes: urllib also allows a file or an iterable of bytes."""
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    read = getattr(data, "read", None)
    if read is not None:
        content = read()
        return content if isinstance(content, bytes) else str(content).encode("utf-8")
    if isinstance(data, Iterable):
        return b"".join(bytes(chunk) for chunk in data)
    raise TypeError(f"a request body must be bytes, a file or an iterable, not {data!r}")


class WSGITransport(BaseTransport):
    """A transport that answers every request by calling the WSGI application `app`.

        client = SCIMClient("http://localhost/scim/v2", transport=WSGITransport(app))

    The client's send loop runs around it as around the network: retry handlers, redirects,
    logging with redaction, `max_response_bytes`, strict mode. The application runs in the
    calling thread for as long as it takes (a `deadline` cannot cut it off), and whatever it
    raises reaches the caller unchanged, past every retry handler.
    """

    def __init__(
        self, app: WSGIApplication, *, max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES
    ) -> None:
        self.handler = WSGIHandler(app, max_response_bytes=max_response_bytes)
        self.app = app
        self.max_response_bytes = max_response_bytes
        opener = urllib.request.OpenerDirector()
        opener.add_handler(self.handler)
        opener.add_handler(urllib.request.UnknownHandler())
        self.opener = opener

    def __repr__(self) -> str:
        return f"WSGITransport({self.app!r})"

    def send(self, request: HttpRequest, *, deadline: Deadline | None = None) -> HttpResponse:
        """Call the application once with `request`; its answer as an `HttpResponse`."""
        req = urllib.request.Request(
            request.url,
            data=request.body,
            headers=request.headers.wire_fields(),
            method=request.method,
        )
        try:
            with self.opener.open(req) as answer:
                body = answer.read()
                status = answer.status
                headers = Headers(answer.headers.items())
        except BodyTooLarge as exc:
            raise ResponseTooLarge(
                str(exc), method=request.method, url=redact_url(request.url), request_sent=True
            ) from exc
        return HttpResponse(status_code=status, headers=headers, body=body)

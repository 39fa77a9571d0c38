"""How requests reach a `SCIMServer`, and how its answers leave: the HTTP edge.

Two ways in, one handling: over the server's own socket (`http.server`, threads, keep-alive,
once `start()` is called) or with the server called as a WSGI application. Either way the
request is recorded, an injected `Fault` is applied, and `_endpoints.py` decides the answer;
this module only reads requests and writes answers (and the faults that write other bytes).
"""

from __future__ import annotations

import http
import http.server
import json
import logging
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._wire import Headers
from ._endpoints import Endpoints, Problem
from ._faults import Fault, RecordedRequest

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["HTTPEdge", "LocalHTTPServer"]

JSON = dict[str, Any]
logger = logging.getLogger("scimkit.testing")

# Left unescaped when a WSGI path is put back into a request target: RFC 3986 pchar and "/".
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _origin(environ: WSGIEnvironment) -> str:
    """`scheme://host[:port]` a WSGI request was sent to (PEP 3333's URL reconstruction)."""
    scheme = str(environ.get("wsgi.url_scheme") or "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = str(environ.get("SERVER_NAME") or "localhost")
        port = str(environ.get("SERVER_PORT") or "")
        if port and port != {"http": "80", "https": "443"}.get(scheme):
            host = f"{host}:{port}"
    return f"{scheme}://{host}"


def _read_wsgi_request(environ: WSGIEnvironment) -> tuple[str, str, Headers, bytes]:
    """Method, request target, headers and body of a WSGI request, as a socket brings them."""
    method = str(environ.get("REQUEST_METHOD") or "GET").upper()
    path = str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or "")
    # PEP 3333 strings carry bytes as latin-1; put the request target back together.
    raw_path = urllib.parse.quote(path.encode("latin-1"), safe=_PATH_SAFE) or "/"
    query = str(environ.get("QUERY_STRING") or "")
    if query:
        raw_path += "?" + query
    headers = Headers()
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    length = headers.get("Content-Length")
    stream = environ["wsgi.input"]
    if length and length.isdigit():
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read(-1)  # a chunked upload: the server marks where it ends
    else:
        body = b""
    return method, raw_path, headers, body


class LocalHTTPServer(http.server.ThreadingHTTPServer):
    """The socket a started `SCIMServer` listens on: a thread per connection, each kept so
    that stopping can wake and join it."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's listen backlog of 5 overflows when a test opens 20 connections at once,
    # and the kernel then resets some of them; a server under test should not do that.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], scim: HTTPEdge) -> None:
        self.scim = scim
        self.connections: set[socket.socket] = set()
        self.threads: set[threading.Thread] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.connections_lock:
            self.connections.add(conn)
        return conn, address

    def process_request(self, request: Any, client_address: Any) -> None:
        # ThreadingMixIn does not keep daemon threads; these are kept so that stop() can join
        # them and no connection outlives the server.
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            daemon=True,
            name=f"scimkit-connection-{self.server_address[1]}",
        )
        with self.connections_lock:
            self.threads.add(thread)
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.threads.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Wake every connection thread (idle keep-alive reads see EOF) and wait for it."""
        with self.connections_lock:
            conns = list(self.connections)
            threads = list(self.threads)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalHTTPServer
    # An idle keep-alive connection is closed after this many seconds.
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        try:
            self.server.scim._handle(self)
        except (ConnectionError, socket.timeout, ssl.SSLError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server refuses before dispatch (a bad request line, an unknown method,
        oversized headers) gets a SCIM error body too, and the connection is closed."""
        self.log_error("code %d, message %s", code, message)
        detail = message or self.responses.get(code, (f"HTTP {code}",))[0]
        _, payload, headers = self.server.scim._error(Problem(code, detail))
        headers["Connection"] = "close"
        self.close_connection = True
        self.server.scim._send(self, code, payload, headers)

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""


class HTTPEdge(Endpoints):
    """The HTTP half of a `SCIMServer`: each request recorded, its fault taken and applied,
    its answer written to the socket or returned to the WSGI server.

    `SCIMServer.__init__` sets the attributes below; `SCIMServer.inject()` fills the fault
    lists and `SCIMServer.requests` reads the log.
    """

    _requests: list[RecordedRequest]
    _faults: list[list[Any]]  # [fault, remaining, method, path]
    _schedules: list[list[Any]]  # [fault, every, method, path, seen]
    _lock: threading.Lock
    _stopping: threading.Event
    # Its `url` is set while a WSGI request is handled: the URL the request came to.
    _wsgi_request: threading.local

    # -- one request, either edge ---------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            scheduled: Fault | None = None
            for schedule in self._schedules:
                fault, every, want_method, want_path, _ = schedule
                if (want_method is None or want_method == method) and (
                    want_path is None or want_path in path
                ):
                    schedule[4] += 1
                    if scheduled is None and schedule[4] % every == 0:
                        scheduled = fault
            if scheduled is not None:
                return scheduled
            for entry in self._faults:
                fault, _, want_method, want_path = entry
                if (want_method is None or want_method == method) and (
                    want_path is None or want_path in path
                ):
                    entry[1] -= 1
                    if entry[1] <= 0:
                        self._faults.remove(entry)
                    return fault  # type: ignore[no-any-return]
        return None

    def _receive(
        self, method: str, raw_path: str, headers: Headers, body: bytes
    ) -> RecordedRequest:
        """Log a request; the same for the socket and the WSGI edge."""
        split = urllib.parse.urlsplit(raw_path)
        record = RecordedRequest(
            method=method,
            path=urllib.parse.unquote(split.path),
            raw_path=raw_path,
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=body,
        )
        with self._lock:
            self._requests.append(record)
        return record

    def _fault_answer(self, fault: Fault) -> tuple[int, bytes, dict[str, str]]:
        data = fault.data
        content_type = fault.content_type
        if data is None:
            _, payload, _ = self._error(Problem(fault.code, "injected fault"))
            data = json.dumps(payload).encode()
        elif isinstance(data, dict):
            data = json.dumps(data).encode()
        if content_type is None:
            content_type = self._content_type
        return fault.code, data, {"Content-Type": content_type, **fault.extra_headers}

    @property
    def _content_type(self) -> str:
        return "application/scim+json" if self.scim_version == "2.0" else "application/json"

    # -- the socket edge ------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        try:
            body = handler.read_body()
        except ValueError:
            # Framing we cannot trust: answer once and close, the next bytes are not a request.
            handler.send_error(400, "invalid Content-Length or chunked body")
            return
        record = self._receive(
            handler.command, handler.path, Headers(handler.headers.items()), body
        )
        fault = self._take_fault(record.method, record.path)
        if fault is not None:
            if fault.kind == "drop":
                handler.close_connection = True
                return
            if fault.kind == "raw":
                assert isinstance(fault.data, bytes)
                handler.wfile.write(fault.data)
                handler.wfile.flush()
                handler.close_connection = fault.close
                return
            if fault.kind == "delay" and self._stopping.wait(fault.seconds):
                handler.close_connection = True
                return
            if fault.kind == "status":
                self._write(handler, *self._fault_answer(fault))
                return
            if fault.kind == "trickle" and isinstance(fault.data, bytes):
                end_of_head = fault.data.find(b"\r\n\r\n")
                start = end_of_head + 4 if fault.body_only and end_of_head >= 0 else 0
                self._trickle(handler, fault, fault.data, start)
                handler.close_connection = True
                return
        status, payload, headers = self._answer(record)
        if fault is not None and fault.kind == "drop_after_processing":
            handler.close_connection = True
            return
        trickle = fault if fault is not None and fault.kind == "trickle" else None
        self._send(handler, status, payload, headers, trickle=trickle)

    def _send(
        self,
        handler: _Handler,
        status: int,
        payload: JSON | None,
        headers: dict[str, str],
        *,
        trickle: Fault | None = None,
    ) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        if payload is not None:
            headers = {"Content-Type": self._content_type, **headers}
        self._write(handler, status, data, headers, trickle=trickle)

    def _write(
        self,
        handler: _Handler,
        status: int,
        data: bytes,
        headers: dict[str, str],
        *,
        trickle: Fault | None = None,
    ) -> None:
        handler.log_request(status)
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        lines = [
            f"{handler.protocol_version} {status} {reason}",
            f"Server: {handler.version_string()}",
            f"Date: {handler.date_time_string()}",
        ]
        for name, value in headers.items():
            lines.append(f"{name}: {value}")
            if name.lower() == "connection" and value.lower() == "close":
                handler.close_connection = True
        if status < 200 or status in (204, 304):
            # RFC 9110 §8.6 and §15.4.5: these never have a body, and a 204 must not carry a
            # Content-Length (a 304's would describe the representation, not this message).
            data = b""
        else:
            lines.append(f"Content-Length: {len(data)}")
        if handler.command == "HEAD":
            data = b""
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
        if trickle is not None:
            self._trickle(handler, trickle, head + data, len(head) if trickle.body_only else 0)
            return
        # Head and body in one write: two small writes on a kept-alive connection meet
        # Nagle's algorithm and the client's delayed ACK, and each answer waits 40 ms. Written
        # here rather than through send_header() so that it works for every request, even one
        # http.server could not parse (it buffers no headers for those).
        handler.wfile.write(head + data)
        handler.wfile.flush()

    def _trickle(self, handler: _Handler, fault: Fault, message: bytes, start: int) -> None:
        """Write `message[:start]` at once, then the rest `fault.chunk` bytes at a time with
        `fault.interval` seconds before each piece (`Fault.trickle()`)."""
        if start:
            handler.wfile.write(message[:start])
            handler.wfile.flush()
        for offset in range(start, len(message), fault.chunk):
            # The pause waits on the stopping event, so stop() is not held up by a trickle;
            # the connection is then closed, the answer unfinished.
            if offset and self._stopping.wait(fault.interval):
                handler.close_connection = True
                return
            handler.wfile.write(message[offset : offset + fault.chunk])
            handler.wfile.flush()

    # -- the WSGI edge --------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The server as a WSGI application: the same endpoints, store, faults and request
        log as over its socket, whether or not it is started.

            client = SCIMClient.for_wsgi(server, server.base_path, token=server.token)

        Locations in answers use the host the request names. `Fault.drop()`,
        `Fault.drop_after_processing()`, `Fault.raw()` and `Fault.trickle()` need a
        connection to act on and raise `RuntimeError` here.
        """
        method, raw_path, headers, body = _read_wsgi_request(environ)
        record = self._receive(method, raw_path, headers, body)
        fault = self._take_fault(record.method, record.path)
        if fault is not None and fault.kind in ("drop", "raw", "drop_after_processing", "trickle"):
            raise RuntimeError(
                f"{fault!r} needs a connection: start the server and call it at server.url"
            )
        if fault is not None and fault.kind == "delay":
            self._stopping.wait(fault.seconds)
        if fault is not None and fault.kind == "status":
            status, data, answer_headers = self._fault_answer(fault)
        else:
            status, data, answer_headers = self._wsgi_answer(record, environ)
        if status < 200 or status in (204, 304):
            data = b""  # RFC 9110 §8.6, §15.4.5: no body, and no Content-Length for these
        else:
            answer_headers = {**answer_headers, "Content-Length": str(len(data))}
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        start_response(f"{status} {reason}", list(answer_headers.items()))
        return [b"" if method == "HEAD" else data]

    def _wsgi_answer(
        self, record: RecordedRequest, environ: WSGIEnvironment
    ) -> tuple[int, bytes, dict[str, str]]:
        """Status, body bytes and headers for a WSGI request, located at the host it names."""
        self._wsgi_request.url = _origin(environ) + self.base_path
        try:
            status, payload, headers = self._answer(record)
        finally:
            del self._wsgi_request.url
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        if payload is not None:
            headers = {"Content-Type": self._content_type, **headers}
        return status, data, headers

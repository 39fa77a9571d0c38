"""`SCIMServer`: an in-memory SCIM service provider on 127.0.0.1 for tests and demos."""

from __future__ import annotations

import base64
import copy
import hmac
import http
import http.server
import json
import logging
import secrets
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .. import _schemas
from .._bulk import resolve_bulk_ids, unresolved_bulk_id
from .._sentinel import NOT_GIVEN, NotGiven
from .._wire import Headers
from ..filters import FilterSyntaxError, parse_filter
from ._engine import EngineError, apply_patch, matches, project, sort_resources
from ._faults import Fault, RecordedRequest
from ._store import Store

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["SCIMServer"]

JSON = dict[str, Any]
logger = logging.getLogger("scimkit.testing")


def _attribute(
    name: str,
    kind: str = "string",
    *,
    required: bool = False,
    multi: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
) -> JSON:
    return {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "required": required,
        "caseExact": False,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }


# What /Schemas says of the attributes this server treats specially (RFC 7643 §7).
_USER_ATTRIBUTES = [
    _attribute("userName", required=True, uniqueness="server"),
    _attribute("name", "complex"),
    _attribute("displayName"),
    _attribute("active", "boolean"),
    _attribute("password", mutability="writeOnly", returned="never"),
    _attribute("emails", "complex", multi=True),
    _attribute("groups", "complex", multi=True, mutability="readOnly"),
]
_GROUP_ATTRIBUTES = [
    _attribute("displayName", required=True),
    _attribute("members", "complex", multi=True),
]


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


def _encode_cursor(start: int) -> str:
    return base64.urlsafe_b64encode(f"scimkit:{start}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "scimkit" or not number.isdigit() or int(number) < 1:
            raise ValueError(cursor)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise _Problem(400, f"unknown cursor {cursor!r}", "invalidCursor") from None


def _schema_document(schema: str, name: str, attributes: list[JSON]) -> JSON:
    return {
        "schemas": [_schemas.SCHEMA],
        "id": schema,
        "name": name,
        "attributes": attributes,
        "meta": {"resourceType": "Schema"},
    }


class _Problem(Exception):
    """An error answer: HTTP status, SCIM scimType and detail."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def _key(obj: JSON, name: str) -> str | None:
    lower = name.lower()
    return next((k for k in obj if k.lower() == lower), None)


def _get(obj: JSON, name: str) -> Any:
    key = _key(obj, name)
    return None if key is None else obj[key]


def _without(obj: JSON, *names: str) -> JSON:
    lowered = {n.lower() for n in names}
    return {k: v for k, v in obj.items() if k.lower() not in lowered}


def _etag_matches(header: str, etag: str) -> bool:
    """`If-Match` / `If-None-Match` lists compared weakly (RFC 9110 §13.1)."""
    wanted = [part.strip() for part in header.split(",")]
    bare = etag[2:] if etag.startswith("W/") else etag
    return any(w == "*" or (w[2:] if w.startswith("W/") else w) == bare for w in wanted)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's listen backlog of 5 overflows when a test opens 20 connections at once,
    # and the kernel then resets some of them; a server under test should not do that.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], scim: SCIMServer) -> None:
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
    server: _HTTPServer
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
        _, payload, headers = self.server.scim._error(_Problem(code, detail))
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


class SCIMServer:
    """An in-memory SCIM 2.0 (or Slack-style 1.1) service provider on 127.0.0.1.

        with SCIMServer() as server:
            client = SCIMClient(server.url, token=server.token)

    `server.requests` lists what it received; `server.inject(Fault...)` makes the next
    requests fail; `server.resources("Users")` shows what it stores.
    """

    def __init__(
        self,
        *,
        token: str | None | NotGiven = NOT_GIVEN,
        scim_version: str = "2.0",
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str | None = None,
        max_results: int = 1000,
        ssl_context: ssl.SSLContext | None = None,
        resource_types: Mapping[str, str] | None = None,
        bulk_max_operations: int = 1000,
        bulk_max_payload_size: int = 1_048_576,
        default_pagination: str = "index",
    ) -> None:
        if scim_version not in ("2.0", "1.1"):
            raise ValueError(f"scim_version must be '2.0' or '1.1', not {scim_version!r}")
        self.token: str | None = secrets.token_urlsafe(16) if isinstance(token, NotGiven) else token
        self.scim_version = scim_version
        self.host = host
        self.port = port
        default_path = "/scim/v2" if scim_version == "2.0" else "/scim/v1"
        self.base_path = (base_path if base_path is not None else default_path).rstrip("/")
        self.max_results = max_results
        self.ssl_context = ssl_context
        # Endpoint name -> core schema URN. Types beyond Users and Groups are stored as they
        # come: no required attributes, no uniqueness rule.
        self.resource_types: dict[str, str] = {
            "Users": _schemas.CORE_USER,
            "Groups": _schemas.CORE_GROUP,
        }
        for name, schema in (resource_types or {}).items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"resource_types: {name!r} is not an endpoint name like 'Devices'")
            self.resource_types[name] = schema
        self.store = Store(self.resource_types)
        #: The id of the user `/Me` stands for (RFC 7644 §3.11); None answers 501.
        self.me: str | None = None
        self.default_pagination = default_pagination
        self.bulk_max_operations = bulk_max_operations
        self.bulk_max_payload_size = bulk_max_payload_size
        self._requests: list[RecordedRequest] = []
        self._faults: list[list[Any]] = []  # [fault, remaining, method, path]
        self._schedules: list[list[Any]] = []  # [fault, every, method, path, seen]
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Set while stopping: a Fault.delay() wait ends early and the request is not answered;
        # a Fault.trickle() ends mid-answer.
        self._stopping = threading.Event()
        self._wsgi_request = threading.local()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> SCIMServer:
        """Listen on `host`:`port` (a free port when 0) in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self.port), self)
        if self.ssl_context is not None:
            httpd.socket = self.ssl_context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"scimkit-server-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, close every connection and wait for their threads."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections(timeout=5.0)
        httpd.server_close()
        if thread is not None:
            thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SCIMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL clients use, e.g. `http://127.0.0.1:54321/scim/v2` (no trailing /)."""
        # While a WSGI request is handled, the URL it came to (for Location and meta).
        in_request: str | None = getattr(self._wsgi_request, "url", None)
        if in_request is not None:
            return in_request
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{self.base_path}"

    def __repr__(self) -> str:
        state = "running" if self._httpd is not None else "stopped"
        return f"<SCIMServer {self.url} scim_version={self.scim_version} {state}>"

    # -- what tests look at ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests; resources and faults stay."""
        with self._lock:
            self._requests.clear()

    def inject(
        self,
        fault: Fault,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        every: int | None = None,
    ) -> None:
        """Apply `fault` to the next `times` requests whose method is `method` and whose path
        contains `path` (both optional).

        With `every=N` the fault is a schedule instead: the Nth, 2Nth, 3Nth… matching request
        gets it, until `clear_faults()` (`times` is then ignored). Several schedules count the
        same requests independently, so a run sees the same number of faults every time.

            server.inject(Fault.status(503), every=10)
            server.inject(Fault.drop_after_processing(), method="POST", every=7)
        """
        if not isinstance(fault, Fault):
            raise TypeError("fault must be a Fault")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError("times must be an int of at least 1")
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)):
            raise TypeError(f"every must be an int, not {type(every).__name__}")
        if every is not None and every < 1:
            raise ValueError("every must be at least 1")
        with self._lock:
            method = method.upper() if method else None
            if every is None:
                self._faults.append([fault, times, method, path])
            else:
                self._schedules.append([fault, every, method, path, 0])

    def clear_faults(self) -> None:
        """Forget every pending fault and every schedule."""
        with self._lock:
            self._faults.clear()
            self._schedules.clear()

    def reset(self) -> None:
        """Forget every resource, fault and recorded request."""
        self.store.clear()
        with self._lock:
            self._faults.clear()
            self._schedules.clear()
            self._requests.clear()

    def resources(self, resource_type: str) -> list[JSON]:
        """Copies of the stored resources of a type ("Users" or "Groups")."""
        self._check_type(resource_type)
        with self.store.lock:
            return [self._render(resource_type, r) for r in self.store.all(resource_type)]

    def get_resource(self, resource_type: str, resource_id: str) -> JSON | None:
        """A copy of one stored resource, or `None` when there is no such id."""
        self._check_type(resource_type)
        with self.store.lock:
            found = self.store.get(resource_type, resource_id)
            return None if found is None else self._render(resource_type, found)

    def add_resource(self, resource_type: str, data: JSON) -> JSON:
        """Create a resource as a POST would; a refusal raises `ValueError`."""
        self._check_type(resource_type)
        try:
            return self._create(resource_type, copy.deepcopy(data))
        except _Problem as problem:
            raise ValueError(problem.detail) from None

    def _check_type(self, resource_type: str) -> None:
        if resource_type not in self.resource_types:
            raise ValueError(
                f"resource_type must be one of {tuple(self.resource_types)}, not {resource_type!r}"
            )

    # -- one request ----------------------------------------------------------------------

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

    def _answer(self, record: RecordedRequest) -> tuple[int, JSON | None, dict[str, str]]:
        """Status, JSON body and headers for a request, errors included."""
        try:
            path = urllib.parse.urlsplit(record.raw_path).path
            return self._route(record.method, path, record.query, record)
        except _Problem as problem:
            return self._error(problem)
        except Exception as exc:  # a bug here must not kill the connection silently
            logger.exception("local SCIM server failed on %s %s", record.method, record.raw_path)
            return self._error(_Problem(500, f"internal error: {exc!r}"))

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

    def _fault_answer(self, fault: Fault) -> tuple[int, bytes, dict[str, str]]:
        data = fault.data
        content_type = fault.content_type
        if data is None:
            _, payload, _ = self._error(_Problem(fault.code, "injected fault"))
            data = json.dumps(payload).encode()
        elif isinstance(data, dict):
            data = json.dumps(data).encode()
        if content_type is None:
            content_type = self._content_type
        return fault.code, data, {"Content-Type": content_type, **fault.extra_headers}

    # -- the WSGI edge --------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The server as a WSGI application: the same endpoints, store, faults and request
        log as over its socket, whether or not it is started.

            client = SCIMClient.for_wsgi(server, server.base_path, token=server.token)

        Locations in answers use the host the request names. `Fault.drop()`,
        `Fault.drop_after_processing()`, `Fault.raw()` and `Fault.trickle()` need a
        connection to act on and raise `RuntimeError` here.
        """
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
            self._wsgi_request.url = _origin(environ) + self.base_path
            try:
                status, payload, answer_headers = self._answer(record)
            finally:
                del self._wsgi_request.url
            data = b"" if payload is None else json.dumps(payload).encode("utf-8")
            if payload is not None:
                answer_headers = {"Content-Type": self._content_type, **answer_headers}
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

    @property
    def _content_type(self) -> str:
        return "application/scim+json" if self.scim_version == "2.0" else "application/json"

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

    def _error(self, problem: _Problem) -> tuple[int, JSON, dict[str, str]]:
        headers: dict[str, str] = {}
        if problem.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="scimkit"'
        if self.scim_version == "1.1":
            return (
                problem.status,
                {"Errors": {"description": problem.detail, "code": problem.status}},
                headers,
            )
        payload: JSON = {"schemas": [_schemas.ERROR], "status": str(problem.status)}
        if problem.scim_type:
            payload["scimType"] = problem.scim_type
        payload["detail"] = problem.detail
        return problem.status, payload, headers

    # -- routing --------------------------------------------------------------------------

    def _route(
        self, method: str, raw: str, query: dict[str, list[str]], record: RecordedRequest
    ) -> tuple[int, JSON | None, dict[str, str]]:
        if self.token is not None:
            scheme, _, given = (record.headers.get("Authorization") or "").strip().partition(" ")
            # RFC 9110 §11.1: the scheme is case-insensitive. Constant-time token comparison.
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                raise _Problem(401, "missing or wrong bearer token")
        base = urllib.parse.quote(self.base_path)
        if not (raw == base or raw.startswith(base + "/")):
            raise _Problem(404, f"no endpoint at {urllib.parse.unquote(raw)}")
        segments = [urllib.parse.unquote(s) for s in raw[len(base) :].split("/")[1:]]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments = segments[:-1]
        if segments in ([""], []):
            raise _Problem(404, "no endpoint at the base URL")
        endpoint = segments[0]
        if endpoint == "ServiceProviderConfig" and len(segments) == 1 and method == "GET":
            return 200, self._service_provider_config(), {}
        if endpoint == "Me" and len(segments) == 1:
            if self.me is None:
                raise _Problem(501, "/Me is not set up: give SCIMServer.me a user id")
            # The token's subject is a user like any other: /Me is /Users/<that id>.
            segments = ["Users", self.me]
            endpoint = "Users"
        if endpoint == "Bulk" and len(segments) == 1 and method == "POST":
            with self.store.lock:
                return 200, self._bulk(record), {}
        if endpoint == ".search" and len(segments) == 1 and method == "POST":
            with self.store.lock:
                return 200, self._search_request(None, record), {}
        if (
            len(segments) == 2
            and segments[1] == ".search"
            and endpoint in self.resource_types
            and method == "POST"
        ):
            with self.store.lock:
                return 200, self._search_request(endpoint, record), {}
        if endpoint in ("ResourceTypes", "Schemas") and method == "GET" and len(segments) <= 2:
            return 200, self._discovery(endpoint, segments[1] if len(segments) == 2 else None), {}
        if endpoint not in self.resource_types or len(segments) > 2:
            raise _Problem(404, f"no endpoint {'/'.join(segments)!r}")
        resource_type = endpoint
        with self.store.lock:
            if len(segments) == 1:
                if method == "GET":
                    return 200, self._list(resource_type, query), {}
                if method == "POST":
                    stored = self._create(resource_type, self._json_body(record))
                    return self._resource_answer(resource_type, stored, query, 201, location=True)
                raise _Problem(405, f"{method} is not allowed on /{resource_type}")
            resource_id = segments[1]
            current = self.store.get(resource_type, resource_id)
            if current is None:
                raise _Problem(404, f"{resource_type[:-1]} {resource_id} not found")
            etag = current["meta"]["version"]
            if_match = record.headers.get("If-Match")
            if (
                method in ("PUT", "PATCH", "DELETE")
                and if_match
                and not _etag_matches(if_match, etag)
            ):
                # RFC 7644 §3.14: the client's copy is stale.
                raise _Problem(412, f"the resource version is {etag}, not {if_match}")
            if method == "GET":
                if_none = record.headers.get("If-None-Match")
                if if_none and _etag_matches(if_none, etag):
                    return 304, None, {"ETag": etag}
                return self._resource_answer(resource_type, current, query, 200)
            if method == "PUT":
                stored = self._replace(resource_type, resource_id, self._json_body(record))
                return self._resource_answer(resource_type, stored, query, 200)
            if method == "PATCH":
                stored = self._patch(resource_type, resource_id, current, self._json_body(record))
                return self._resource_answer(resource_type, stored, query, 200)
            if method == "DELETE":
                self._delete(resource_type, resource_id)
                return 204, None, {}
            raise _Problem(405, f"{method} is not allowed on /{resource_type}/{{id}}")

    def _json_body(self, record: RecordedRequest) -> JSON:
        try:
            data = json.loads(record.body)
        except ValueError as exc:
            raise _Problem(400, f"the body is not JSON: {exc}", "invalidSyntax") from None
        if not isinstance(data, dict):
            raise _Problem(400, "the body must be a JSON object", "invalidSyntax")
        return data

    def _core_schema(self, resource_type: str) -> str:
        if self.scim_version == "1.1":
            return _schemas.V1_CORE
        return self.resource_types[resource_type]

    def _resource_answer(
        self,
        resource_type: str,
        stored: JSON,
        query: dict[str, list[str]],
        status: int,
        *,
        location: bool = False,
    ) -> tuple[int, JSON, dict[str, str]]:
        rendered = self._project(resource_type, self._render(resource_type, stored), query)
        headers = {"ETag": stored["meta"]["version"]}
        if location:
            headers["Location"] = stored["meta"]["location"]
        return status, rendered, headers

    def _render(self, resource_type: str, stored: JSON) -> JSON:
        """A copy of a stored resource, with a User's read-only `groups` computed and its
        `password` left out (RFC 7643 §4.1.1: returned "never")."""
        rendered = copy.deepcopy(stored)
        if resource_type == "Users":
            rendered = _without(rendered, "password")
            memberships = []
            for group in self.store.all("Groups"):
                members = _get(group, "members") or []
                if any(isinstance(m, dict) and _get(m, "value") == stored["id"] for m in members):
                    memberships.append(
                        {
                            "value": group["id"],
                            "$ref": group["meta"]["location"],
                            "display": _get(group, "displayName"),
                            "type": "direct",
                        }
                    )
            if memberships:
                rendered["groups"] = memberships
        return rendered

    def _project(self, resource_type: str, resource: JSON, query: dict[str, list[str]]) -> JSON:
        attributes = self._names(query, "attributes")
        excluded = self._names(query, "excludedAttributes")
        if not attributes and not excluded:
            return resource
        try:
            return project(
                resource,
                attributes=attributes,
                excluded_attributes=excluded,
                core_schema=self._core_schema(resource_type),
            )
        except EngineError as exc:
            raise _Problem(exc.status, exc.detail, exc.scim_type) from None

    @staticmethod
    def _names(query: dict[str, list[str]], name: str) -> list[str] | None:
        values = query.get(name)
        if not values:
            return None
        return [part.strip() for value in values for part in value.split(",") if part.strip()]

    @staticmethod
    def _int(query: dict[str, list[str]], name: str, default: int) -> int:
        values = query.get(name)
        if not values or values[-1] == "":
            return default
        try:
            return int(values[-1])
        except ValueError:
            raise _Problem(400, f"{name} must be an integer", "invalidValue") from None

    # -- operations -----------------------------------------------------------------------

    def _list(self, resource_type: str | None, query: dict[str, list[str]]) -> JSON:
        """A page of one resource type, or of every type (`resource_type=None`, root search)."""
        types = [resource_type] if resource_type is not None else list(self.resource_types)
        text = (query.get("filter") or [""])[-1]
        node = None
        if text:
            try:
                node = parse_filter(text)
            except FilterSyntaxError as exc:
                raise _Problem(400, str(exc), "invalidFilter") from None
        tagged: list[tuple[str, JSON]] = []
        for name in types:
            core = self._core_schema(name)
            for stored in self.store.all(name):
                rendered = self._render(name, stored)
                try:
                    if node is None or matches(rendered, node, core_schema=core):
                        tagged.append((name, rendered))
                except EngineError as exc:
                    raise _Problem(exc.status, exc.detail, exc.scim_type) from None
        sort_by = (query.get("sortBy") or [""])[-1]
        if sort_by:
            descending = (query.get("sortOrder") or [""])[-1].lower() == "descending"
            order = {id(r): n for n, r in tagged}
            try:
                ordered = sort_resources(
                    [r for _, r in tagged],
                    sort_by,
                    descending=descending,
                    core_schema=self._core_schema(types[0]),
                )
            except EngineError as exc:
                raise _Problem(exc.status, exc.detail, exc.scim_type) from None
            tagged = [(order[id(r)], r) for r in ordered]
        count = min(max(0, self._int(query, "count", self.max_results)), self.max_results)
        cursor = query.get("cursor")
        if cursor is not None:
            # RFC 9865: an opaque cursor (here, the offset encoded) instead of startIndex.
            start = _decode_cursor(cursor[-1]) if cursor[-1] else 1
        else:
            # RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0.
            start = max(1, self._int(query, "startIndex", 1))
        page = tagged[start - 1 : start - 1 + count]
        resources = [self._project(name, r, query) for name, r in page]
        schemas = [_schemas.LIST_RESPONSE] if self.scim_version == "2.0" else [_schemas.V1_CORE]
        answer: JSON = {
            "schemas": schemas,
            "totalResults": len(tagged),
            "itemsPerPage": len(resources),
        }
        if cursor is None:
            answer["startIndex"] = start
        elif start - 1 + len(page) < len(tagged) and page:
            answer["nextCursor"] = _encode_cursor(start + len(page))
        answer["Resources"] = resources
        return answer

    def _bulk(self, record: RecordedRequest) -> JSON:
        """POST /Bulk (RFC 7644 §3.7): each operation handled as its own request, in order,
        `bulkId:` references replaced by the ids created earlier in the same request."""
        if len(record.body) > self.bulk_max_payload_size:
            raise _Problem(
                413, f"the request is larger than maxPayloadSize ({self.bulk_max_payload_size})"
            )
        body = self._json_body(record)
        operations = _get(body, "Operations")
        if not isinstance(operations, list):
            raise _Problem(400, "a BulkRequest needs Operations", "invalidSyntax")
        if len(operations) > self.bulk_max_operations:
            raise _Problem(413, f"more operations than maxOperations ({self.bulk_max_operations})")
        fail_on_errors = _get(body, "failOnErrors")
        created: dict[str, str] = {}
        results: list[JSON] = []
        errors = 0
        for operation in operations:
            if isinstance(fail_on_errors, int) and fail_on_errors > 0 and errors >= fail_on_errors:
                break
            result = self._bulk_operation(operation, record, created)
            if int(result["status"]) >= 400:
                errors += 1
            results.append(result)
        return {"schemas": [_schemas.BULK_RESPONSE], "Operations": results}

    def _bulk_operation(
        self, operation: Any, record: RecordedRequest, created: dict[str, str]
    ) -> JSON:
        if not isinstance(operation, dict):
            _, payload, _ = self._error(
                _Problem(400, "an operation must be an object", "invalidSyntax")
            )
            return {"status": "400", "response": payload}
        method = str(_get(operation, "method") or "").upper()
        bulk_id = _get(operation, "bulkId")
        result: JSON = {"method": method}
        if bulk_id is not None:
            result["bulkId"] = bulk_id
        try:
            path = _get(operation, "path")
            if not isinstance(path, str) or not path.startswith("/"):
                raise _Problem(400, "an operation needs a path", "invalidPath")
            data = _get(operation, "data")
            path, data = resolve_bulk_ids(path, created), resolve_bulk_ids(data, created)
            unresolved = unresolved_bulk_id(path) or unresolved_bulk_id(data)
            if unresolved:
                raise _Problem(409, f"bulkId {unresolved!r} was not created", "invalidValue")
            headers = Headers({"Authorization": record.headers.get("Authorization") or ""})
            version = _get(operation, "version")
            if isinstance(version, str):
                headers["If-Match"] = version
            inner = RecordedRequest(
                method=method,
                path=self.base_path + path,
                raw_path=urllib.parse.quote(self.base_path) + path,
                query={},
                headers=headers,
                body=b"" if data is None else json.dumps(data).encode(),
            )
            status, answer, _ = self._route(method, inner.raw_path, {}, inner)
        except _Problem as problem:
            status, answer, _ = self._error(problem)
        outcome: JSON | None = answer
        result["status"] = str(status)
        if status >= 400:
            result["response"] = outcome
            return result
        if outcome is not None and isinstance(outcome.get("meta"), dict):
            result["location"] = outcome["meta"].get("location")
            result["version"] = outcome["meta"].get("version")
            if method == "POST" and isinstance(bulk_id, str):
                created[bulk_id] = outcome["id"]
        elif method == "DELETE":
            result["location"] = self.url + path
        return result

    def _search_request(self, resource_type: str | None, record: RecordedRequest) -> JSON:
        """POST `.search` (RFC 7644 §3.4.3): the query parameters come in a SearchRequest."""
        body = self._json_body(record)
        query: dict[str, list[str]] = {}
        for name in ("filter", "sortBy", "sortOrder", "startIndex", "count"):
            value = _get(body, name)
            if value is not None:
                query[name] = [str(value)]
        for name in ("attributes", "excludedAttributes"):
            value = _get(body, name)
            if isinstance(value, list):
                query[name] = [",".join(str(v) for v in value)]
            elif isinstance(value, str):
                query[name] = [value]
        return self._list(resource_type, query)

    def _validate(self, resource_type: str, data: JSON, resource_id: str | None) -> JSON:
        data = _without(data, "id", "meta", *(("groups",) if resource_type == "Users" else ()))
        if resource_type == "Users":
            user_name = _get(data, "userName")
            if not isinstance(user_name, str) or not user_name.strip():
                raise _Problem(400, "userName is required", "invalidValue")
            for other in self.store.all("Users"):
                other_name = _get(other, "userName")
                if (
                    other["id"] != resource_id
                    and isinstance(other_name, str)
                    and other_name.lower() == user_name.lower()
                ):
                    raise _Problem(409, f"userName {user_name!r} is already taken", "uniqueness")
        elif resource_type == "Groups":
            display = _get(data, "displayName")
            if not isinstance(display, str) or not display.strip():
                raise _Problem(400, "displayName is required", "invalidValue")
            members = _get(data, "members")
            if members is not None and not isinstance(members, list):
                raise _Problem(400, "members must be a list", "invalidValue")
            for member in members or []:
                if not isinstance(member, dict) or not isinstance(_get(member, "value"), str):
                    raise _Problem(400, "each member needs a value", "invalidValue")
                self._fill_member(member)
        if not isinstance(_get(data, "schemas"), list):
            data = {"schemas": [self._core_schema(resource_type)], **_without(data, "schemas")}
        return data

    def _fill_member(self, member: JSON) -> None:
        value = _get(member, "value")
        user = self.store.get("Users", value)
        group = None if user is not None else self.store.get("Groups", value)
        target = user or group
        if target is None:
            return
        if _key(member, "display") is None:
            member["display"] = _get(target, "displayName") or _get(target, "userName")
        if _key(member, "$ref") is None:
            member["$ref"] = target["meta"]["location"]
        if _key(member, "type") is None:
            member["type"] = "User" if user is not None else "Group"

    def _create(self, resource_type: str, data: JSON) -> JSON:
        clean = self._validate(resource_type, data, None)
        return self.store.put(resource_type, clean, location=self.url)

    def _replace(self, resource_type: str, resource_id: str, data: JSON) -> JSON:
        clean = self._validate(resource_type, data, resource_id)
        return self.store.put(resource_type, clean, location=self.url, resource_id=resource_id)

    def _patch(self, resource_type: str, resource_id: str, current: JSON, body: JSON) -> JSON:
        core = self._core_schema(resource_type)
        base = _without(copy.deepcopy(current), "groups")
        if self.scim_version == "1.1":
            updated = self._merge_v1(base, body)
        else:
            schemas = _get(body, "schemas")
            if isinstance(schemas, list) and _schemas.PATCH_OP not in schemas:
                raise _Problem(400, "a PATCH body must be a PatchOp message", "invalidSyntax")
            operations = _get(body, "Operations")
            try:
                updated = apply_patch(base, operations, core_schema=core)
            except EngineError as exc:
                raise _Problem(exc.status, exc.detail, exc.scim_type) from None
        return self._replace(resource_type, resource_id, updated)

    @staticmethod
    def _merge_v1(current: JSON, partial: JSON) -> JSON:
        """SCIM 1.1 PATCH: merge the partial resource; `operation: delete` removes values."""
        result = copy.deepcopy(current)
        meta = _get(partial, "meta")
        for name in (_get(meta, "attributes") if isinstance(meta, dict) else None) or []:
            key = _key(result, str(name))
            if key is not None:
                del result[key]
        for name, value in partial.items():
            if name.lower() in ("schemas", "id", "meta"):
                continue
            key = _key(result, name) or name
            existing = result.get(key)
            if isinstance(value, list) and isinstance(existing, (list, type(None))):
                items = list(existing or [])
                for item in value:
                    if isinstance(item, dict) and str(_get(item, "operation")).lower() == "delete":
                        doomed = _get(item, "value")
                        items = [
                            i
                            for i in items
                            if not (isinstance(i, dict) and _get(i, "value") == doomed)
                        ]
                    elif item not in items:
                        items.append(copy.deepcopy(item))
                if items:
                    result[key] = items
                else:
                    result.pop(key, None)
            elif isinstance(value, dict) and isinstance(existing, dict):
                existing.update(copy.deepcopy(value))
            else:
                result[key] = copy.deepcopy(value)
        return result

    def _delete(self, resource_type: str, resource_id: str) -> None:
        self.store.delete(resource_type, resource_id)
        # A deleted user (or nested group) leaves every group it was in; each group that
        # changes gets a new version, so an ETag read before the delete is now stale.
        for group in self.store.all("Groups"):
            key = _key(group, "members")
            if not key or not isinstance(group[key], list):
                continue
            kept = [
                m
                for m in group[key]
                if not (isinstance(m, dict) and _get(m, "value") == resource_id)
            ]
            if len(kept) != len(group[key]):
                changed = {**_without(group, "id", "meta"), key: kept}
                self.store.put("Groups", changed, location=self.url, resource_id=group["id"])

    def _discovery(self, endpoint: str, name: str | None) -> JSON:
        """`/ResourceTypes` and `/Schemas` (RFC 7644 §4), as a list or one by id."""
        if endpoint == "ResourceTypes":
            items = [self._resource_type(n, schema) for n, schema in self.resource_types.items()]
        else:
            items = [self._schema(n, schema) for n, schema in self.resource_types.items()]
            items.append(_schema_document(_schemas.ENTERPRISE_USER, "EnterpriseUser", []))
        if name is not None:
            found = [item for item in items if item["id"] == name]
            if not found:
                raise _Problem(404, f"no {endpoint[:-1]} {name!r}")
            return found[0]
        return {
            "schemas": [_schemas.LIST_RESPONSE],
            "totalResults": len(items),
            "itemsPerPage": len(items),
            "startIndex": 1,
            "Resources": items,
        }

    def _resource_type(self, name: str, schema: str) -> JSON:
        singular = name[:-1] if name.endswith("s") else name
        document: JSON = {
            "schemas": [_schemas.RESOURCE_TYPE],
            "id": singular,
            "name": singular,
            "endpoint": f"/{name}",
            "schema": schema,
            "meta": {
                "resourceType": "ResourceType",
                "location": f"{self.url}/ResourceTypes/{singular}",
            },
        }
        if name == "Users":
            document["schemaExtensions"] = [{"schema": _schemas.ENTERPRISE_USER, "required": False}]
        return document

    def _schema(self, name: str, schema: str) -> JSON:
        singular = name[:-1] if name.endswith("s") else name
        attributes = {"Users": _USER_ATTRIBUTES, "Groups": _GROUP_ATTRIBUTES}.get(name, [])
        return _schema_document(schema, singular, attributes)

    def _service_provider_config(self) -> JSON:
        return {
            "schemas": [_schemas.SERVICE_PROVIDER_CONFIG],
            "patch": {"supported": True},
            "bulk": {
                "supported": True,
                "maxOperations": self.bulk_max_operations,
                "maxPayloadSize": self.bulk_max_payload_size,
            },
            "filter": {"supported": True, "maxResults": self.max_results},
            "changePassword": {"supported": False},
            "sort": {"supported": True},
            "etag": {"supported": True},
            "pagination": {
                "cursor": True,
                "index": True,
                "defaultPaginationMethod": self.default_pagination,
                "defaultPageSize": self.max_results,
                "maxPageSize": self.max_results,
                "cursorTimeout": 3600,
            },
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "Authentication with a bearer token",
                }
            ],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": f"{self.url}/ServiceProviderConfig",
            },
        }

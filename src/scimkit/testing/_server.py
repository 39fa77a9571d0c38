"""`SCIMServer`: an in-memory SCIM service provider on 127.0.0.1 for tests and demos.

This module holds what a user of the server calls: its settings, starting and stopping,
fault injection, the request log and the stored resources. How a request is answered is in
`_endpoints.py`; how it arrives and leaves, over the socket or WSGI, in `_http.py`.
"""

from __future__ import annotations

import copy
import secrets
import ssl
import threading
from collections.abc import Mapping
from typing import Any

from .. import _schemas
from .._sentinel import NOT_GIVEN, NotGiven
from ._endpoints import Problem
from ._faults import Fault, RecordedRequest
from ._http import HTTPEdge, LocalHTTPServer
from ._store import Store
from ._validate import SchemaSet

__all__ = ["SCIMServer"]

JSON = dict[str, Any]


class SCIMServer(HTTPEdge):
    """An in-memory SCIM 2.0 (or Slack-style 1.1) service provider on 127.0.0.1.

        with SCIMServer() as server:
            client = SCIMClient(server.url, token=server.token)

    `server.requests` lists what it received; `server.inject(Fault...)` makes the next
    requests fail; `server.resources("Users")` shows what it stores.

    It checks every create, replace and PATCH against the schemas it serves at `/Schemas`
    (RFC 7643's User, Group and enterprise User, and those given to `add_schema`), as real
    servers do: an unknown attribute, a value of the wrong type, a missing required one or a
    write to a read-only one is a 400 naming it. `strict=False` stores what it is given.
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
        strict: bool = True,
    ) -> None:
        if not isinstance(strict, bool):
            raise TypeError(f"strict must be a bool, not {type(strict).__name__}")
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
        # come until `add_schema` gives their schema: then they are validated as well.
        self.resource_types: dict[str, str] = {
            "Users": _schemas.CORE_USER,
            "Groups": _schemas.CORE_GROUP,
        }
        for name, schema in (resource_types or {}).items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"resource_types: {name!r} is not an endpoint name like 'Devices'")
            self.resource_types[name] = schema
        self.store = Store(self.resource_types)
        #: Whether every write is checked against the schemas served at /Schemas.
        self.strict = strict
        self.schema_set = SchemaSet(self.resource_types, scim_version)
        #: The id of the user `/Me` stands for (RFC 7644 §3.11); None answers 501.
        self.me: str | None = None
        self.default_pagination = default_pagination
        self.bulk_max_operations = bulk_max_operations
        self.bulk_max_payload_size = bulk_max_payload_size
        self._requests: list[RecordedRequest] = []
        self._faults: list[list[Any]] = []  # [fault, remaining, method, path]
        self._schedules: list[list[Any]] = []  # [fault, every, method, path, seen]
        self._lock = threading.Lock()
        self._httpd: LocalHTTPServer | None = None
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
        httpd = LocalHTTPServer((self.host, self.port), self)
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

    def add_schema(
        self,
        document: Mapping[str, Any],
        *,
        extension_of: str | None = None,
        required: bool = False,
    ) -> None:
        """Register a Schema document (RFC 7643 §7): served at `/Schemas` and, on a strict
        server, what writes are checked against.

        A document whose `id` is the schema URN of a type given in `resource_types=` makes
        that type validated (without one it is stored as it comes); one with the `id` of a
        core schema replaces it. With `extension_of="Users"` the schema is an extension of
        that resource type, listed in its `/ResourceTypes` entry (`required` as given):

            server.add_schema(
                {"id": "urn:example:Badge", "attributes": [{"name": "level", "type": "integer"}]},
                extension_of="Users",
            )

        Attributes take the RFC 7643 §7 keys (`name`, `type`, `multiValued`, `required`,
        `mutability`, `subAttributes`...) with the RFC's defaults for those left out.
        """
        if not isinstance(required, bool):
            raise TypeError(f"required must be a bool, not {type(required).__name__}")
        with self.store.lock:
            self.schema_set.add(document, extension_of=extension_of, required=required)

    def add_resource(self, resource_type: str, data: JSON) -> JSON:
        """Create a resource as a POST would, validated the same way; a refusal raises
        `ValueError`. Use a `SCIMServer(strict=False)` to store data no schema allows."""
        self._check_type(resource_type)
        try:
            return self._create(resource_type, copy.deepcopy(data))
        except Problem as problem:
            raise ValueError(problem.detail) from None

    def _check_type(self, resource_type: str) -> None:
        if resource_type not in self.resource_types:
            raise ValueError(
                f"resource_type must be one of {tuple(self.resource_types)}, not {resource_type!r}"
            )

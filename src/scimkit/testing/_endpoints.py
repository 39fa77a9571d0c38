"""How a `SCIMServer` answers one SCIM request: routing, the resource operations, list, search
and paging, bulk, and the discovery endpoints.

No socket here: a `RecordedRequest` in, a status, a JSON body and headers out. The edges in
`_http.py` (the server's socket, or the server as a WSGI application) bring the request and
write the answer; `_server.py` holds the settings and the store this module works on.
"""

from __future__ import annotations

import base64
import copy
import hmac
import json
import logging
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Optional

from .. import _schemas
from .._bulk import _PREFIX, resolve_bulk_ids, unresolved_bulk_id
from .._wire import Headers
from ..filters import Filter, FilterSyntaxError, parse_filter
from ._discovery import resource_type_documents, schema_documents, service_provider_config
from ._engine import EngineError, apply_patch, matches, project, sort_resources
from ._faults import RecordedRequest
from ._store import Store
from ._validate import (
    SchemaSet,
    check_filter,
    check_patch_dialect,
    check_patch_operations,
    check_resource,
    check_v1_removals,
)

__all__ = ["Endpoints", "Problem"]

JSON = dict[str, Any]
#: Status, JSON body (None for no body) and headers of an answer.
Answer = tuple[int, Optional[JSON], dict[str, str]]
logger = logging.getLogger("scimkit.testing")


# The discovery endpoints of either version, answered by `_v1_discovery` in 1.1 mode.
_DISCOVERY_NAMES = frozenset(
    {"ServiceProviderConfig", "ServiceProviderConfigs", "ResourceTypes", "Schemas"}
)


class Problem(Exception):
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
        raise Problem(400, f"unknown cursor {cursor!r}", "invalidCursor") from None


class Endpoints:
    """The SCIM half of a `SCIMServer`: what each request does to the store, and the answer.

    `SCIMServer.__init__` sets the attributes below; `SCIMServer.url` is the base URL the
    stored resources are located under.
    """

    token: str | None
    scim_version: str
    base_path: str
    max_results: int
    resource_types: dict[str, str]
    store: Store
    me: str | None
    default_pagination: str
    bulk_max_operations: int
    bulk_max_payload_size: int
    strict: bool
    schema_set: SchemaSet

    if TYPE_CHECKING:

        @property
        def url(self) -> str: ...

    def _answer(self, record: RecordedRequest) -> Answer:
        """Status, JSON body and headers for a request, errors included."""
        try:
            path = urllib.parse.urlsplit(record.raw_path).path
            return self._route(record.method, path, record.query, record)
        except Problem as problem:
            return self._error(problem)
        except Exception as exc:  # a bug here must not kill the connection silently
            logger.exception("local SCIM server failed on %s %s", record.method, record.raw_path)
            return self._error(Problem(500, f"internal error: {exc!r}"))

    def _error(self, problem: Problem) -> tuple[int, JSON, dict[str, str]]:
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
    ) -> Answer:
        """The answer to `method` on the path `raw` (still percent-encoded); a refusal is
        raised as a `Problem`."""
        self._check_token(record)
        segments = self._segments(raw)
        if segments == ["Me"]:
            if self.me is None:
                raise Problem(501, "/Me is not set up: give SCIMServer.me a user id")
            # The token's subject is a user like any other: /Me is /Users/<that id>.
            segments = ["Users", self.me]
        answer = self._route_service(method, segments, record)
        if answer is not None:
            return answer
        resource_type = segments[0]
        if resource_type not in self.resource_types or len(segments) > 2:
            raise Problem(404, f"no endpoint {'/'.join(segments)!r}")
        with self.store.lock:
            if len(segments) == 1:
                return self._route_collection(method, resource_type, query, record)
            return self._route_resource(method, resource_type, segments[1], query, record)

    def _check_token(self, record: RecordedRequest) -> None:
        if self.token is not None:
            scheme, _, given = (record.headers.get("Authorization") or "").strip().partition(" ")
            # RFC 9110 §11.1: the scheme is case-insensitive. Constant-time token comparison.
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                raise Problem(401, "missing or wrong bearer token")

    def _segments(self, raw: str) -> list[str]:
        """The decoded path segments after `base_path`, at least one, a trailing "/" dropped."""
        base = urllib.parse.quote(self.base_path)
        if not (raw == base or raw.startswith(base + "/")):
            raise Problem(404, f"no endpoint at {urllib.parse.unquote(raw)}")
        segments = [urllib.parse.unquote(s) for s in raw[len(base) :].split("/")[1:]]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments = segments[:-1]
        if segments in ([""], []):
            raise Problem(404, "no endpoint at the base URL")
        return segments

    def _route_service(
        self, method: str, segments: list[str], record: RecordedRequest
    ) -> Answer | None:
        """The endpoints that are not a resource or a collection of them: the service
        provider's configuration, bulk, searches by POST and discovery. None for the rest."""
        endpoint = segments[0]
        if self.scim_version == "1.1" and method == "GET" and endpoint in _DISCOVERY_NAMES:
            return self._v1_discovery(segments)
        if endpoint == "ServiceProviderConfig" and len(segments) == 1 and method == "GET":
            return 200, self._service_provider_config(), {}
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
        return None

    def _route_collection(
        self,
        method: str,
        resource_type: str,
        query: dict[str, list[str]],
        record: RecordedRequest,
    ) -> Answer:
        """`/Users` and the like: list (GET) or create (POST)."""
        if method == "GET":
            return 200, self._list(resource_type, query), {}
        if method == "POST":
            stored = self._create(resource_type, self._json_body(record))
            return self._resource_answer(resource_type, stored, query, 201, location=True)
        raise Problem(405, f"{method} is not allowed on /{resource_type}")

    def _route_resource(
        self,
        method: str,
        resource_type: str,
        resource_id: str,
        query: dict[str, list[str]],
        record: RecordedRequest,
    ) -> Answer:
        """`/Users/{id}` and the like: read, replace, patch or delete, with ETag checks."""
        current = self.store.get(resource_type, resource_id)
        if current is None:
            raise Problem(404, f"{resource_type[:-1]} {resource_id} not found")
        etag = current["meta"]["version"]
        if_match = record.headers.get("If-Match")
        if method in ("PUT", "PATCH", "DELETE") and if_match and not _etag_matches(if_match, etag):
            # RFC 7644 §3.14: the client's copy is stale.
            raise Problem(412, f"the resource version is {etag}, not {if_match}")
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
        raise Problem(405, f"{method} is not allowed on /{resource_type}/{{id}}")

    def _json_body(self, record: RecordedRequest) -> JSON:
        try:
            data = json.loads(record.body)
        except ValueError as exc:
            raise Problem(400, f"the body is not JSON: {exc}", "invalidSyntax") from None
        if not isinstance(data, dict):
            raise Problem(400, "the body must be a JSON object", "invalidSyntax")
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
        """A copy of a stored resource as clients see it (see `_view`)."""
        return copy.deepcopy(self._view(resource_type, stored))

    def _view(self, resource_type: str, stored: JSON) -> JSON:
        """A stored resource as clients see it, sharing the stored values (never to be
        changed: `_render` copies it): a User's read-only `groups` computed and its
        `password` left out (RFC 7643 §4.1.1: returned "never")."""
        if resource_type != "Users":
            return stored
        view = _without(stored, "password")
        memberships = []
        # The membership index names every group that may hold this id; the check is exact.
        for group in self.store.lookup("Groups", "members", stored["id"]):
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
            view["groups"] = memberships
        return view

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
            raise Problem(exc.status, exc.detail, exc.scim_type) from None

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
            raise Problem(400, f"{name} must be an integer", "invalidValue") from None

    # -- list, search, paging -------------------------------------------------------------

    def _list(self, resource_type: str | None, query: dict[str, list[str]]) -> JSON:
        """A page of one resource type, or of every type (`resource_type=None`, root search).

        Unfiltered and unsorted, a page is sliced from the store in creation order and costs
        its own size; otherwise the matching resources are found (through an index when the
        filter allows), sorted once, and only the page returned is copied."""
        types = [resource_type] if resource_type is not None else list(self.resource_types)
        text = (query.get("filter") or [""])[-1]
        node = None
        if text:
            try:
                node = parse_filter(text)
                if self.strict and resource_type is not None:
                    check_filter(self.schema_set.table(resource_type), node)
            except FilterSyntaxError as exc:
                raise Problem(400, str(exc), "invalidFilter") from None
            except EngineError as exc:
                raise Problem(exc.status, exc.detail, exc.scim_type) from None
        sort_by = (query.get("sortBy") or [""])[-1]
        if node is None and not sort_by:
            total = sum(self.store.count(name) for name in types)
            return self._page(total, lambda start, count: self._slice(types, start, count), query)
        tagged = self._matching(types, node)
        if sort_by:
            tagged = self._sorted(tagged, sort_by, types[0], query)
        return self._page(len(tagged), lambda start, count: tagged[start : start + count], query)

    def _slice(self, types: list[str], start: int, count: int) -> list[tuple[str, JSON]]:
        """`count` resources from the 0-based `start` of all of `types` in turn, viewed."""
        page: list[tuple[str, JSON]] = []
        for name in types:
            size = self.store.count(name)
            if start >= size:
                start -= size
                continue
            for stored in self.store.page(name, start, count - len(page)):
                page.append((name, self._view(name, stored)))
            start = 0
            if len(page) >= count:
                break
        return page

    def _matching(self, types: list[str], node: Filter | None) -> list[tuple[str, JSON]]:
        """The viewed resources of `types` that match the filter `node`, each tagged with
        its resource type."""
        tagged: list[tuple[str, JSON]] = []
        for name in types:
            if node is None:
                tagged += [(name, self._view(name, stored)) for stored in self.store.all(name)]
                continue
            core = self._core_schema(name)
            try:
                if self.store.count(name):
                    # A filter that cannot apply is refused as a scan would refuse it, even
                    # when the indexes leave no resource to try it on.
                    matches({}, node, core_schema=core)
                for stored in self.store.candidates(name, node, core):
                    view = self._view(name, stored)
                    if matches(view, node, core_schema=core):
                        tagged.append((name, view))
            except EngineError as exc:
                raise Problem(exc.status, exc.detail, exc.scim_type) from None
        return tagged

    def _sorted(
        self,
        tagged: list[tuple[str, JSON]],
        sort_by: str,
        first_type: str,
        query: dict[str, list[str]],
    ) -> list[tuple[str, JSON]]:
        """`tagged` in `sortBy` / `sortOrder` order (RFC 7644 §3.4.2.3), compared by the
        schema of the first resource type searched."""
        descending = (query.get("sortOrder") or [""])[-1].lower() == "descending"
        order = {id(r): n for n, r in tagged}
        try:
            ordered = sort_resources(
                [r for _, r in tagged],
                sort_by,
                descending=descending,
                core_schema=self._core_schema(first_type),
            )
        except EngineError as exc:
            raise Problem(exc.status, exc.detail, exc.scim_type) from None
        return [(order[id(r)], r) for r in ordered]

    def _page(
        self,
        total: int,
        fetch: Callable[[int, int], list[tuple[str, JSON]]],
        query: dict[str, list[str]],
    ) -> JSON:
        """The ListResponse for the page `startIndex` / `count` or `cursor` pick, out of
        `total` resources; `fetch(start, count)` gives the viewed resources from 0-based
        `start`."""
        count = min(max(0, self._int(query, "count", self.max_results)), self.max_results)
        cursor = query.get("cursor")
        if cursor is not None:
            # RFC 9865: an opaque cursor (here, the offset encoded) instead of startIndex.
            start = _decode_cursor(cursor[-1]) if cursor[-1] else 1
        else:
            # RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0.
            start = max(1, self._int(query, "startIndex", 1))
        page = fetch(start - 1, count)
        resources = [self._copied(name, view, query) for name, view in page]
        schemas = [_schemas.LIST_RESPONSE] if self.scim_version == "2.0" else [_schemas.V1_CORE]
        answer: JSON = {
            "schemas": schemas,
            "totalResults": total,
            "itemsPerPage": len(resources),
        }
        if cursor is None:
            answer["startIndex"] = start
        elif start - 1 + len(page) < total and page:
            answer["nextCursor"] = _encode_cursor(start + len(page))
        answer["Resources"] = resources
        return answer

    def _copied(self, resource_type: str, view: JSON, query: dict[str, list[str]]) -> JSON:
        """A page's resource as answered: a projection (a new object) or a copy of `view`."""
        if self._names(query, "attributes") or self._names(query, "excludedAttributes"):
            return self._project(resource_type, view, query)
        return copy.deepcopy(view)

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

    # -- bulk -----------------------------------------------------------------------------

    def _bulk(self, record: RecordedRequest) -> JSON:
        """POST /Bulk (RFC 7644 §3.7): each operation handled as its own request, in order,
        `bulkId:` references replaced by the ids created earlier in the same request."""
        if len(record.body) > self.bulk_max_payload_size:
            raise Problem(
                413, f"the request is larger than maxPayloadSize ({self.bulk_max_payload_size})"
            )
        body = self._json_body(record)
        operations = _get(body, "Operations")
        if not isinstance(operations, list):
            raise Problem(400, "a BulkRequest needs Operations", "invalidSyntax")
        if len(operations) > self.bulk_max_operations:
            raise Problem(413, f"more operations than maxOperations ({self.bulk_max_operations})")
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
                Problem(400, "an operation must be an object", "invalidSyntax")
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
                raise Problem(400, "an operation needs a path", "invalidPath")
            data = _get(operation, "data")
            if _PREFIX in path or _PREFIX in json.dumps(data):
                # Resolving looks for every id created so far: only worth it with a reference.
                path, data = resolve_bulk_ids(path, created), resolve_bulk_ids(data, created)
            unresolved = unresolved_bulk_id(path) or unresolved_bulk_id(data)
            if unresolved:
                raise Problem(409, f"bulkId {unresolved!r} was not created", "invalidValue")
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
        except Problem as problem:
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

    # -- resources ------------------------------------------------------------------------

    def _validate(
        self,
        resource_type: str,
        data: JSON,
        resource_id: str | None,
        *,
        before: JSON | None = None,
        patching: bool = False,
    ) -> JSON:
        """The resource to store for a POST, a PUT (`before`: the stored one) or the result of
        a PATCH (`patching`, `before`: the resource it started from); a refusal raises."""
        if self.strict:
            try:
                table = self.schema_set.table(resource_type)
                data = check_resource(table, data, current=before, patching=patching)
            except EngineError as exc:
                raise Problem(exc.status, exc.detail, exc.scim_type) from None
        data = _without(data, "id", "meta", *(("groups",) if resource_type == "Users" else ()))
        if resource_type == "Users":
            user_name = _get(data, "userName")
            if not isinstance(user_name, str) or not user_name.strip():
                raise Problem(400, "userName is required", "invalidValue")
            for other in self.store.lookup("Users", "username", user_name):
                other_name = _get(other, "userName")
                if (
                    other["id"] != resource_id
                    and isinstance(other_name, str)
                    and other_name.lower() == user_name.lower()
                ):
                    raise Problem(409, f"userName {user_name!r} is already taken", "uniqueness")
        elif resource_type == "Groups":
            display = _get(data, "displayName")
            if not isinstance(display, str) or not display.strip():
                raise Problem(400, "displayName is required", "invalidValue")
            members = _get(data, "members")
            if members is not None and not isinstance(members, list):
                raise Problem(400, "members must be a list", "invalidValue")
            for member in members or []:
                if not isinstance(member, dict) or not isinstance(_get(member, "value"), str):
                    raise Problem(400, "each member needs a value", "invalidValue")
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

    def _replace(
        self, resource_type: str, resource_id: str, data: JSON, *, patched: JSON | None = None
    ) -> JSON:
        """PUT, or the result of a PATCH of the resource `patched`."""
        before = patched if patched is not None else self.store.get(resource_type, resource_id)
        clean = self._validate(
            resource_type, data, resource_id, before=before, patching=patched is not None
        )
        return self.store.put(resource_type, clean, location=self.url, resource_id=resource_id)

    def _patch(self, resource_type: str, resource_id: str, current: JSON, body: JSON) -> JSON:
        core = self._core_schema(resource_type)
        base = _without(copy.deepcopy(current), "groups")
        try:
            if self.strict:
                check_patch_dialect(self.scim_version, body)
            if self.scim_version == "1.1":
                if self.strict:
                    check_v1_removals(self.schema_set.table(resource_type), body)
                updated = self._merge_v1(base, body)
            else:
                schemas = _get(body, "schemas")
                if isinstance(schemas, list) and _schemas.PATCH_OP not in schemas:
                    raise Problem(400, "a PATCH body must be a PatchOp message", "invalidSyntax")
                operations = _get(body, "Operations")
                if self.strict:
                    check_patch_operations(self.schema_set.table(resource_type), operations, base)
                updated = apply_patch(base, operations, core_schema=core)
        except EngineError as exc:
            raise Problem(exc.status, exc.detail, exc.scim_type) from None
        return self._replace(resource_type, resource_id, updated, patched=base)

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
        for group in self.store.lookup("Groups", "members", resource_id):
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

    # -- discovery ------------------------------------------------------------------------

    def _discovery(self, endpoint: str, name: str | None) -> JSON:
        """`/ResourceTypes` and `/Schemas` (RFC 7644 §4), as a list or one by id."""
        if endpoint == "ResourceTypes":
            items = resource_type_documents(self.url, self.resource_types, self.schema_set)
        else:
            items = schema_documents(self.url, self.schema_set)
        if name is not None:
            found = [item for item in items if item["id"] == name]
            if not found:
                raise Problem(404, f"no {endpoint[:-1]} {name!r}")
            return found[0]
        return {
            "schemas": [_schemas.LIST_RESPONSE],
            "totalResults": len(items),
            "itemsPerPage": len(items),
            "startIndex": 1,
            "Resources": items,
        }

    def _v1_discovery(self, segments: list[str]) -> Answer:
        """SCIM 1.1 discovery where Slack's v1 API serves it: `/ServiceProviderConfigs` and
        one schema per resource at `/Schemas/Users`, `/Schemas/Groups`. The SCIM 2.0 names
        (`/ServiceProviderConfig`, `/ResourceTypes`, the `/Schemas` list) are not there, as
        on Slack, so a script that passes here asks for what Slack serves."""
        endpoint = segments[0]
        if endpoint == "ServiceProviderConfigs" and len(segments) == 1:
            config = self._service_provider_config()
            config["schemas"] = [_schemas.V1_CORE]
            return 200, config, {}
        if endpoint == "Schemas" and len(segments) == 2 and segments[1] in self.resource_types:
            name = segments[1][:-1]
            wanted = self.resource_types[segments[1]]
            for document in schema_documents(self.url, self.schema_set):
                if document["id"] == wanted:
                    # SCIM 1.1 (core schema §7) names a schema `<core URN>:<name>` and says
                    # which core schema and endpoint it belongs to.
                    v1 = {**document, "id": f"{_schemas.V1_CORE}:{name}"}
                    v1.update(schema=_schemas.V1_CORE, endpoint=f"/{segments[1]}")
                    v1.pop("schemas", None)
                    return 200, v1, {}
        raise Problem(
            404,
            f"SCIM 1.1 serves no /{'/'.join(segments)}: its discovery is at "
            "/ServiceProviderConfigs, /Schemas/Users and /Schemas/Groups",
        )

    def _service_provider_config(self) -> JSON:
        return service_provider_config(
            url=self.url,
            max_results=self.max_results,
            bulk_max_operations=self.bulk_max_operations,
            bulk_max_payload_size=self.bulk_max_payload_size,
            default_pagination=self.default_pagination,
        )

"""Building requests: method, URL, headers and JSON body. Pure: no sockets here.

Everything that decides *what* is sent lives in this module so that it can be tested as data
in, data out; a transport (`scimkit.transports`) only moves the bytes.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Union

from . import _args, _schemas
from ._lazy_re import LazyPattern
from ._version import __version__
from ._wire import SENSITIVE_HEADERS, Headers, HttpRequest
from .models import PatchOp, PatchOperation, Resource, SCIMModel, User
from .models._base import copy_json

__all__ = [
    "Dialect",
    "Me",
    "RequestTemplate",
    "Root",
    "check_profile",
    "encode_id",
    "join_url",
    "json_body",
    "patch_body",
    "precondition",
    "query_params",
    "query_value",
    "reconcile_hint",
    "resource_body",
    "resource_class",
    "resource_class_of",
    "resource_path",
    "user_agent",
    "validate_base_url",
    "validate_path",
]

Token = Union[str, Callable[[], str], None]
JSON = dict[str, Any]
PatchInput = Union[SCIMModel, JSON, Sequence[Union[PatchOperation, JSON]]]

_SORT_ORDERS = ("ascending", "descending")


class Dialect:
    """What differs between SCIM 2.0 (RFC 7644) and SCIM 1.1 (Slack's v1 API) on the wire."""

    __slots__ = ("accept", "content_type", "version")

    def __init__(self, version: str) -> None:
        if version not in ("2.0", "1.1"):
            raise ValueError(f"scim_version must be '2.0' or '1.1', not {version!r}")
        self.version = version
        if version == "2.0":
            # RFC 7644 §3.1: SCIM's media type, JSON accepted from servers that send plain JSON.
            self.content_type = "application/scim+json"
            self.accept = "application/scim+json, application/json"
        else:
            self.content_type = "application/json"
            self.accept = "application/json"

    @property
    def is_v1(self) -> bool:
        return self.version == "1.1"

    def core_schema(self, resource_class: type[Resource]) -> str:
        return resource_class.v1_schema if self.is_v1 else resource_class.schema

    @property
    def service_provider_config_path(self) -> str:
        """RFC 7644 §4 names it in the singular; SCIM 1.1 (and Slack's v1 API) in the plural."""
        return "/ServiceProviderConfigs" if self.is_v1 else "/ServiceProviderConfig"


def validate_base_url(base_url: object) -> str:
    """The base URL without its trailing slash; only http and https are ever opened."""
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
    parts = urllib.parse.urlsplit(base_url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(
            f"base_url must be an http:// or https:// URL, got scheme {parts.scheme!r}"
        )
    if not parts.hostname:
        raise ValueError("base_url has no host name")
    if parts.username is not None or parts.password is not None:
        # Never echo the URL: it holds a credential.
        raise ValueError(
            "base_url must not contain credentials (user:password@); pass token= or "
            "default_headers={'Authorization': ...} instead"
        )
    if parts.query or parts.fragment:
        raise ValueError("base_url must not have a query string or fragment")
    _no_line_breaks("base_url", base_url)
    return urllib.parse.urlunsplit(parts).rstrip("/")


def _no_line_breaks(name: str, value: str) -> None:
    """Refuse CR, LF and NUL in a value that ends up percent-encoded in the URL (a cursor) or
    is the URL itself: harmless once encoded, but no server issues them; a bug or an attack."""
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"{name} must not contain CR, LF or NUL characters")


# RFC 3986 §3.3 / §3.4: a path of pchars (unreserved, %XX, sub-delims, ":" and "@") and "/",
# optionally a query. A space, `"`, `<`, `{`, `#`, a bare `%` or non-ASCII text is not a URL.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_URL_PATH = LazyPattern(rf"(?:{_PCHAR}|/)*(?:\?(?:{_PCHAR}|[/?])*)?")
_ENDPOINT = LazyPattern(rf"(?:{_PCHAR}|/)+")


def _first_bad_character(path: str) -> int:
    """Where `path` stops being a URL path (only on the way to an error)."""
    index = 0
    while index < len(path):
        if path[index] == "%":
            if _HEX2.fullmatch(path, index + 1, index + 3) is None:
                return index
            index += 3
        elif _URL_PATH.fullmatch(path[index]) is None:
            return index
        else:
            index += 1
    return 0


_HEX2 = LazyPattern(r"[0-9A-Fa-f]{2}")


def validate_path(path: str, *, argument: str = "path") -> None:
    """A path as the caller wrote it (`api_call`): refused, not percent-encoded, when it holds
    what a URL path cannot.

    Encoding would have to guess: whether `%2F` is already an escape or a literal, whether `?`
    starts a query, whether `/` is inside an id. A wrong guess reaches another resource, so
    the caller encodes (`urllib.parse.quote(id, safe="")`) and says exactly what is meant.
    """
    if _URL_PATH.fullmatch(path) is None:
        bad = _first_bad_character(path)
        raise ValueError(
            f"{argument} holds {path[bad]!r} at position {bad}, which a URL path cannot carry "
            "(RFC 3986 §3.3): percent-encode it, e.g. with urllib.parse.quote(..., safe='')"
        )


# RFC 3986 §2.3: characters a path segment carries as they are.
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")


def encode_id(resource_id: object, *, argument: str = "id") -> str:
    """A resource id as one path segment: nothing left unescaped, `.`/`..` made inert.

    RFC 7644 §3.4.1 puts the id in the path; an id containing `/`, `?`, `#` or `..` must
    not reach another endpoint.
    """
    if not isinstance(resource_id, str):
        raise TypeError(f"{argument} must be a str, not {type(resource_id).__name__}")
    if not resource_id:
        raise ValueError(f"{argument} must not be empty")
    if _UNRESERVED.fullmatch(resource_id) and resource_id not in (".", ".."):
        return resource_id  # what quote() would return, at a fraction of its cost
    if any(c in resource_id for c in "\r\n\0"):
        # Encoded it would be harmless, but no server issues such an id: this is an attack
        # or a bug (a line read with its newline), refused before anything is sent.
        raise ValueError(f"{argument} must not contain CR, LF or NUL: {resource_id!r}")
    segment = urllib.parse.quote(resource_id, safe="")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return segment


def join_url(base_url: str, path: str, query: Mapping[str, str] | None = None) -> str:
    """`base_url` + `path` (which starts with `/`) + an encoded query string."""
    if not path.startswith("/"):
        path = "/" + path
    url = base_url + path
    if query:
        url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    return url


_ATTRIBUTE_NAME = LazyPattern(r"^[A-Za-z$][A-Za-z0-9_$:.\-]*$")


def _attribute_list(name: str, value: object) -> str | None:
    """`attributes` / `excludedAttributes`: names (optionally URN-qualified), comma-joined."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, (list, tuple)) and all(isinstance(i, str) for i in value):
        items = [item.strip() for item in value]
    else:
        raise TypeError(f"{name} must be a str or a list of str")
    for item in items:
        if not _ATTRIBUTE_NAME.match(item):
            raise ValueError(f"{name} has an invalid attribute name: {item!r}")
    return ",".join(items)


def _positive_int(name: str, value: object, *, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def query_params(
    *,
    filter: object = None,
    start_index: object = None,
    count: object = None,
    attributes: object = None,
    excluded_attributes: object = None,
    sort_by: object = None,
    sort_order: object = None,
    cursor: object = None,
) -> dict[str, str]:
    """The query string of a search or read (RFC 7644 §3.4.2), validated."""
    params: dict[str, str] = {}
    if cursor is not None:
        # RFC 9865: an empty cursor asks for the first page of a cursor-paged result.
        if not isinstance(cursor, str):
            raise TypeError(f"cursor must be a str, not {type(cursor).__name__}")
        _no_line_breaks("cursor", cursor)
        params["cursor"] = cursor
    if filter is not None:
        if not isinstance(filter, str):
            # A built filter (scimkit.filters) serialises itself.
            text = str(filter)
            if type(filter).__str__ is object.__str__:
                raise TypeError(f"filter must be a str or a filter, not {type(filter).__name__}")
        else:
            text = filter
        if not text.strip():
            raise ValueError("filter must not be empty")
        params["filter"] = text
    # Each check only for what was given: a read by id, the hottest call, gives nothing.
    if start_index is not None:
        params["startIndex"] = str(_positive_int("start_index", start_index, minimum=1))
    if count is not None:
        params["count"] = str(_positive_int("count", count, minimum=0))
    if attributes is not None:
        names = _attribute_list("attributes", attributes)
        if names:
            params["attributes"] = names
    if excluded_attributes is not None:
        excluded = _attribute_list("excluded_attributes", excluded_attributes)
        if excluded:
            params["excludedAttributes"] = excluded
    if sort_by is not None:
        if not isinstance(sort_by, str) or not sort_by:
            raise TypeError("sort_by must be a non-empty str")
        params["sortBy"] = sort_by
    if sort_order is not None:
        if sort_order not in _SORT_ORDERS:
            raise ValueError(f"sort_order must be 'ascending' or 'descending', not {sort_order!r}")
        params["sortOrder"] = str(sort_order)
    return params


def user_agent(prefix: str | None = None, suffix: str | None = None) -> str:
    """`scimkit/<version> Python/<x.y.z> <system>/<release>`, with the caller's additions."""
    python = ".".join(str(n) for n in sys.version_info[:3])
    name, release = _system_and_release()
    system = f"{name or 'unknown'}/{release or 'unknown'}"
    parts = [p for p in (prefix, f"scimkit/{__version__} Python/{python} {system}", suffix) if p]
    return " ".join(parts)


def _system_and_release() -> tuple[str, str]:
    """`platform.system()` and `platform.release()`: on Linux, macOS and the BSDs they are
    `os.uname()`'s, read here without importing `platform` (milliseconds of every start-up)."""
    if hasattr(os, "uname") and sys.platform not in ("android", "ios"):
        uname = os.uname()
        return uname.sysname, uname.release
    import platform  # Windows, Android, iOS: platform names them otherwise

    return platform.system(), platform.release()


def base_headers(
    *,
    dialect: Dialect,
    user_agent: str,
    default_headers: Mapping[str, str] | None,
) -> Headers:
    """The headers every request starts from (the token is added per call)."""
    headers = Headers({"Accept": dialect.accept, "User-Agent": user_agent})
    if default_headers is not None and not isinstance(default_headers, Mapping):
        raise TypeError("default_headers must be a dict of str to str")
    for name, value in (default_headers or {}).items():
        headers[name] = checked_header("default_headers", name, value)
    return headers


def checked_header(argument: str, name: object, value: object) -> str:
    """One header of `default_headers` or a call's `headers`: an RFC 9110 token as its name,
    field-value characters as its value; credentials are never shown in the message."""
    _args.header_name(argument, name)
    assert isinstance(name, str)
    secret = name.lower() in SENSITIVE_HEADERS
    return _args.header_text(f"{argument}[{name!r}]", value, secret=secret)


def authorization(token: Token) -> str | None:
    """`Bearer <token>` for a token or a callable that returns the current one."""
    if token is None:
        return None
    value = token() if callable(token) else token
    if not isinstance(value, str) or not value:
        raise ValueError("the token callable must return a non-empty str")
    # Asked once per call, so checked once per call, before anything is sent.
    _args.header_text("token (the token callable's value)", value, secret=True)
    return f"Bearer {value}"


def json_body(data: JSON) -> bytes:
    """Compact UTF-8 JSON, as servers expect it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        where = _unencodable(data, "")
        raise ValueError(
            f"the request body holds text that is not valid Unicode (a lone surrogate) "
            f"at {where or 'the top level'}: it cannot be sent as UTF-8"
        ) from None


def _unencodable(value: object, path: str) -> str | None:
    """The JSON path of the first key or string that UTF-8 cannot encode."""
    if isinstance(value, str):
        return None if _encodes(value) else path or repr(value)
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not _encodes(key):
                return f"the key {here!r}"
            found = _unencodable(item, here)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _unencodable(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_json(value: object, argument: str) -> JSON:
    if isinstance(value, SCIMModel):
        return value.to_dict()
    if isinstance(value, Mapping):
        # Never mutate what the caller passed in.
        return dict(copy_json(dict(value)))
    kind = type(value)
    if callable(getattr(value, "to_dict", None)):
        # Another library's model (slack_sdk.scim.User): say how to bring it over rather than
        # calling a method of a type we do not know.
        raise TypeError(
            f"{argument} must be a scimkit model or a dict, not {kind.__module__}.{kind.__name__}:"
            f" pass {argument}.to_dict(), or a model built from it, such as"
            f" scimkit.User.from_dict({argument}.to_dict())"
        )
    raise TypeError(f"{argument} must be a model or a dict, not {kind.__name__}")


def _has_key(data: Mapping[str, Any], name: str) -> bool:
    lower = name.lower()
    return any(key.lower() == lower for key in data)


def _drop_keys(data: JSON, names: Sequence[str]) -> JSON:
    lowered = {name.lower() for name in names}
    return {key: value for key, value in data.items() if key.lower() not in lowered}


def _with_schemas(data: JSON, core: str, dialect: Dialect) -> JSON:
    """Fill `schemas` in, and list every extension present (RFC 7643 §3)."""
    if dialect.is_v1 and _schemas.ENTERPRISE_USER in data:
        # SCIM 1.1 names the enterprise extension differently.
        data[_schemas.V1_ENTERPRISE_USER] = data.pop(_schemas.ENTERPRISE_USER)
    extensions = [
        key for key, v in data.items() if key.lower().startswith("urn:") and isinstance(v, dict)
    ]
    current = data.get("schemas")
    if isinstance(current, list):
        schemas = list(current)
    else:
        # A resource type known only by its endpoint has no core schema to assume.
        schemas = [core] if core else []
    known = {s.lower() for s in schemas if isinstance(s, str)}
    schemas.extend(urn for urn in extensions if urn.lower() not in known)
    if not schemas:
        return dict(data)
    body = {"schemas": schemas}
    body.update((k, v) for k, v in data.items() if k != "schemas")
    return body


def resource_body(
    resource: object,
    resource_class: type[Resource],
    dialect: Dialect,
    *,
    argument: str,
    for_create: bool,
) -> JSON:
    """The JSON body of a create (POST) or replace (PUT).

    RFC 7643 §2.2: read-only attributes (`id`, `meta`, a User's `groups`) are never sent;
    a create without its required attributes fails here, before anything reaches the server.
    """
    data = _as_json(resource, argument)
    if for_create:
        missing = [name for name in resource_class.required_attributes if not _has_key(data, name)]
        if missing:
            raise ValueError(f"{argument} needs {', '.join(missing)} to be created")
    data = _drop_keys(data, resource_class.read_only_attributes)
    return _with_schemas(data, dialect.core_schema(resource_class), dialect)


def resource_id(resource: object, argument: str) -> str:
    """The `id` of a model or dict to replace."""
    if isinstance(resource, Resource):
        value: Any = resource.id
    elif isinstance(resource, Mapping):
        value = next((v for k, v in resource.items() if str(k).lower() == "id"), None)
    else:
        raise TypeError(f"{argument} must be a model or a dict, not {type(resource).__name__}")
    if not value:
        raise ValueError(f"{argument} has no id: read it from the server before replacing it")
    return encode_id(value, argument=f"{argument}.id")


def _operations_from_partial(data: JSON) -> list[JSON]:
    """SCIM 2.0: a partial resource as `replace` operations, one per attribute it sets.

    An attribute set to `None` becomes a `remove` (RFC 7643 §2.5: null means unassigned);
    extension attributes are addressed by their URN-qualified path (RFC 7644 §3.5.2).
    """
    operations: list[JSON] = []
    for key, value in data.items():
        if key.lower() in ("schemas", "id", "meta"):
            continue
        if key.lower().startswith("urn:") and isinstance(value, dict):
            for sub, sub_value in value.items():
                operations.append(_replace_or_remove(f"{key}:{sub}", sub_value))
            continue
        operations.append(_replace_or_remove(key, value))
    return operations


def _replace_or_remove(path: str, value: Any) -> JSON:
    if value is None:
        return {"op": "remove", "path": path}
    return {"op": "replace", "path": path, "value": value}


def _check_operation(op: object, where: str) -> None:
    """RFC 7644 §3.5.2: the shape of one PATCH operation, checked before it is sent."""
    if not isinstance(op, dict):
        raise ValueError(f"{where}: an operation must be an object")
    kind = str(op.get("op", "")).lower()
    if kind not in ("add", "remove", "replace"):
        raise ValueError(f"{where}: op must be add, remove or replace, not {op.get('op')!r}")
    path = op.get("path")
    if kind == "remove" and not path:
        # Without a path, a server may take it as "remove everything it may".
        raise ValueError(f"{where}: remove needs a path (RFC 7644 §3.5.2.2)")
    if kind in ("add", "replace") and op.get("value") is None:
        # RFC 7644 §3.5.2.1 / §3.5.2.3: add and replace carry the value they set; a null
        # one is an unassignment, which is a remove.
        raise ValueError(f"{where}: {kind} needs a value (RFC 7644 §3.5.2.1, §3.5.2.3)")
    if path is not None:
        if not isinstance(path, str):
            raise ValueError(f"{where}: path must be a str")
        from .filters import FilterSyntaxError, parse_path

        try:
            parse_path(path)
        except FilterSyntaxError as exc:
            raise ValueError(f"{where}: invalid path: {exc}") from None


def patch_body(
    patch: object, resource_class: type[Resource], dialect: Dialect, *, argument: str
) -> JSON:
    """The body of a PATCH.

    SCIM 2.0 sends a `PatchOp` (RFC 7644 §3.5.2): given as a `PatchOp`, a list of
    operations, a dict with `Operations`, or a partial resource turned into `replace`
    operations. SCIM 1.1 (Slack) sends the partial resource itself.
    """
    operations: list[Any] | None = None
    if isinstance(patch, PatchOp):
        if dialect.is_v1:
            raise ValueError(f"{argument}: SCIM 1.1 PATCH takes a partial resource, not a PatchOp")
        message = patch.to_dict()
        # The model takes any operation (it also reads what servers send): the shape is
        # checked here, at send time, for every way a PatchOp can be given.
        _check_operations(message.get("Operations"), f"{argument}.operations")
        return message
    if isinstance(patch, (list, tuple)):
        operations = [op.to_dict() if isinstance(op, SCIMModel) else dict(op) for op in patch]
    else:
        data = _as_json(patch, argument)
        ops_key = next((k for k in data if k.lower() == "operations"), None)
        if ops_key is not None:
            if dialect.is_v1:
                raise ValueError(f"{argument}: SCIM 1.1 PATCH takes a partial resource")
            _check_operations(data[ops_key], f"{argument}[{ops_key!r}]")
            if "schemas" not in data:
                data = {"schemas": [_schemas.PATCH_OP], **data}
            return data
        if dialect.is_v1:
            data = _drop_keys(data, resource_class.read_only_attributes)
            return _with_schemas(data, dialect.core_schema(resource_class), dialect)
        operations = _operations_from_partial(data)
    if dialect.is_v1:
        raise ValueError(f"{argument}: SCIM 1.1 PATCH takes a partial resource")
    _check_operations(operations, argument)
    return {"schemas": [_schemas.PATCH_OP], "Operations": operations}


def _check_operations(operations: object, argument: str) -> None:
    """RFC 7644 §3.5.2: `Operations` is a non-empty array of well-formed operations."""
    if not isinstance(operations, (list, tuple)) or not operations:
        raise ValueError(f"{argument} has nothing to change: no operations")
    for number, op in enumerate(operations):
        _check_operation(op, f"{argument}[{number}]")


def search_request(query: Mapping[str, str]) -> JSON:
    """A `SearchRequest` body (RFC 7644 §3.4.3) from validated query parameters."""
    body: JSON = {"schemas": [_schemas.SEARCH_REQUEST]}
    for name, value in query.items():
        if name in ("attributes", "excludedAttributes"):
            body[name] = value.split(",")
        elif name in ("startIndex", "count"):
            body[name] = int(value)
        else:
            body[name] = value
    return body


SERVER_PROFILES = ("entra",)


def check_profile(profile: object) -> str | None:
    """The `server_profile` argument: one of `SERVER_PROFILES`, or None."""
    if profile is not None and profile not in SERVER_PROFILES:
        raise ValueError(
            f"server_profile must be one of {SERVER_PROFILES} or None, not {profile!r}"
        )
    return profile


def apply_profile(body: JSON, profile: str | None) -> JSON:
    """Rewrite a PatchOp for a server that departs from RFC 7644 in a known way.

    `"entra"`: Microsoft Entra ID removes group members by value, not by a filtered path:
    `{"op": "remove", "path": "members[value eq \"id\"]"}` is sent as
    `{"op": "remove", "path": "members", "value": [{"value": "id"}]}`.
    """
    if profile != "entra":
        return body
    from .filters import Comparison, FilterSyntaxError, parse_path

    operations = []
    for operation in body.get("Operations", []):
        path = operation.get("path") if isinstance(operation, dict) else None
        if isinstance(path, str) and str(operation.get("op", "")).lower() == "remove":
            try:
                parsed = parse_path(path)
            except FilterSyntaxError:
                parsed = None
            target = parsed.value_filter if parsed is not None else None
            if (
                parsed is not None
                and parsed.sub_attr is None
                and isinstance(target, Comparison)
                and target.op == "eq"
                and target.path.attr.lower() == "value"
                and target.path.sub_attr is None
            ):
                operation = {
                    "op": "remove",
                    "path": parsed.path.attr,
                    "value": [{"value": target.value}],
                }
        operations.append(operation)
    return {**body, "Operations": operations}


# -- the headers of every request ---------------------------------------------------------


class RequestTemplate:
    """What every request of one client carries: `Accept`, `User-Agent`, the caller's default
    headers, and `Authorization`, the one place the bearer token becomes a header.

    `build()` makes the `HttpRequest` of one call: method, URL, headers and JSON body.
    """

    __slots__ = ("_base_headers", "_static_authorization", "_token", "base_url", "dialect")

    def __init__(
        self,
        *,
        base_url: str,
        dialect: Dialect,
        user_agent: str,
        default_headers: Mapping[str, str] | None,
        token: Token,
    ) -> None:
        self.base_url = base_url
        self.dialect = dialect
        self._token = token
        if isinstance(token, str):
            _args.header_text("token", token, secret=True)
        # A fixed token is formatted once; a callable is asked once per call.
        self._static_authorization = f"Bearer {token}" if isinstance(token, str) else None
        self._base_headers = base_headers(
            dialect=dialect, user_agent=user_agent, default_headers=default_headers
        )

    def build(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None = None,
        body: JSON | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpRequest:
        """The request of one call; `headers` (one call's extras) are checked here."""
        url = join_url(self.base_url, path, query)
        request_headers = self._base_headers.copy()
        token = self._static_authorization
        if token is None and self._token is not None:
            token = authorization(self._token)  # a callable: asked once per call
        if token:
            request_headers["Authorization"] = token
        data = None
        if body is not None:
            data = json_body(body)
            request_headers["Content-Type"] = self.dialect.content_type
        if headers:
            if not isinstance(headers, Mapping):
                raise TypeError("headers must be a dict of str to str")
            for name, value in headers.items():
                request_headers[name] = checked_header("headers", name, value)
        return HttpRequest(
            method=method, url=url, headers=request_headers, body=data, body_params=body
        )


def query_value(value: Any) -> str:
    """A value of `api_call`'s `query_params` as it goes in the query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def precondition(name: str, etag: str | None) -> dict[str, str] | None:
    """An `If-Match` / `If-None-Match` header from an ETag (RFC 7644 §3.14)."""
    if etag is None:
        return None
    argument = "if_match" if name == "If-Match" else "if_none_match"
    if not isinstance(etag, str) or not etag:
        raise ValueError(f"{argument} must be a non-empty ETag string, not {etag!r}")
    _args.header_text(argument, etag)
    return {name: etag}


def reconcile_hint(body: Mapping[str, Any]) -> str | None:
    """A filter that finds what a create of `body` may have made (its unique attributes)."""
    from .filters import F, serialize

    for name in ("userName", "externalId", "displayName"):
        value = body.get(name)
        if isinstance(value, str) and value:
            return f"filter={serialize(F.eq(name, value))!r}"
    return None


# -- which endpoint: resource types given as classes or as paths -------------------------


class Me(User):
    """`/Me`: the user the token belongs to (RFC 7644 §3.11)."""

    __slots__ = ()
    endpoint = "/Me"


class Root(Resource):
    """The server root, for `POST /.search` across resource types."""

    __slots__ = ()
    endpoint = ""


_ENDPOINT_CLASSES: dict[str, type[Resource]] = {}


def resource_path(resource_class: type[Resource], id: str) -> str:
    """`<endpoint>/<id>`; `/Me` has no id."""
    if resource_class is Me:
        return "/Me"
    return f"{resource_class.endpoint}/{encode_id(id)}"


def resource_class(resource_type: object) -> type[Any]:
    """The model class for a resource type given as a class or as an endpoint (`"/Devices"`)."""
    if isinstance(resource_type, type) and issubclass(resource_type, Resource):
        if not resource_type.endpoint:
            raise ValueError(f'{resource_type.__name__} has no endpoint; set `endpoint = "/..."`')
        return resource_type
    if isinstance(resource_type, str):
        endpoint = "/" + resource_type.strip("/")
        # RFC 3986 §3.3: the endpoint becomes a URL path as it is; a character a path
        # cannot carry would fail as a network error with the outcome unknown.
        if endpoint == "/" or _ENDPOINT.fullmatch(endpoint) is None:
            raise ValueError(f"resource_type {resource_type!r} is not an endpoint like '/Devices'")
        cls = _ENDPOINT_CLASSES.get(endpoint)
        if cls is None:
            # A plain resource: JSON in, JSON out, no schema assumed.
            name = endpoint.strip("/").replace("/", "_") or "Resource"
            cls = type(name, (Resource,), {"endpoint": endpoint, "__slots__": ()})
            _ENDPOINT_CLASSES[endpoint] = cls
        return cls
    raise TypeError(
        f"resource_type must be a Resource subclass or an endpoint str, not {resource_type!r}"
    )


def resource_class_of(resource: object, endpoint: str | None, argument: str) -> type[Any]:
    """The model class of a resource to write: `endpoint` if given, else the model's own."""
    if endpoint is not None:
        return resource_class(endpoint)
    if isinstance(resource, Resource):
        return resource_class(type(resource))
    raise TypeError(
        f"{argument} is a {type(resource).__name__}: pass endpoint= to say where it goes"
    )

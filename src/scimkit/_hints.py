"""Attribute names the schemas define, and the closest one to a name they do not.

Two uses, both off the hot path (this module is imported only when one of them happens):

- **hints**: a server answers 400 (`invalidFilter`, `invalidPath`, `invalidValue`,
  `invalidSyntax`, or no `scimType` and a detail about an attribute) to a request that names
  an attribute the schemas do not define; `request_hints` says which one and, like CPython's
  `NameError`, the closest name they do: "unknown attribute 'usrName' in filter — did you
  mean 'userName'?";
- **validation** (`SCIMClient(validate=...)`, on in strict mode): the same check on a call's
  `filter`, `attributes`, `excluded_attributes`, `sort_by` and PATCH paths, as a `ValueError`
  before anything is sent.

The schemas are those `discover()` read (a `Discovery`), a list of schemas given, or RFC 7643's
core User, Group and enterprise User (`scimkit._rfc7643`). Names are compared case-insensitively
(RFC 7643 §2.1); `urn:…:User:name.givenName` and the enterprise extension's
`urn:…:enterprise:2.0:User:manager.value` resolve against their schema, a name inside a value
filter (`emails[type eq "work"]`) against the sub-attributes of its attribute. A schema whose
attribute declares no sub-attributes takes any: only what a schema says is checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Union

from . import _schemas
from .filters import (
    And,
    AttrPath,
    Comparison,
    FilterSyntaxError,
    Not,
    Or,
    Present,
    ValuePath,
    parse_filter,
    parse_path,
)

__all__ = ["SchemaNames", "Unknown", "query_problems", "request_hints", "schema_names"]

# attribute name (lower case) -> (the name as the schema spells it, its sub-attributes by lower
# case name, or None when the schema declares none and any is taken)
Attributes = dict[str, tuple[str, Union[dict[str, str], None]]]

# RFC 7643 §3.1: every resource has these, and no schema lists them. `attributes` is SCIM 1.1's
# `meta.attributes`, the names a PATCH removes.
_META = ("resourceType", "created", "lastModified", "location", "version", "attributes")
_COMMON: Attributes = {
    "id": ("id", None),
    "externalid": ("externalId", None),
    "schemas": ("schemas", None),
    "meta": ("meta", {name.lower(): name for name in _META}),
}

# The scimTypes of RFC 7644 §3.12 a misspelt name earns (scim2-server answers an unknown
# body attribute with `invalidSyntax`, "did not conform to the request schema").
_NAME_ERRORS = frozenset({"invalidfilter", "invalidpath", "invalidvalue", "invalidsyntax"})
# Without a scimType, a detail with one of these words is about a name.
_NAME_WORDS = ("attribute", "path", "field", "filter", "unknown")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-$")
_MAX_HINTS = 5
# The query parameters that hold names, with the argument of scimkit's methods each comes from.
QUERY_ARGUMENTS = {
    "filter": "filter",
    "attributes": "attributes",
    "excludedAttributes": "excluded_attributes",
    "sortBy": "sort_by",
}


class Unknown:
    """A name the schemas do not define: an attribute, a sub-attribute (`of` its attribute)
    or a schema URN, and the closest defined name, if one is close."""

    __slots__ = ("kind", "name", "of", "suggestion")

    def __init__(self, kind: str, name: str, of: str | None, suggestion: str | None) -> None:
        self.kind = kind
        self.name = name
        self.of = of
        self.suggestion = suggestion

    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.name.lower(), (self.of or "").lower() or None)

    def describe(self, where: str, source: str) -> str:
        """The sentence: `unknown attribute 'usrName' in filter — did you mean 'userName'?`."""
        of = f" of {self.of!r}" if self.of else ""
        text = f"unknown {self.kind} {self.name!r}{of} in {where}"
        if self.suggestion:
            return f"{text} — did you mean {self.suggestion!r}?"
        return f"{text} (not in {source})"


def _closest(word: str, names: Mapping[str, str]) -> tuple[float, str | None]:
    """The name in `names` (lower case -> as spelt) closest to `word`, and how close (0-1)."""
    import difflib

    found = difflib.get_close_matches(word.lower(), list(names), n=1)
    if not found:
        return 0.0, None
    ratio = difflib.SequenceMatcher(None, word.lower(), found[0]).ratio()
    return ratio, names[found[0]]


def _attributes_of(items: object) -> Iterator[tuple[str | None, str, dict[str, str] | None]]:
    """(the schema an attribute says it belongs to, its name, its sub-attributes) for each
    attribute definition (RFC 7643 §7; SCIM 1.1 names the schema per attribute)."""
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        subs: dict[str, str] | None = None
        raw = item.get("subAttributes")
        if isinstance(raw, list) and raw:
            subs = {
                s["name"].lower(): s["name"]
                for s in raw
                if isinstance(s, Mapping) and isinstance(s.get("name"), str)
            } or None
        own = item.get("schema")
        yield (own if isinstance(own, str) else None), item["name"], subs


def _entries(schema: Mapping[str, Any]) -> dict[str, tuple[str, Attributes]]:
    """A schema document's attributes by the URN (lower case) that qualifies them."""
    urn = schema.get("id")
    if not isinstance(urn, str) or not urn:
        return {}
    out: dict[str, tuple[str, Attributes]] = {urn.lower(): (urn, {})}
    for own, name, subs in _attributes_of(schema.get("attributes")):
        # SCIM 1.1 lists the enterprise extension's attributes in the User schema, each with
        # its own `schema`; the core one names its URN without the `:User` suffix.
        home = urn if own is None or urn.lower().startswith(own.lower()) else own
        entry = out.setdefault(home.lower(), (home, {}))
        entry[1].setdefault(name.lower(), (name, subs))
    return out


class Scope:
    """The names a request to one endpoint may use: its resource type's schema and extensions
    unqualified, every known schema by URN."""

    __slots__ = ("source", "top", "urns")

    def __init__(self, source: str, in_scope: list[Mapping[str, Any]], known: list[Any]) -> None:
        self.source = source
        urns: dict[str, tuple[str, Attributes]] = {}
        for schema in known:
            for key, entry in _entries(schema).items():
                urns.setdefault(key, entry)
        top: Attributes = {}
        own: dict[str, tuple[str, Attributes]] = {}
        for schema in in_scope:
            own.update(_entries(schema))
        for _, attributes in own.values():
            for key, value in attributes.items():
                top.setdefault(key, value)
        for key, value in _COMMON.items():
            top.setdefault(key, value)
        urns.update(own)
        first = next(iter(own.values()), None)
        # SCIM 1.1 qualifies core names with the bare `urn:scim:schemas:core:1.0`.
        if first is not None:
            urns.setdefault(_schemas.V1_CORE.lower(), (_schemas.V1_CORE, first[1]))
        enterprise = urns.get(_schemas.ENTERPRISE_USER.lower())
        if enterprise is not None:
            urns.setdefault(_schemas.V1_ENTERPRISE_USER.lower(), enterprise)
        self.top = top
        self.urns = urns

    def check_path(self, text: str) -> Unknown | None:
        """Check an attribute path given as text: `attr`, `attr.sub`, `urn:…:attr.sub`, or a
        schema URN alone (as `attributes=` takes it). Text that is no path is left alone."""
        text = text.strip()
        if text.lower() in self.urns:
            return None
        uri: str | None = None
        rest = text
        if text[:4].lower() == "urn:":
            uri, _, rest = text.rpartition(":")
        attr, dot, sub = rest.partition(".")
        if not _is_name(attr) or (dot and not _is_name(sub)):
            return None
        return self.check(uri, attr, sub if dot else None)

    def check(self, uri: str | None, attr: str, sub: str | None) -> Unknown | None:
        """Check `[uri:]attr[.sub]`; the first part the schemas do not define is reported."""
        attributes = self.top
        if uri is not None:
            entry = self.urns.get(uri.lower())
            if entry is None and uri.lower() == _schemas.V1_ENTERPRISE_USER:
                return None  # SCIM 1.1 servers (Slack) take it without listing it in /Schemas
            if entry is None:
                return self._unknown_schema(uri, attr, sub)
            attributes = entry[1]
        prefix = f"{uri}:" if uri else ""
        suffix = f".{sub}" if sub is not None else ""
        found = attributes.get(attr.lower())
        if found is None:
            _, close = _closest(attr, {k: v[0] for k, v in attributes.items()})
            suggestion = prefix + close + suffix if close else None
            return Unknown("attribute", prefix + attr + suffix, None, suggestion)
        subs = found[1]
        if sub is None or subs is None or sub.lower() in subs:
            return None
        return Unknown("sub-attribute", sub, prefix + found[0], _closest(sub, subs)[1])

    def _unknown_schema(self, uri: str, attr: str, sub: str | None) -> Unknown:
        # `urn:…:2.0:Usr` may be a misspelt schema URN given alone, or `Usr` an attribute of
        # the schema `urn:…:2.0`: the reading closer to a known URN wins.
        names = {k: v[0] for k, v in self.urns.items()}
        ratio, close = _closest(uri, names)
        if sub is None:
            whole = f"{uri}:{attr}"
            whole_ratio, whole_close = _closest(whole, names)
            if whole_close is not None and whole_ratio >= ratio:
                return Unknown("schema", whole, None, whole_close)
        return Unknown("schema", uri, None, close)


def _is_name(text: str) -> bool:
    lower = text.lower()
    return lower == "$ref" or (lower[:1].isalpha() and set(lower) <= _NAME_CHARS)


class SchemaNames:
    """The attribute names of a set of schemas, and which of them each endpoint uses."""

    __slots__ = ("_cache", "_known", "_scopes", "source")

    def __init__(
        self,
        source: str,
        schemas: list[Mapping[str, Any]],
        scopes: dict[str, list[Mapping[str, Any]]] | None,
    ) -> None:
        #: Where the names come from, as a hint says it ("the server's schemas").
        self.source = source
        self._known = schemas
        # endpoint (first path segment, lower case) -> the schemas of its resource type; None:
        # every endpoint uses every schema.
        self._scopes = scopes
        self._cache: dict[str | None, Scope | None] = {}

    def scope(self, endpoint: str | None) -> Scope | None:
        """The names for requests to `endpoint` (`"Users"`, `"/Users/2819c223"`), or for any
        resource type when None; None when the endpoint's resource type is not known."""
        segment = endpoint.strip("/").split("/", 1)[0].lower() if endpoint else ""
        key = segment if segment not in ("", ".search") else None
        if key in self._cache:
            return self._cache[key]
        in_scope: list[Mapping[str, Any]] | None = self._known
        if key is not None and self._scopes is not None:
            in_scope = self._scopes.get(key)
        found = None if in_scope is None else Scope(self.source, in_scope, self._known)
        self._cache[key] = found
        return found


def schema_names(against: object) -> SchemaNames:
    """The names of `against`: `True` for RFC 7643's core schemas, a `Discovery` (what
    `discover()` read), or a list of schemas (`Schema` models or dicts)."""
    if against is True:
        return _core_names()
    if hasattr(against, "resource_types") and hasattr(against, "schemas"):
        return _discovered_names(against)
    if isinstance(against, Sequence) and not isinstance(against, (str, bytes)):
        schemas = [_as_dict(item, "validate") for item in against]
        return SchemaNames("the schemas given", schemas, None)
    raise TypeError(
        "validate must be True, False, None, a Discovery or a list of schemas, "
        f"not {type(against).__name__}"
    )


def _as_dict(item: object, argument: str) -> Mapping[str, Any]:
    if isinstance(item, Mapping):
        return item
    to_dict = getattr(item, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, Mapping):
            return data
    raise TypeError(f"{argument}: a schema must be a Schema or a dict, not {type(item).__name__}")


def _core_names() -> SchemaNames:
    from ._rfc7643 import core_schemas

    schemas: list[Mapping[str, Any]] = list(core_schemas())
    by_id = {s["id"]: s for s in schemas}
    user = [by_id[_schemas.CORE_USER], by_id[_schemas.ENTERPRISE_USER]]
    scopes = {"users": user, "me": user, "groups": [by_id[_schemas.CORE_GROUP]]}
    return SchemaNames("RFC 7643's schemas", schemas, scopes)


def _discovered_names(discovery: Any) -> SchemaNames:
    """From `discover()`: each endpoint uses its resource type's schema and extensions."""
    schemas = [_as_dict(s, "discovery") for s in discovery.schemas or []]
    scopes: dict[str, list[Mapping[str, Any]]] = {}
    for kind in discovery.resource_types or []:
        if not isinstance(kind.endpoint, str) or not isinstance(kind.schema, str):
            continue
        segment = kind.endpoint.rstrip("/").rpartition("/")[2].lower()
        name = kind.name if isinstance(kind.name, str) and kind.name else None
        found = [discovery.schema(kind.schema, name=name)]
        for extension in kind.schema_extensions or []:
            urn = getattr(extension, "schema", None)
            if isinstance(urn, str):
                found.append(discovery.schema(urn))
        scopes[segment] = [s.to_dict() for s in found if s is not None]
        if kind.schema.lower() == _schemas.CORE_USER.lower() or name == "User":
            scopes.setdefault("me", scopes[segment])
    return SchemaNames("the server's schemas", schemas, scopes)


# -- what a request names ------------------------------------------------------------------


Found = list[tuple[str, Unknown]]  # (where, what is unknown)


def filter_problems(scope: Scope, text: object, where: str) -> Found:
    """The unknown names of a filter (text or a built node); text that does not parse is the
    server's to refuse (or `strict`'s), not a question of names."""
    if isinstance(text, str):
        try:
            node: object = parse_filter(text)
        except FilterSyntaxError:
            return []
    else:
        node = text
    found: Found = []
    pending: list[tuple[object, AttrPath | None]] = [(node, None)]
    while pending:
        item, parent = pending.pop()
        if isinstance(item, (Comparison, Present)):
            item = item.path
        if isinstance(item, AttrPath):
            problem = _check_attr_path(scope, item, parent)
        elif isinstance(item, ValuePath):
            problem = _check_attr_path(scope, item.path, parent)
            if problem is None:
                pending.append((item.filter, item.path))
        elif isinstance(item, (And, Or)):
            pending += [(item.right, parent), (item.left, parent)]
            continue
        elif isinstance(item, Not):
            pending.append((item.expr, parent))
            continue
        else:
            continue
        if problem is not None:
            found.append((where, problem))
    return found


def _check_attr_path(scope: Scope, path: AttrPath, parent: AttrPath | None) -> Unknown | None:
    if parent is None:
        return scope.check(path.uri, path.attr, path.sub_attr)
    # Inside `emails[...]` a name is a sub-attribute of `emails` (RFC 7644 §3.4.2.2).
    return scope.check(parent.uri, parent.attr, path.attr)


def _names_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [part for part in value if isinstance(part, str)]
    return []


def query_problems(scope: Scope, query: Mapping[str, Any], *, arguments: bool = True) -> Found:
    """The unknown names of a query (or a SearchRequest body): `filter`, `attributes`,
    `excludedAttributes`, `sortBy`, each reported under the argument of scimkit's methods it
    comes from (`excluded_attributes`), or its wire name with `arguments=False`."""
    found: Found = []
    for key, argument in QUERY_ARGUMENTS.items():
        value = query.get(key)
        if value is None:
            continue
        where = argument if arguments else key
        if key == "filter":
            found += filter_problems(scope, value, where)
            continue
        for name in _names_of(value):
            problem = scope.check_path(name)
            if problem is not None:
                found.append((where, problem))
    return found


def patch_path_problems(scope: Scope, text: str, where: str) -> Found:
    """The unknown names of a PATCH `path` (RFC 7644 §3.5.2)."""
    if text.strip().lower() in scope.urns:
        return []
    try:
        path = parse_path(text)
    except FilterSyntaxError:
        return []
    problem = _check_attr_path(scope, path.path, None)
    if problem is not None:
        return [(where, problem)]
    found: Found = []
    if path.value_filter is not None:
        found += filter_problems(scope, ValuePath(path.path, path.value_filter), where)
    if path.sub_attr is not None:
        problem = scope.check(path.path.uri, path.path.attr, path.sub_attr)
        if problem is not None:
            found.append((where, problem))
    return found


def body_problems(scope: Scope, data: object, where: str, parent: str | None = None) -> Found:
    """The unknown names of a resource body (POST, PUT, SCIM 1.1 PATCH) or of a PATCH value:
    its keys, the keys of its complex values and of its extension objects."""
    if not isinstance(data, Mapping):
        return []
    found: Found = []
    for key, value in data.items():
        if not isinstance(key, str) or (parent is None and key.lower() == "schemas"):
            continue
        if parent is None and key.lower() in scope.urns:
            # An extension object: its keys are that schema's attributes.
            for name in value if isinstance(value, Mapping) else ():
                problem = scope.check(key, str(name), None)
                if problem is not None:
                    found.append((where, problem))
            continue
        problem = scope.check_path(f"{parent}.{key}" if parent else key)
        if problem is not None:
            found.append((where, problem))
        elif parent is None:
            for item in value if isinstance(value, list) else [value]:
                found += body_problems(scope, item, where, key)
    return found


def patch_problems(scope: Scope, body: Mapping[str, Any], *, paths_only: bool = False) -> Found:
    """The unknown names of a PATCH body: a PatchOp's paths (and values, unless
    `paths_only`), or SCIM 1.1's partial resource."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return [] if paths_only else body_problems(scope, body, "the request body")
    found: Found = []
    for number, operation in enumerate(operations):
        if not isinstance(operation, Mapping):
            continue
        path = operation.get("path")
        if isinstance(path, str):
            found += patch_path_problems(scope, path, f"Operations[{number}].path")
        if paths_only:
            continue
        value = operation.get("value")
        where = f"Operations[{number}].value"
        if path is None:
            found += body_problems(scope, value, where)
        elif isinstance(path, str) and path.strip().lower() in scope.urns:
            # The path is an extension's URN: the value is its object.
            found += body_problems(scope, {path.strip(): value}, where)
        elif isinstance(path, str) and _is_attribute(path):
            for item in value if isinstance(value, list) else [value]:
                found += body_problems(scope, item, where, path.strip())
    return found


def _is_attribute(path: str) -> bool:
    """`[urn:]attr` alone, no sub-attribute or filter: its value's keys are sub-attributes."""
    return "[" not in path and _is_name(path.strip().rpartition(":")[2])


def problems_text(found: Found, source: str) -> str:
    """One sentence per unknown name, as a `ValueError` says them."""
    seen: dict[tuple[str, str, str | None], str] = {}
    for where, problem in found:
        seen.setdefault(problem.key(), problem.describe(where, source))
    return "; ".join(list(seen.values())[:_MAX_HINTS])


# -- hints on an error -------------------------------------------------------------------


def wants_hint(scim_type: str | None, detail: str | None) -> bool:
    """Whether a 400 may be about a name: a scimType that says so, or none and a detail that
    speaks of attributes, paths or fields."""
    if scim_type:
        return isinstance(scim_type, str) and scim_type.lower() in _NAME_ERRORS
    text = detail.lower() if isinstance(detail, str) else ""
    return any(word in text for word in _NAME_WORDS)


def request_hints(
    names: SchemaNames,
    *,
    method: str,
    path: str,
    query: Mapping[str, str] | None,
    body: object,
) -> list[str]:
    """The hints for a 400 answer to this request: one per unknown name it holds (at most
    five), each naming where it was and the closest defined name."""
    scope = names.scope(path)
    if scope is None or path.strip("/").lower() == "bulk":
        return []
    found: Found = query_problems(scope, query, arguments=True) if query else []
    if isinstance(body, Mapping):
        if path.rstrip("/").endswith("/.search") or path.strip("/") == ".search":
            found += query_problems(scope, body, arguments=True)
        elif method == "PATCH":
            found += patch_problems(scope, body)
        elif method in ("POST", "PUT"):
            found += body_problems(scope, body, "the request body")
    hints: list[str] = []
    seen: set[tuple[str, str, str | None]] = set()
    for where, problem in found:
        if problem.key() not in seen and len(hints) < _MAX_HINTS:
            seen.add(problem.key())
            hints.append(problem.describe(where, names.source))
    return hints

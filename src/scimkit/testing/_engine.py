"""What the local server does with resources stored as plain JSON dicts.

Evaluating filters (RFC 7644 §3.4.2.2), applying PATCH operations (§3.5.2), projecting
`attributes` / `excludedAttributes` (§3.4.2.5) and sorting (§3.4.2.3). Pure functions: dicts
in, new dicts out; the inputs are never changed.

The engine knows no schema beyond a few facts of RFC 7643's core User and Group (which
attributes are multi-valued, which compare case-exactly, which are read-only): everything else
it learns from the data.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from ..filters import (
    And,
    AttrPath,
    Comparison,
    Filter,
    FilterSyntaxError,
    Not,
    Or,
    PatchPath,
    Present,
    ValuePath,
    parse_path,
)

__all__ = [
    "EngineError",
    "apply_patch",
    "chain",
    "get_values",
    "matches",
    "project",
    "sort_resources",
]

JSON = dict[str, Any]
_MISSING: Any = object()

ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# RFC 7643 §4.1.2, §4.1.1 and §4.2: the core multi-valued attributes, so that a first value
# added to an absent one still becomes a list.
_MULTI_VALUED = frozenset(
    {"emails", "phonenumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles"}
    | {"x509certificates", "members"}
)
# RFC 7643 §3.1: id, meta and schemas belong to the service provider.
_READ_ONLY = frozenset({"id", "meta", "schemas"})
_ORDERING = frozenset({"gt", "ge", "lt", "le"})


class EngineError(Exception):
    """A request the engine refuses: HTTP `status`, SCIM `scim_type` and a `detail` message.

    raise EngineError("remove needs a path", scim_type="noTarget")
    """

    def __init__(self, detail: str, *, scim_type: str | None = None, status: int = 400) -> None:
        super().__init__(detail)
        self.status = status
        self.scim_type = scim_type
        self.detail = detail

    def __repr__(self) -> str:
        return f"EngineError({self.detail!r}, scim_type={self.scim_type!r}, status={self.status})"


# -- looking things up ---------------------------------------------------------------------


def _key(obj: JSON, name: str) -> str | None:
    """The key of `obj` that is `name` ignoring case (RFC 7643 §2.1), or None."""
    if name in obj:
        return name
    lower = name.lower()
    return next((key for key in obj if key.lower() == lower), None)


def _get(obj: JSON, name: str) -> Any:
    key = _key(obj, name)
    return _MISSING if key is None else obj[key]


def _in_core(path: AttrPath, core_schema: str) -> bool:
    return path.uri is None or path.uri.lower() == core_schema.lower()


def _container(resource: JSON, path: AttrPath, core_schema: str) -> JSON | None:
    """The object holding `path.attr`: the resource itself, or the extension of its URN."""
    if _in_core(path, core_schema):
        return resource
    assert path.uri is not None
    extension = _get(resource, path.uri)
    return extension if isinstance(extension, dict) else None


def _as_list(value: Any) -> list[Any]:
    if value is _MISSING or value is None:
        return []
    return [v for v in value if v is not None] if isinstance(value, list) else [value]


def _present(value: Any) -> bool:
    # RFC 7643 §2.5: null, "" and [] all mean "unassigned".
    return value is not None and value is not _MISSING and value != "" and value != []


def get_values(resource: JSON, path: AttrPath, *, core_schema: str) -> list[Any]:
    """Every value at `path`, multi-valued attributes flattened, absent and null left out.

    get_values(user, AttrPath("emails", "type"), core_schema=CORE)  # ["work", "home"]
    """
    container = _container(resource, path, core_schema)
    if container is None:
        return []
    items = _as_list(_get(container, path.attr))
    if path.sub_attr is None:
        return items
    found: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            found += _as_list(_get(item, path.sub_attr))
    return found


# -- filters -------------------------------------------------------------------------------


def matches(resource: JSON, node: Filter, *, core_schema: str) -> bool:
    """Whether `resource` satisfies the filter `node` (RFC 7644 §3.4.2.2).

    An operator that cannot apply to its value (`active gt true`, `logins co 7`) raises
    `EngineError(scim_type="invalidFilter")` whatever the resource holds.

    matches(user, parse_filter('emails[type eq "work"]'), core_schema=CORE)
    """
    _check_filter(node)
    return _matches(resource, node, core_schema, None)


def _check_filter(root: Filter) -> None:
    pending = [root]  # a stack: `a or b or …` a thousand times is a tree that deep
    while pending:
        node = pending.pop()
        if isinstance(node, (And, Or)):
            pending += [node.right, node.left]  # the left one is checked first
        elif isinstance(node, (Not, ValuePath)):
            pending.append(node.expr if isinstance(node, Not) else node.filter)
        elif isinstance(node, Comparison):
            value, op = node.value, node.op
            if (value is None or isinstance(value, bool)) and op not in ("eq", "ne"):
                kind = "null" if value is None else "a boolean"
                problem = f"{op!r} does not apply to {kind} (in {node})"
                raise EngineError(problem, scim_type="invalidFilter")
            if isinstance(value, (int, float)) and op in ("co", "sw", "ew"):
                problem = f"{op!r} applies to strings, not numbers (in {node})"
                raise EngineError(problem, scim_type="invalidFilter")
        elif not isinstance(node, Present):
            raise TypeError(f"node must be a filter, not {type(node).__name__}")


def _matches(obj: JSON, node: Filter, core_schema: str, parent: str | None) -> bool:
    """`parent` names the multi-valued attribute whose value `obj` is, inside `attr[...]`."""
    if isinstance(node, And):
        return all(_matches(obj, n, core_schema, parent) for n in chain(node, And))
    if isinstance(node, Or):
        return any(_matches(obj, n, core_schema, parent) for n in chain(node, Or))
    if isinstance(node, Not):
        return not _matches(obj, node.expr, core_schema, parent)
    if isinstance(node, Present):
        return any(_present(v) for v in get_values(obj, node.path, core_schema=core_schema))
    if isinstance(node, ValuePath):
        whole = AttrPath(node.path.attr, None, node.path.uri)
        return any(
            _matches(_element(v), node.filter, core_schema, node.path.attr)
            for v in get_values(obj, whole, core_schema=core_schema)
        )
    return _compare(obj, node, core_schema, parent)


def chain(node: Filter, kind: type[And] | type[Or]) -> list[Filter]:
    """The operands of `a or b or c` (a tree as deep as it is long) in order, found without
    recursion; what is left to recurse into is in parentheses, which the parser bounds."""
    operands, pending = [], [node]
    while pending:
        item = pending.pop()
        if isinstance(item, kind):
            pending += [item.right, item.left]
        else:
            operands.append(item)
    return operands


def _element(value: Any) -> JSON:
    # A simple multi-valued attribute's values act as {"value": v} inside `attr[...]`.
    return value if isinstance(value, dict) else {"value": value}


def _compare(obj: JSON, node: Comparison, core_schema: str, parent: str | None) -> bool:
    values = get_values(obj, node.path, core_schema=core_schema)
    if node.path.sub_attr is None:
        # `emails co "@x.org"` compares the `value` of each complex value.
        values = [_get(v, "value") if isinstance(v, dict) else v for v in values]
    if node.value is None:
        assigned = any(_present(v) for v in values)
        return not assigned if node.op == "eq" else assigned
    exact = _case_exact(node.path, parent, core_schema)
    if node.op == "ne":
        return not any(_test(v, "eq", node.value, exact) for v in values)
    return any(_test(v, node.op, node.value, exact) for v in values)


def _case_exact(path: AttrPath, parent: str | None, core_schema: str) -> bool:
    """RFC 7643 §3.1 and §7: `id`, `externalId`, `meta.version` and `$ref` are caseExact."""
    names = [n.lower() for n in (parent, path.attr, path.sub_attr) if n is not None]
    if names[-1] == "$ref":
        return True
    if parent is not None or not _in_core(path, core_schema):
        return False
    return names in (["id"], ["externalid"], ["meta", "version"])


def _test(actual: Any, op: str, expected: Any, exact: bool) -> bool:
    if isinstance(actual, bool) and op in _ORDERING:
        # RFC 7644 §3.4.2.2: gt/ge/lt/le on a boolean attribute is an invalidFilter.
        raise EngineError(f"{op!r} does not apply to booleans", scim_type="invalidFilter")
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return False
        a, e = (actual, expected) if exact else (actual.casefold(), expected.casefold())
        if op == "co":
            return e in a
        if op == "sw":
            return a.startswith(e)
        if op == "ew":
            return a.endswith(e)
        return _ordered(a, op, e)
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    return _ordered(actual, op, expected)


def _ordered(a: Any, op: str, e: Any) -> bool:
    if op == "eq":
        return bool(a == e)
    if op == "gt":
        return bool(a > e)
    if op == "ge":
        return bool(a >= e)
    if op == "lt":
        return bool(a < e)
    return bool(a <= e)


# -- PATCH ---------------------------------------------------------------------------------


def apply_patch(resource: JSON, operations: list[JSON], *, core_schema: str) -> JSON:
    """A new resource with PATCH `operations` applied in order (RFC 7644 §3.5.2); all or
    nothing: the first refused operation raises `EngineError` and nothing is returned.

    apply_patch(group, [{"op": "remove", "path": 'members[value eq "2819c223"]'}],
                core_schema="urn:ietf:params:scim:schemas:core:2.0:Group")
    """
    if not isinstance(operations, list) or not operations:
        raise EngineError("Operations must be a non-empty list", scim_type="invalidSyntax")
    result = copy.deepcopy(resource)
    for number, operation in enumerate(operations, 1):
        try:
            _apply_operation(result, operation, core_schema)
        except EngineError as exc:
            exc.detail = f"operation {number}: {exc.detail}"
            exc.args = (exc.detail,)
            raise
    return result


def _apply_operation(result: JSON, operation: Any, core_schema: str) -> None:
    if not isinstance(operation, dict):
        raise EngineError("an operation must be an object", scim_type="invalidSyntax")
    op = _get(operation, "op")
    kind = op.lower() if isinstance(op, str) else ""
    if kind not in ("add", "remove", "replace"):
        shown = "missing" if op is _MISSING else repr(op)
        raise EngineError(
            f"op must be 'add', 'remove' or 'replace', not {shown}", scim_type="invalidSyntax"
        )
    raw_path = _get(operation, "path")
    value = _get(operation, "value")
    path: PatchPath | None = None
    if isinstance(raw_path, str) and raw_path.strip():
        try:
            path = parse_path(raw_path)
        except FilterSyntaxError as exc:
            raise EngineError(str(exc), scim_type="invalidPath") from None
    elif raw_path not in (_MISSING, None, ""):
        raise EngineError("path must be a string", scim_type="invalidPath")
    if kind == "remove":
        if path is None:
            # RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails".
            raise EngineError("remove needs a path", scim_type="noTarget")
        _remove(result, path, value, core_schema)
    elif value is _MISSING:
        raise EngineError(f"{kind} needs a value", scim_type="invalidValue")
    elif path is None:
        if not isinstance(value, dict):
            raise EngineError(
                f"{kind} without a path needs an object of attributes as its value",
                scim_type="invalidValue",
            )
        _apply_attributes(result, value, kind, core_schema)
    else:
        _apply_at(result, path, value, kind, core_schema)


def _check_mutable(path: AttrPath, core_schema: str) -> None:
    if _in_core(path, core_schema) and path.attr.lower() in _READ_ONLY:
        raise EngineError(f"{path.attr!r} is read-only", scim_type="mutability")


def _apply_attributes(result: JSON, value: JSON, kind: str, core_schema: str) -> None:
    """`add`/`replace` without a path: each member of `value` names an attribute, a dotted
    or URN-prefixed attribute path, or a whole extension object."""
    known = _schema_urns(result, core_schema)
    for name, sub in value.items():
        lower = name.lower()
        if lower == core_schema.lower() and isinstance(sub, dict):
            _apply_attributes(result, sub, kind, core_schema)
            continue
        if lower.startswith("urn:") and _names_a_schema(name, sub, known):
            if not isinstance(sub, dict):
                raise EngineError(f"{name!r} must be an object", scim_type="invalidValue")
            for attr, attr_value in sub.items():
                path = _parse_name(f"{name}:{attr}", "invalidPath")
                _apply_at(result, PatchPath(path), attr_value, kind, core_schema)
            continue
        path = _parse_name(name, "invalidPath")
        if _in_core(path, core_schema) and path.attr.lower() in _READ_ONLY:
            # Clients echo these back; refusing only a real change keeps them working.
            current = _get(result, path.attr)
            if not _unchanged(current, sub, path, kind):
                raise EngineError(f"{path.attr!r} is read-only", scim_type="mutability")
            continue
        _apply_at(result, PatchPath(path), sub, kind, core_schema)


def _schema_urns(resource: JSON, core_schema: str) -> set[str]:
    urns = {core_schema.lower(), ENTERPRISE_USER.lower()}
    urns.update(s.lower() for s in _as_list(_get(resource, "schemas")) if isinstance(s, str))
    urns.update(k.lower() for k in resource if k.lower().startswith("urn:"))
    return urns


def _names_a_schema(name: str, value: Any, known: set[str]) -> bool:
    """Whether `name` is an extension's URN (`urn:…:User`) rather than an attribute path
    in one (`urn:…:User:department`): both look alike, so known schemas decide first."""
    if name.lower() in known:
        return True
    try:
        path = parse_path(name).path
    except FilterSyntaxError:
        return True
    if path.uri is not None and path.uri.lower() in known:
        return False
    return isinstance(value, dict)


def _unchanged(current: Any, value: Any, path: AttrPath, kind: str) -> bool:
    if path.sub_attr is not None:
        current = _get(current, path.sub_attr) if isinstance(current, dict) else _MISSING
    if path.attr.lower() == "schemas" and isinstance(current, list) and isinstance(value, list):
        have = {str(s).lower() for s in current}
        given = {str(s).lower() for s in value}
        return given <= have if kind == "add" else given == have
    return bool(current == value)


def _apply_at(result: JSON, path: PatchPath, value: Any, kind: str, core_schema: str) -> None:
    attr = path.path
    _check_mutable(attr, core_schema)
    if value is None:
        if kind == "add":
            raise EngineError("add needs a value, not null", scim_type="invalidValue")
        # RFC 7643 §2.5: replacing with null unassigns, as a remove does.
        _remove(result, path, _MISSING, core_schema)
        return
    container, extension_key = _writable_container(result, attr, core_schema)
    if path.value_filter is not None:
        _apply_filtered(container, path, value, kind, core_schema)
    elif attr.sub_attr is not None:
        _set_sub_attribute(container, attr, value)
    else:
        _set_attribute(container, attr.attr, value, kind)
    _tidy(result, container, attr.attr, extension_key)


def _writable_container(result: JSON, path: AttrPath, core_schema: str) -> tuple[JSON, str | None]:
    """The object to write `path` into, creating its extension (and listing the extension's
    URN in `schemas`, RFC 7643 §3) when needed; the extension's key or None."""
    if _in_core(path, core_schema):
        return result, None
    assert path.uri is not None
    key = _key(result, path.uri) or path.uri
    extension = result.get(key)
    if not isinstance(extension, dict):
        extension = result[key] = {}
    schemas = result.get(_key(result, "schemas") or "schemas")
    if schemas is None:
        schemas = result["schemas"] = []
    if isinstance(schemas, list) and all(str(s).lower() != key.lower() for s in schemas):
        schemas.append(key)
    return extension, key


def _tidy(result: JSON, container: JSON, name: str, extension_key: str | None) -> None:
    """Drop what an operation left empty: an attribute, then its extension (and its URN)."""
    key = _key(container, name)
    if key is not None:
        value = container[key]
        if isinstance(value, list):
            value = container[key] = [v for v in value if v is not None and v != {}]
        if not _present(value) or value == {}:
            del container[key]
    if extension_key is not None and not container:
        del result[extension_key]
        schemas = _get(result, "schemas")
        if isinstance(schemas, list):
            schemas[:] = [s for s in schemas if str(s).lower() != extension_key.lower()]


def _is_multi_valued(name: str, current: Any) -> bool:
    return isinstance(current, list) or (current is _MISSING and name.lower() in _MULTI_VALUED)


def _set_attribute(container: JSON, name: str, value: Any, kind: str) -> None:
    key = _key(container, name) or name
    current = container.get(key, _MISSING)
    if _is_multi_valued(name, current):
        given = [copy.deepcopy(v) for v in (value if isinstance(value, list) else [value])]
        _check_one_primary(given)
        if kind == "replace":
            # RFC 7644 §3.5.2.3: without a filter, "the attribute and all values are replaced".
            container[key] = given
            return
        # RFC 7644 §3.5.2.1: new values are added; a value already there changes nothing.
        existing = current if isinstance(current, list) else []
        fresh: list[Any] = []
        for item in given:
            if not any(_contains(old, item) for old in existing + fresh):
                fresh.append(item)
        _clear_other_primaries(existing, fresh)
        container[key] = existing + fresh
    elif isinstance(current, dict) and isinstance(value, dict):
        # RFC 7644 §3.5.2.1 and §3.5.2.3: the sub-attributes given are set; others stay.
        _merge(current, value)
    else:
        container[key] = copy.deepcopy(value)


def _contains(old: Any, new: Any) -> bool:
    """Whether `old` already holds `new`: equal, or (complex) every given sub-attribute equal;
    so re-adding `{"value": id}` does not duplicate a member stored with its `display`."""
    if isinstance(old, dict) and isinstance(new, dict):
        return all(_get(old, name) == sub for name, sub in new.items())
    return bool(old == new)


def _merge(target: JSON, value: JSON) -> None:
    for name, sub in value.items():
        key = _key(target, name) or name
        if sub is None:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(sub)


def _set_sub_attribute(container: JSON, path: AttrPath, value: Any) -> None:
    assert path.sub_attr is not None
    key = _key(container, path.attr) or path.attr
    current = container.get(key, _MISSING)
    if _is_multi_valued(path.attr, current):
        # RFC 7644 leaves `emails.type` without a filter open: it applies to every value.
        elements = [e for e in _as_list(current) if isinstance(e, dict)]
        if not elements:
            elements = container[key] = [{}]
        for element in elements:
            element[_key(element, path.sub_attr) or path.sub_attr] = copy.deepcopy(value)
        _check_one_primary(elements)
        return
    if not isinstance(current, dict):
        current = container[key] = {}
    current[_key(current, path.sub_attr) or path.sub_attr] = copy.deepcopy(value)


def _selected(container: JSON, path: PatchPath, core_schema: str) -> tuple[str | None, list[JSON]]:
    """The key of the filtered attribute and the values its filter selects."""
    assert path.value_filter is not None
    key = _key(container, path.path.attr)
    if key is None:
        return None, []
    _check_filter(path.value_filter)
    attr = path.path.attr
    return key, [
        element
        for element in _as_list(container[key])
        if isinstance(element, dict) and _matches(element, path.value_filter, core_schema, attr)
    ]


def _apply_filtered(
    container: JSON, path: PatchPath, value: Any, kind: str, core_schema: str
) -> None:
    if path.sub_attr is None and not isinstance(value, dict):
        raise EngineError(
            f"{str(path)!r} selects complex values: the value must be an object",
            scim_type="invalidValue",
        )
    key, chosen = _selected(container, path, core_schema)
    if not chosen:
        created = _value_from_filter(path) if kind == "add" else None
        if created is None:
            raise EngineError(f"no value matches {str(path)!r}", scim_type="noTarget")
        # `add` to `emails[type eq "work"].value` for a user without a work email: the filter
        # describes the new value (what Microsoft Entra ID relies on).
        key = key or path.path.attr
        current = container.get(key)
        container[key] = (current if isinstance(current, list) else _as_list(current)) + [created]
        chosen = [created]
    for element in chosen:
        if path.sub_attr is not None:
            element[_key(element, path.sub_attr) or path.sub_attr] = copy.deepcopy(value)
        elif kind == "replace":
            # RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
            element.clear()
            element.update(copy.deepcopy(value))
        else:
            _merge(element, value)
    assert key is not None
    current = container[key]
    if isinstance(current, list):
        _check_one_primary(chosen)
        _clear_other_primaries(current, chosen)


def _value_from_filter(path: PatchPath) -> JSON | None:
    """The new value an `add` through `attr[a eq x and b eq y]` describes, if that is what
    the filter is; with the operation's value (a sub-attribute or an object) applied later."""
    pairs: JSON = {}
    pending: list[Filter] = [path.value_filter] if path.value_filter is not None else []
    while pending:
        node = pending.pop()
        if isinstance(node, And):
            pending += [node.left, node.right]
        elif (
            isinstance(node, Comparison)
            and node.op == "eq"
            and node.value is not None
            and node.path.uri is None
            and node.path.sub_attr is None
            and _key(pairs, node.path.attr) is None
        ):
            pairs[node.path.attr] = node.value
        else:
            return None
    return pairs


def _check_one_primary(values: list[Any]) -> None:
    primaries = [v for v in values if isinstance(v, dict) and _get(v, "primary") is True]
    if len(primaries) > 1:
        # RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once."
        raise EngineError("more than one value has primary: true", scim_type="invalidValue")


def _clear_other_primaries(values: list[Any], changed: list[Any]) -> None:
    """RFC 7643 §2.4: a value newly set primary takes it from every other value."""
    if not any(isinstance(v, dict) and _get(v, "primary") is True for v in changed):
        return
    for value in values:
        if isinstance(value, dict) and all(value is not c for c in changed):
            key = _key(value, "primary")
            if key is not None and value[key] is True:
                value[key] = False


def _remove(result: JSON, path: PatchPath, value: Any, core_schema: str) -> None:
    attr = path.path
    _check_mutable(attr, core_schema)
    whole = _whole_extension_key(result, attr)
    if whole is not None and path.value_filter is None:
        del result[whole]
        schemas = _get(result, "schemas")
        if isinstance(schemas, list):
            schemas[:] = [s for s in schemas if str(s).lower() != whole.lower()]
        return
    container = _container(result, attr, core_schema)
    if container is None:
        return
    extension_key = None if _in_core(attr, core_schema) else _key(result, attr.uri or "")
    key = _key(container, attr.attr)
    if key is None:
        return
    current = container[key]
    if path.value_filter is not None:
        _, chosen = _selected(container, path, core_schema)
        if path.sub_attr is not None:
            for element in chosen:
                element.pop(_key(element, path.sub_attr) or path.sub_attr, None)
        elif isinstance(current, list):
            # RFC 7644 §3.5.2.2: the matching values go; with none left, the attribute does.
            container[key] = [v for v in current if all(v is not c for c in chosen)]
        elif chosen:
            del container[key]
    elif attr.sub_attr is not None:
        for element in _as_list(current):
            if isinstance(element, dict):
                element.pop(_key(element, attr.sub_attr) or attr.sub_attr, None)
        if isinstance(current, list):
            container[key] = [e for e in current if e != {}]
    elif value is not _MISSING and value is not None and isinstance(current, list):
        # Microsoft Entra ID removes members by value: {"op": "remove", "path": "members",
        # "value": [{"value": "<id>"}]}; the values listed go, the others stay.
        doomed = _as_list(value)
        container[key] = [v for v in current if not any(_contains(v, d) for d in doomed)]
    else:
        del container[key]
    _tidy(result, container, attr.attr, extension_key)


def _whole_extension_key(resource: JSON, path: AttrPath) -> str | None:
    """The key of the extension `path` names as a whole (`urn:…:enterprise:2.0:User`), if
    any: such a URN parses as a URN (`urn:…:2.0`) and an attribute (`User`)."""
    if path.uri is None or path.sub_attr is not None:
        return None
    key = _key(resource, f"{path.uri}:{path.attr}")
    return key if key is not None and isinstance(resource[key], dict) else None


# -- attributes and sorting ----------------------------------------------------------------


def _parse_name(name: object, scim_type: str) -> AttrPath:
    if not isinstance(name, str):
        raise EngineError(f"an attribute name must be a string, not {name!r}", scim_type=scim_type)
    return _parsed_name(name.strip(), scim_type)


@functools.lru_cache(maxsize=512)  # a page projects each resource with the same few names
def _parsed_name(name: str, scim_type: str) -> AttrPath:
    try:
        parsed = parse_path(name)
    except FilterSyntaxError as exc:
        problem = exc.problem
    else:
        if parsed.value_filter is None:
            return parsed.path
        problem = "a filter is not allowed here"
    raise EngineError(f"invalid attribute name {name!r}: {problem}", scim_type=scim_type)


def project(
    resource: JSON,
    *,
    attributes: list[str] | None = None,
    excluded_attributes: list[str] | None = None,
    core_schema: str,
) -> JSON:
    """A new resource with only `attributes`, or without `excluded_attributes`
    (RFC 7644 §3.4.2.5); `id` and `schemas` are always returned. Names are case-insensitive
    and may be dotted (`name.givenName`) or URN-prefixed; a whole extension is named by its
    URN.

    project(user, attributes=["userName", "emails.value"], core_schema=CORE)
    """
    keep = [_parse_name(n, "invalidValue") for n in attributes or []]
    drop = [_parse_name(n, "invalidValue") for n in excluded_attributes or []]
    result = _keep(resource, keep, core_schema) if keep else copy.deepcopy(resource)
    for path in drop:
        if _in_core(path, core_schema) and path.attr.lower() in ("id", "schemas"):
            continue  # RFC 7643 §7: "returned": "always" wins over excludedAttributes.
        whole = _whole_extension_key(result, path)
        if whole is not None:
            del result[whole]
            continue
        container = _container(result, path, core_schema)
        key = None if container is None else _key(container, path.attr)
        if container is None or key is None:
            continue
        if path.sub_attr is None:
            del container[key]
            continue
        for element in _as_list(container[key]):
            if isinstance(element, dict):
                element.pop(_key(element, path.sub_attr) or path.sub_attr, None)
    return result


def _keep(resource: JSON, paths: list[AttrPath], core_schema: str) -> JSON:
    out: JSON = {}
    for always in ("schemas", "id"):
        key = _key(resource, always)
        if key is not None:
            out[key] = copy.deepcopy(resource[key])
    built: list[tuple[JSON, str]] = []  # lists of partial values, to clean up at the end
    for path in paths:
        whole = _whole_extension_key(resource, path)
        if whole is not None:
            out[whole] = copy.deepcopy(resource[whole])
            continue
        source = _container(resource, path, core_schema)
        key = None if source is None else _key(source, path.attr)
        if source is None or key is None:
            continue
        target = out
        if source is not resource:
            extension_key = _key(resource, path.uri or "")
            assert extension_key is not None
            target = out.setdefault(extension_key, {})
        value = source[key]
        if path.sub_attr is None:
            target[key] = copy.deepcopy(value)
        elif isinstance(value, dict):
            sub = _key(value, path.sub_attr)
            if sub is not None:
                target.setdefault(key, {})[sub] = copy.deepcopy(value[sub])
        elif isinstance(value, list):
            # One partial value per stored value, in order, so `emails.value` and
            # `emails.type` fill in the same entries.
            partial = target.get(key)
            if not (isinstance(partial, list) and len(partial) == len(value)):
                partial = target[key] = [{} if isinstance(v, dict) else None for v in value]
                built.append((target, key))
            for element, into in zip(value, partial):
                sub = _key(element, path.sub_attr) if isinstance(element, dict) else None
                if sub is not None and isinstance(into, dict):
                    into[sub] = copy.deepcopy(element[sub])
    for target, key in built:
        values = [v for v in target[key] if v]
        if values:
            target[key] = values
        else:
            del target[key]
    return out


def sort_resources(
    resources: list[JSON], sort_by: str, *, descending: bool = False, core_schema: str
) -> list[JSON]:
    """`resources` (the same objects) ordered by `sort_by` (RFC 7644 §3.4.2.3).

    A multi-valued attribute sorts by its primary value (else its first); strings compare
    case-insensitively; resources without a value go last ascending and first descending.

    sort_resources(users, "name.familyName", core_schema=CORE)
    """
    path = _parse_name(sort_by, "invalidValue")
    return sorted(resources, key=lambda r: _sort_key(r, path, core_schema), reverse=descending)


def _sort_key(resource: JSON, path: AttrPath, core_schema: str) -> tuple[int, int, Any]:
    value = _sort_value(resource, path, core_schema)
    if not _present(value):
        return (1, 0, 0)
    if isinstance(value, bool):
        return (0, 0, value)
    if isinstance(value, (int, float)):
        return (0, 1, value)
    if isinstance(value, str):
        return (0, 2, value.casefold())
    return (0, 3, repr(value))


def _sort_value(resource: JSON, path: AttrPath, core_schema: str) -> Any:
    container = _container(resource, path, core_schema)
    if container is None:
        return None
    values = _as_list(_get(container, path.attr))
    if not values:
        return None
    primary = [v for v in values if isinstance(v, dict) and _get(v, "primary") is True]
    chosen = (primary or values)[0]
    if not isinstance(chosen, dict):
        return None if path.sub_attr is not None else chosen
    inner = _get(chosen, path.sub_attr or "value")
    return None if inner is _MISSING else inner

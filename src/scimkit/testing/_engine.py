"""What the local server does with resources stored as plain JSON dicts.

Evaluating filters (RFC 7644 §3.4.2.2), applying PATCH operations (§3.5.2), projecting
`attributes` / `excludedAttributes` (§3.4.2.5) and sorting (§3.4.2.3). Pure functions: dicts in,
new dicts out.
"""

from __future__ import annotations

import copy
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
    "get_values",
    "matches",
    "project",
    "sort_resources",
]

JSON = dict[str, Any]
_MISSING: Any = object()

# RFC 7643: these attributes compare case-sensitively; everything else here does not.
_CASE_EXACT = frozenset({"id", "externalid", "$ref"})
_READ_ONLY = frozenset({"id", "meta", "schemas"})


class EngineError(Exception):
    """A request the engine refuses: `status`, SCIM `scim_type` and a `detail` message."""

    def __init__(self, detail: str, *, scim_type: str | None = None, status: int = 400) -> None:
        super().__init__(detail)
        self.status = status
        self.scim_type = scim_type
        self.detail = detail


def _key(obj: JSON, name: str) -> str | None:
    """The key of `obj` equal to `name` ignoring case (RFC 7643 §2.1), or None."""
    if name in obj:
        return name
    lower = name.lower()
    for key in obj:
        if key.lower() == lower:
            return key
    return None


def _get(obj: JSON, name: str) -> Any:
    key = _key(obj, name)
    return _MISSING if key is None else obj[key]


def _container(resource: JSON, path: AttrPath, core_schema: str) -> JSON | None:
    """The dict that holds `path.attr`: the resource, or the extension object of its URN."""
    if path.uri is None or path.uri.lower() == core_schema.lower():
        return resource
    extension = _get(resource, path.uri)
    return extension if isinstance(extension, dict) else None


def get_values(resource: JSON, path: AttrPath, *, core_schema: str) -> list[Any]:
    """Every value at `path`, multi-valued attributes flattened, missing and null left out."""
    container = _container(resource, path, core_schema)
    if container is None:
        return []
    value = _get(container, path.attr)
    if value is _MISSING or value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if path.sub_attr is None:
        return [item for item in items if item is not None]
    found: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            sub = _get(item, path.sub_attr)
            if isinstance(sub, list):
                found.extend(v for v in sub if v is not None)
            elif sub is not _MISSING and sub is not None:
                found.append(sub)
    return found


def _is_case_exact(path: AttrPath) -> bool:
    name = (path.sub_attr or path.attr).lower()
    if name in _CASE_EXACT:
        return True
    return path.attr.lower() == "meta" and (path.sub_attr or "").lower() == "version"


def _compare(actual: Any, op: str, expected: Any, case_exact: bool) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        if op not in ("eq", "ne"):
            raise EngineError(
                f"operator {op!r} does not apply to booleans", scim_type="invalidFilter"
            )
        same = isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
        return same if op == "eq" else not same
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return op == "ne"
        a, e = (actual, expected) if case_exact else (actual.casefold(), expected.casefold())
        if op == "eq":
            return a == e
        if op == "ne":
            return a != e
        if op == "co":
            return e in a
        if op == "sw":
            return a.startswith(e)
        if op == "ew":
            return a.endswith(e)
        return _order(a, op, e)
    if isinstance(expected, (int, float)):
        if op in ("co", "sw", "ew"):
            raise EngineError(
                f"operator {op!r} does not apply to numbers", scim_type="invalidFilter"
            )
        if not isinstance(actual, (int, float)):
            return op == "ne"
        if op == "eq":
            return actual == expected
        if op == "ne":
            return actual != expected
        return _order(actual, op, expected)
    raise EngineError(f"cannot compare with {expected!r}", scim_type="invalidFilter")


def _order(a: Any, op: str, e: Any) -> bool:
    if op == "gt":
        return bool(a > e)
    if op == "ge":
        return bool(a >= e)
    if op == "lt":
        return bool(a < e)
    return bool(a <= e)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def matches(resource: JSON, node: Filter, *, core_schema: str) -> bool:
    """Whether `resource` satisfies the filter `node`."""
    if isinstance(node, And):
        return matches(resource, node.left, core_schema=core_schema) and matches(
            resource, node.right, core_schema=core_schema
        )
    if isinstance(node, Or):
        return matches(resource, node.left, core_schema=core_schema) or matches(
            resource, node.right, core_schema=core_schema
        )
    if isinstance(node, Not):
        return not matches(resource, node.expr, core_schema=core_schema)
    if isinstance(node, Present):
        return any(_present(v) for v in get_values(resource, node.path, core_schema=core_schema))
    if isinstance(node, ValuePath):
        whole = AttrPath(node.path.attr, None, node.path.uri)
        elements = get_values(resource, whole, core_schema=core_schema)
        return any(
            isinstance(element, dict) and matches(element, node.filter, core_schema=core_schema)
            for element in elements
        )
    if isinstance(node, Comparison):
        values = get_values(resource, node.path, core_schema=core_schema)
        if node.path.sub_attr is None:
            # `emails co "@x.org"` compares the `value` of each complex element.
            values = [(_get(v, "value") if isinstance(v, dict) else v) for v in values]
            values = [v for v in values if v is not _MISSING and v is not None]
        if node.value is None:
            if node.op == "eq":
                return not values
            if node.op == "ne":
                return bool(values)
            raise EngineError(
                f"operator {node.op!r} does not apply to null", scim_type="invalidFilter"
            )
        exact = _is_case_exact(node.path)
        if node.op == "ne":
            return not any(_compare(v, "eq", node.value, exact) for v in values)
        return any(_compare(v, node.op, node.value, exact) for v in values)
    raise EngineError(f"not a filter: {node!r}", scim_type="invalidFilter")


# -- PATCH ---------------------------------------------------------------------------------


def _writable_container(resource: JSON, path: AttrPath, core_schema: str) -> JSON:
    if path.uri is None or path.uri.lower() == core_schema.lower():
        return resource
    key = _key(resource, path.uri) or path.uri
    extension = resource.get(key)
    if not isinstance(extension, dict):
        extension = resource[key] = {}
    schemas = resource.setdefault("schemas", [])
    if isinstance(schemas, list) and not any(
        isinstance(s, str) and s.lower() == key.lower() for s in schemas
    ):
        schemas.append(key)
    return extension


def _check_mutable(path: AttrPath, core_schema: str) -> None:
    in_core = path.uri is None or path.uri.lower() == core_schema.lower()
    if in_core and path.attr.lower() in _READ_ONLY:
        raise EngineError(f"attribute {path.attr!r} is read-only", scim_type="mutability")


def _clear_other_primaries(items: list[Any], keep: list[Any]) -> None:
    """RFC 7643 §2.4: at most one element of a multi-valued attribute is primary."""
    if not any(isinstance(i, dict) and _get(i, "primary") is True for i in keep):
        return
    kept = {id(i) for i in keep}
    for item in items:
        if isinstance(item, dict) and id(item) not in kept:
            key = _key(item, "primary")
            if key is not None and item[key] is True:
                item[key] = False


def _merge(target: JSON, value: JSON) -> None:
    for name, sub in value.items():
        target[_key(target, name) or name] = copy.deepcopy(sub)


def _set(container: JSON, path: AttrPath, value: Any, op: str) -> None:
    key = _key(container, path.attr) or path.attr
    existing = container.get(key, _MISSING)
    if path.sub_attr is not None:
        if isinstance(existing, list):
            for item in existing:
                if isinstance(item, dict):
                    item[_key(item, path.sub_attr) or path.sub_attr] = copy.deepcopy(value)
            return
        if not isinstance(existing, dict):
            existing = container[key] = {}
        existing[_key(existing, path.sub_attr) or path.sub_attr] = copy.deepcopy(value)
        return
    if op == "add" and isinstance(existing, list):
        added = [copy.deepcopy(v) for v in (value if isinstance(value, list) else [value])]
        fresh = [v for v in added if v not in existing]
        existing.extend(fresh)
        _clear_other_primaries(existing, fresh)
        return
    if isinstance(existing, dict) and isinstance(value, dict):
        # RFC 7644 §3.5.2.1 and §3.5.2.3: sub-attributes given replace, the others stay.
        _merge(existing, value)
        return
    container[key] = copy.deepcopy(value)
    if isinstance(value, list):
        fresh = container[key]
        seen: list[Any] = []
        for item in fresh:
            if isinstance(item, dict) and _get(item, "primary") is True:
                seen.append(item)
        if len(seen) > 1:
            _clear_other_primaries(fresh, seen[-1:])


def _remove(container: JSON, path: PatchPath, value: Any, core_schema: str) -> None:
    attr = path.path
    key = _key(container, attr.attr)
    if key is None:
        return
    existing = container[key]
    if path.value_filter is not None:
        if not isinstance(existing, list):
            return
        chosen = [
            item
            for item in existing
            if isinstance(item, dict) and matches(item, path.value_filter, core_schema=core_schema)
        ]
        if path.sub_attr is not None:
            for item in chosen:
                sub = _key(item, path.sub_attr)
                if sub is not None:
                    del item[sub]
            return
        remaining = [item for item in existing if all(item is not c for c in chosen)]
        if remaining:
            container[key] = remaining
        else:
            del container[key]
        return
    if attr.sub_attr is not None:
        targets = existing if isinstance(existing, list) else [existing]
        for item in targets:
            if isinstance(item, dict):
                sub = _key(item, attr.sub_attr)
                if sub is not None:
                    del item[sub]
        return
    if value is not _MISSING and isinstance(existing, list):
        # Microsoft Entra removes members by value: {"op": "remove", "path": "members",
        # "value": [{"value": "id"}]}. Remove the elements whose `value` is listed.
        doomed = value if isinstance(value, list) else [value]
        ids = {_get(v, "value") if isinstance(v, dict) else v for v in doomed}
        remaining = [
            item
            for item in existing
            if not (isinstance(item, dict) and _get(item, "value") in ids) and item not in doomed
        ]
        if remaining:
            container[key] = remaining
        else:
            del container[key]
        return
    del container[key]


def _apply_filtered(container: JSON, path: PatchPath, value: Any, core_schema: str) -> None:
    key = _key(container, path.path.attr)
    existing = container.get(key) if key is not None else None
    chosen: list[JSON] = []
    if isinstance(existing, list) and path.value_filter is not None:
        chosen = [
            item
            for item in existing
            if isinstance(item, dict) and matches(item, path.value_filter, core_schema=core_schema)
        ]
    if not chosen:
        raise EngineError(f"no value of {str(path)!r} matches its filter", scim_type="noTarget")
    assert isinstance(existing, list)
    for item in chosen:
        if path.sub_attr is not None:
            item[_key(item, path.sub_attr) or path.sub_attr] = copy.deepcopy(value)
        elif isinstance(value, dict):
            _merge(item, value)
        else:
            raise EngineError("a filtered path needs an object value", scim_type="invalidValue")
    _clear_other_primaries(existing, chosen)


def apply_patch(resource: JSON, operations: list[JSON], *, core_schema: str) -> JSON:
    """A new resource with the PATCH `operations` applied, in order, all or nothing."""
    result = copy.deepcopy(resource)
    if not isinstance(operations, list) or not operations:
        raise EngineError("Operations must be a non-empty list", scim_type="invalidSyntax")
    for number, operation in enumerate(operations, 1):
        if not isinstance(operation, dict):
            raise EngineError(f"operation {number} is not an object", scim_type="invalidSyntax")
        kind = str(_get(operation, "op")).lower()
        if kind not in ("add", "remove", "replace"):
            raise EngineError(
                f"operation {number}: op must be add, remove or replace", scim_type="invalidSyntax"
            )
        raw_path = _get(operation, "path")
        value = _get(operation, "value")
        if raw_path is _MISSING or raw_path is None or raw_path == "":
            if kind == "remove":
                raise EngineError(f"operation {number}: remove needs a path", scim_type="noTarget")
            if not isinstance(value, dict):
                raise EngineError(
                    f"operation {number}: without a path the value must be an object",
                    scim_type="invalidValue",
                )
            _apply_without_path(result, value, kind, core_schema)
            continue
        if not isinstance(raw_path, str):
            raise EngineError(f"operation {number}: path must be a string", scim_type="invalidPath")
        try:
            path = parse_path(raw_path)
        except FilterSyntaxError as exc:
            raise EngineError(f"operation {number}: {exc}", scim_type="invalidPath") from None
        _check_mutable(path.path, core_schema)
        if kind == "remove":
            container = _container(result, path.path, core_schema)
            if container is not None:
                _remove(container, path, value, core_schema)
            continue
        if value is _MISSING:
            raise EngineError(f"operation {number}: {kind} needs a value", scim_type="invalidValue")
        container = _writable_container(result, path.path, core_schema)
        if path.value_filter is not None:
            _apply_filtered(container, path, value, core_schema)
        else:
            _set(container, path.path, value, kind)
    return result


def _apply_without_path(result: JSON, value: JSON, kind: str, core_schema: str) -> None:
    for name, sub in value.items():
        if name.lower() == core_schema.lower() and isinstance(sub, dict):
            _apply_without_path(result, sub, kind, core_schema)
            continue
        if name.lower().startswith("urn:") and isinstance(sub, dict):
            for attr, attr_value in sub.items():
                path = AttrPath(attr, None, name)
                _set(_writable_container(result, path, core_schema), path, attr_value, kind)
            continue
        path = AttrPath(name)
        _check_mutable(path, core_schema)
        _set(result, path, sub, kind)


# -- attributes and sorting ----------------------------------------------------------------


def _attr_path(name: str) -> AttrPath:
    try:
        parsed = parse_path(name.strip())
    except FilterSyntaxError as exc:
        raise EngineError(
            f"invalid attribute name {name!r}: {exc.problem}", scim_type="invalidPath"
        ) from None
    return parsed.path


def project(
    resource: JSON,
    *,
    attributes: list[str] | None = None,
    excluded_attributes: list[str] | None = None,
    core_schema: str,
) -> JSON:
    """The resource with only `attributes` (plus `id` and `schemas`), or without
    `excluded_attributes` (RFC 7644 §3.4.2.5)."""
    if attributes:
        out: JSON = {}
        for always in ("schemas", "id"):
            key = _key(resource, always)
            if key is not None:
                out[key] = copy.deepcopy(resource[key])
        for name in attributes:
            _copy_path(resource, out, _attr_path(name), core_schema)
        return out
    out = copy.deepcopy(resource)
    for name in excluded_attributes or []:
        path = _attr_path(name)
        if path.uri is None and path.attr.lower() in ("id", "schemas"):
            continue
        container = _container(out, path, core_schema)
        if container is not None:
            _remove(container, PatchPath(path), _MISSING, core_schema)
    return out


def _copy_path(source: JSON, target: JSON, path: AttrPath, core_schema: str) -> None:
    if path.uri is not None and path.uri.lower() != core_schema.lower() and path.attr == "":
        return
    src = _container(source, path, core_schema)
    if src is None:
        # `attributes=urn:…:enterprise:2.0:User` names a whole extension.
        if path.uri is None:
            return
        whole = _key(source, f"{path.uri}:{path.attr}")
        if whole is not None:
            target[whole] = copy.deepcopy(source[whole])
        return
    key = _key(src, path.attr)
    if key is None:
        whole = _key(source, str(path))
        if whole is not None:
            target[whole] = copy.deepcopy(source[whole])
        return
    dst = target
    if src is not source:
        assert path.uri is not None
        ext_key = _key(source, path.uri) or path.uri
        dst = target.setdefault(ext_key, {})
    value = src[key]
    if path.sub_attr is None:
        dst[key] = copy.deepcopy(value)
        return
    if isinstance(value, list):
        picked = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                continue
            sub = _key(item, path.sub_attr)
            current = dst.get(key)
            base = current[index] if isinstance(current, list) and index < len(current) else {}
            if sub is not None:
                base[sub] = copy.deepcopy(item[sub])
            picked.append(base)
        dst[key] = picked
    elif isinstance(value, dict):
        sub = _key(value, path.sub_attr)
        if sub is not None:
            dst.setdefault(key, {})[sub] = copy.deepcopy(value[sub])


def _sort_value(resource: JSON, path: AttrPath, core_schema: str) -> Any:
    values = get_values(resource, path, core_schema=core_schema)
    if path.sub_attr is None and values and isinstance(values[0], dict):
        primary = [v for v in values if _get(v, "primary") is True]
        chosen = (primary or values)[0]
        inner = _get(chosen, "value")
        return None if inner is _MISSING else inner
    return values[0] if values else None


def sort_resources(
    resources: list[JSON], sort_by: str, *, descending: bool = False, core_schema: str
) -> list[JSON]:
    """`resources` ordered by `sort_by` (RFC 7644 §3.4.2.3); those without it go last when
    ascending, first when descending."""
    path = _attr_path(sort_by)

    def key(resource: JSON) -> tuple[int, int, Any]:
        value = _sort_value(resource, path, core_schema)
        if value is None:
            return (1, 0, "")
        if isinstance(value, bool):
            return (0, 0, int(value))
        if isinstance(value, (int, float)):
            return (0, 1, value)
        return (0, 2, str(value).casefold())

    return sorted(resources, key=key, reverse=descending)

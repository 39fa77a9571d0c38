"""Checking a desired resource against its schema before anything is sent.

The core User and Group schemas and the enterprise extension come from RFC 7643 §8.7.1
(`scimkit._rfc7643`); an extension the server describes at `/Schemas` is checked by its
attribute names. What is found: an attribute name that no schema defines (with the closest
valid one), a value of the wrong type, a read-only attribute (a User's `groups`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from .. import _schemas
from .._rfc7643 import core_schema

__all__ = ["COMMON", "resource_problems"]

# RFC 7643 §3.1: the common attributes, in no schema's listing. `id` and `meta` are the
# server's and never sent; `externalId` is the client's.
COMMON = frozenset({"id", "meta", "schemas", "externalid"})

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "reference": (str,),
    "binary": (str,),
    "datetime": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "decimal": (int, float),
    "complex": (dict,),
}


def _definitions(urn: str) -> dict[str, dict[str, Any]]:
    document = core_schema(urn)
    attributes = document["attributes"] if document else []
    return {a["name"].lower(): a for a in attributes}


_USER = _definitions(_schemas.CORE_USER)
_GROUP = _definitions(_schemas.CORE_GROUP)
_ENTERPRISE = _definitions(_schemas.ENTERPRISE_USER)


def _suggest(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_problem(path: str, value: Any, definition: Mapping[str, Any]) -> list[str]:
    kind = str(definition.get("type", "string")).lower()
    expected = _TYPES.get(kind, (object,))
    wrong = not isinstance(value, expected) or (kind == "integer" and isinstance(value, bool))
    if kind == "decimal" and isinstance(value, bool):
        wrong = True
    if wrong:
        return [f"{path} must be {'an object' if kind == 'complex' else 'a ' + kind}"]
    if kind != "complex":
        return []
    subs = {s["name"].lower(): s for s in definition.get("subAttributes", [])}
    return _object_problems(path + ".", value, subs)


def _value_problems(path: str, value: Any, definition: Mapping[str, Any]) -> list[str]:
    if value is None:
        return []  # RFC 7643 §2.5: null is "unassigned", a removal
    if definition.get("mutability") == "readOnly":
        return [f"{path} is read-only (the server sets it)"]
    if definition.get("multiValued"):
        if not isinstance(value, list):
            return [f"{path} must be a list"]
        problems: list[str] = []
        for number, element in enumerate(value):
            problems += _type_problem(f"{path}[{number}]", element, definition)
        return problems
    return _type_problem(path, value, definition)


def _object_problems(
    prefix: str, data: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    problems: list[str] = []
    for key, value in data.items():
        definition = definitions.get(key.lower())
        if definition is None:
            names = [d["name"] for d in definitions.values()]
            problems.append(f"unknown attribute {prefix}{key}{_suggest(key, names)}")
        else:
            problems += _value_problems(prefix + key, value, definition)
    return problems


def resource_problems(
    data: Mapping[str, Any], resource_type: str, extensions: Mapping[str, set[str]]
) -> list[str]:
    """Every problem of one desired `"User"` or `"Group"` (JSON as the server sees it).

    `extensions` maps the lower-cased URNs of extensions the server described to their
    attribute names; an extension neither the RFC nor the server describes is not checked.
    The problems depend only on the record's shape (names and types, not values), so they
    are kept by shape: a directory of similar records is checked once per shape.
    """
    if extensions:
        return _problems(data, resource_type, extensions)
    shape = (resource_type, _shape(data))
    found = _SHAPES.get(shape)
    if found is None:
        found = _problems(data, resource_type, extensions)
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        _SHAPES[shape] = found
    return list(found)


def _problems(
    data: Mapping[str, Any], resource_type: str, extensions: Mapping[str, set[str]]
) -> list[str]:
    core = _USER if resource_type == "User" else _GROUP
    problems: list[str] = []
    for key, value in data.items():
        if not isinstance(key, str):
            problems.append(f"attribute name {key!r} is not a string")
            continue
        lower = key.lower()
        if lower in COMMON:
            if lower == "externalid" and value is not None and not isinstance(value, str):
                problems.append("externalId must be a string")
            continue
        if lower.startswith("urn:"):
            problems += _extension_problems(key, value, resource_type, extensions)
            continue
        definition = core.get(lower)
        if definition is None:
            names = [d["name"] for d in core.values()]
            problems.append(f"unknown attribute {key!r}{_suggest(key, names)}")
        else:
            problems += _value_problems(key, value, definition)
    return problems


# Checking is the costliest part of planning a large directory, and its records share a
# few shapes: their problems are kept by shape.
_SHAPES: dict[tuple[str, Any], list[str]] = {}
_MAX_SHAPES = 4096


def _shape(value: Any) -> Any:
    """The names and types of a JSON value, what its problems depend on."""
    kind = type(value)
    if kind is dict:
        return tuple([(k, _shape(v)) for k, v in value.items()])
    if kind is list:
        return (list, *[_shape(v) for v in value])
    return kind


def _extension_problems(
    urn: str, value: Any, resource_type: str, extensions: Mapping[str, set[str]]
) -> list[str]:
    if not isinstance(value, dict):
        return [f"{urn} must be an object of extension attributes"]
    if resource_type == "User" and urn.lower() == _schemas.ENTERPRISE_USER.lower():
        return _object_problems(f"{urn}:", value, _ENTERPRISE)
    known = extensions.get(urn.lower())
    if not known:
        return []
    lowered = {name.lower() for name in known}
    return [
        f"unknown attribute {urn}:{sub}{_suggest(sub, known)}"
        for sub in value
        if sub.lower() not in lowered
    ]

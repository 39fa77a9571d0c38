"""The schemas a strict `SCIMServer` serves at `/Schemas` and checks every write against.

`SchemaSet` holds the Schema documents (RFC 7643 §7): the core User, Group and enterprise
User extension of RFC 7643 §8.7.1 (from `scimkit._rfc7643`) and any a user registers. For
each resource type it compiles one lookup table (attribute names lower-cased, RFC 7643 §2.1),
so a check costs one dict walk over what the client sent.

- `check_resource` checks a resource given to POST or PUT, or the result of a PATCH
  (RFC 7643 §2 and §7, RFC 7644 §3.5.1): unknown attributes and schema URNs, wrong types,
  required attributes, `readOnly` values (ignored in POST and PUT, refused in PATCH) and
  changes to `immutable` ones.
- `check_patch_operations` checks where SCIM 2.0 PATCH operations point before they are
  applied (RFC 7644 §3.5.2): unknown attributes (`invalidPath`), `readOnly` targets
  (`mutability`).
- `check_patch_dialect` refuses a PATCH body of the other SCIM version.

Every refusal is an `EngineError` with the status, `scimType` (RFC 7644 §3.12) and a detail
naming the attribute. Where RFC 7644 allows either `invalidSyntax` or `invalidValue`, the
choice is what `scim2-server` answers: `invalidSyntax` for a name or URN the schema does not
have, `invalidValue` for a value of the wrong type or a missing required one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, Callable

from .. import _rfc7643, _schemas
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
from ._engine import EngineError, matches

__all__ = [
    "SchemaSet",
    "Table",
    "check_filter",
    "check_patch_dialect",
    "check_patch_operations",
    "check_resource",
    "check_v1_removals",
]

JSON = dict[str, Any]

KINDS = ("string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex")
_MUTABILITY = ("readOnly", "readWrite", "immutable", "writeOnly")
# RFC 7643 §2.3.5: xsd:dateTime, e.g. 2008-01-23T04:56:22Z.
_DATE_TIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_BASE64 = re.compile(r"[A-Za-z0-9+/\s]*=?=?\s*")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# What a JSON value of each RFC 7643 §2.3 type looks like once parsed.
_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "reference": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_int,
    "decimal": lambda v: _is_int(v) or isinstance(v, float),
    "dateTime": lambda v: isinstance(v, str) and _DATE_TIME.fullmatch(v) is not None,
    "binary": lambda v: isinstance(v, str) and _BASE64.fullmatch(v) is not None,
    "complex": lambda v: isinstance(v, dict),
}
_JSON_NAMES = {bool: "boolean", int: "number", float: "number", str: "string", dict: "object"}

# SCIM 2.0 URNs and what SCIM 1.1 (as Slack speaks it) calls the same schema.
_V1_NAMES = {
    _schemas.CORE_USER.lower(): _schemas.V1_CORE,
    _schemas.CORE_GROUP.lower(): _schemas.V1_CORE,
    _schemas.ENTERPRISE_USER.lower(): _schemas.V1_ENTERPRISE_USER,
}
_V1_URNS = frozenset({_schemas.V1_CORE.lower(), _schemas.V1_ENTERPRISE_USER.lower()})
# RFC 7643 §3.1: on every resource, in no schema's attribute list. id and meta are readOnly.
_COMMON = frozenset({"id", "externalid", "meta", "schemas"})


class Attribute:
    """One compiled attribute definition: what a check needs, nothing else."""

    __slots__ = ("name", "kind", "multi", "required", "mutability", "sub", "check", "plain")

    def __init__(self, document: Any, where: str) -> None:
        if not isinstance(document, Mapping):
            raise TypeError(f"document: an attribute of {where} must be a dict")
        name, kind = document.get("name"), document.get("type", "string")
        if not isinstance(name, str) or not name:
            raise ValueError(f"document: an attribute of {where} has no name")
        if kind not in KINDS:
            raise ValueError(f"document: {where} attribute {name!r} has an unknown type {kind!r}")
        mutability = document.get("mutability", "readWrite")
        if mutability not in _MUTABILITY:
            raise ValueError(f"document: {where} attribute {name!r}: bad mutability")
        self.name: str = name
        self.kind: str = kind
        self.multi = document.get("multiValued") is True
        self.required = document.get("required") is True
        self.mutability: str = mutability
        self.sub: Attributes | None = None
        if kind == "complex":
            self.sub = compile_attributes(document.get("subAttributes") or [], f"{where}.{name}")
        self.check: Callable[[Any], bool] = _CHECKS[kind]
        # The common case, checked in one step: one simple value anyone may write.
        self.plain = (
            not self.multi and self.sub is None and mutability in ("readWrite", "writeOnly")
        )


class Attributes(dict[str, "Attribute"]):
    """Attribute definitions keyed by their lower-cased name, and which are required."""

    required: tuple[Attribute, ...] = ()


def compile_attributes(documents: Any, where: str) -> Attributes:
    """Attribute definitions keyed by their lower-cased name."""
    if not isinstance(documents, list):
        raise TypeError(f"document: the attributes of {where} must be a list")
    compiled = Attributes((a.name.lower(), a) for a in (Attribute(d, where) for d in documents))
    compiled.required = tuple(
        a for a in compiled.values() if a.required and a.mutability != "readOnly"
    )
    return compiled


class Table:
    """What one resource type accepts: its core schema's attributes (None: a type without a
    registered schema, stored as it comes) and its extensions, by lower-cased URN."""

    __slots__ = ("core", "attributes", "extensions", "required_extensions", "version")

    def __init__(
        self,
        core: str,
        attributes: Attributes | None,
        extensions: dict[str, tuple[str, Attributes]],
        required_extensions: list[str],
        version: str,
    ) -> None:
        self.core = core
        self.attributes = attributes
        self.extensions = extensions
        self.required_extensions = required_extensions
        self.version = version


class SchemaSet:
    """The Schema documents of one server, and a `Table` per resource type built from them.

    `resource_types` maps an endpoint ("Users") to its core schema URN; in SCIM 1.1 mode the
    RFC 7643 URNs read as Slack's 1.1 ones (`urn:scim:schemas:core:1.0`, …).
    """

    def __init__(self, resource_types: Mapping[str, str], version: str) -> None:
        self._resource_types = resource_types
        self._version = version
        self._documents: dict[str, JSON] = {d["id"].lower(): d for d in _rfc7643.core_schemas()}
        # endpoint -> [(extension URN, required)]
        self._extensions: dict[str, list[tuple[str, bool]]] = {
            "Users": [(_schemas.ENTERPRISE_USER, False)]
        }
        self._compiled: dict[str, Attributes] = {
            urn: compile_attributes(d["attributes"], d["id"]) for urn, d in self._documents.items()
        }
        self._tables: dict[str, Table] = {}

    def add(self, document: Any, *, extension_of: str | None, required: bool) -> None:
        """Register (or replace) a Schema document; see `SCIMServer.add_schema`."""
        if not isinstance(document, Mapping):
            raise TypeError(f"document must be a dict, not {type(document).__name__}")
        urn = document.get("id")
        if not isinstance(urn, str) or not urn.lower().startswith("urn:"):
            raise ValueError("document: its id must be the schema's URN, e.g. 'urn:example:Device'")
        if extension_of is not None and extension_of not in self._resource_types:
            raise ValueError(
                f"extension_of must be one of {tuple(self._resource_types)}, not {extension_of!r}"
            )
        compiled = compile_attributes(document.get("attributes", []), urn)
        fresh = copy.deepcopy(dict(document))
        fresh.setdefault("name", urn.rsplit(":", 1)[-1])
        self._documents[urn.lower()] = fresh
        self._compiled[urn.lower()] = compiled
        if extension_of is not None:
            listed = [
                e for e in self._extensions.get(extension_of, []) if e[0].lower() != urn.lower()
            ]
            self._extensions[extension_of] = [*listed, (urn, required)]
        self._tables.clear()

    def extensions(self, endpoint: str) -> list[tuple[str, bool]]:
        """The extension URNs of a resource type and whether each is required."""
        return [(self._named(urn), req) for urn, req in self._extensions.get(endpoint, [])]

    def documents(self) -> list[JSON]:
        """Copies of what `/Schemas` lists: each resource type's core schema (one without a
        registered schema gets an empty attribute list), then the extensions."""
        seen: set[str] = set()
        listed: list[JSON] = []
        urns = list(self._resource_types.values())
        urns += [urn for ext in self._extensions.values() for urn, _ in ext]
        for urn in urns:
            if urn.lower() in seen:
                continue
            seen.add(urn.lower())
            found = self._documents.get(urn.lower())
            document = copy.deepcopy(found) if found else {"id": urn, "attributes": []}
            document.setdefault("name", urn.rsplit(":", 1)[-1])
            listed.append(document)
        return listed

    def table(self, endpoint: str) -> Table:
        """The compiled table of a resource type, built on first use."""
        table = self._tables.get(endpoint)
        if table is None:
            urn = self._resource_types[endpoint]
            extensions: dict[str, tuple[str, Attributes]] = {}
            required = []
            for ext, needed in self._extensions.get(endpoint, []):
                named = self._named(ext)
                extensions[named.lower()] = (named, self._compiled.get(ext.lower(), Attributes()))
                if needed:
                    required.append(named)
            attributes = self._compiled.get(urn.lower())
            table = Table(self._named(urn), attributes, extensions, required, self._version)
            self._tables[endpoint] = table
        return table

    def _named(self, urn: str) -> str:
        """A URN as this server's SCIM version writes it."""
        return _V1_NAMES.get(urn.lower(), urn) if self._version == "1.1" else urn


# -- resources ------------------------------------------------------------------------------


def _refuse(detail: str, scim_type: str) -> EngineError:
    return EngineError(detail, scim_type=scim_type)


def _described(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    shown = repr(value) if not isinstance(value, dict) else "{…}"
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{_JSON_NAMES.get(type(value), type(value).__name__)} {shown}"


def _absent(value: Any) -> bool:
    # RFC 7643 §2.5: null, "" and [] all mean unassigned.
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def check_resource(table: Table, data: JSON, *, current: JSON | None, patching: bool) -> JSON:
    """A checked copy of `data` for POST/PUT (`current` the stored resource a PUT replaces)
    or of a PATCH result (`patching`, `current` the resource before it): readOnly values
    left out (POST/PUT), `id` and `meta` left out (the store sets them)."""
    attributes = table.attributes
    if attributes is None:
        return {k: v for k, v in data.items() if k.lower() not in ("id", "meta")}
    listed = _listed_schemas(table, data)
    clean: JSON = {}
    extensions: list[str] = []
    for key, value in data.items():
        lower = key.lower()
        attribute = attributes.get(lower)
        if attribute is not None:
            if attribute.plain and attribute.check(value):
                clean[key] = value  # the common case, in one step
            else:
                clean.update(_checked_attribute(table, key, value, current, patching))
        elif lower in _COMMON:
            # RFC 7644 §3.5.1: id and meta are readOnly, their values "SHALL be ignored".
            if lower == "externalid" and value is not None and not isinstance(value, str):
                raise _refuse(
                    f"attribute {key!r} must be a string, not {_described(value)}", "invalidValue"
                )
            if lower in ("schemas", "externalid"):
                clean[key] = value
        elif lower in table.extensions:
            if value is not None:
                before = _extension_of(current, lower)
                clean[key] = _checked_extension(table, key, value, listed, before, patching)
                extensions.append(lower)
        else:
            clean.update(_checked_attribute(table, key, value, current, patching))
    _check_required(attributes, clean, patching, table.core, "")
    for urn in table.required_extensions:
        if urn.lower() not in extensions:
            raise _refuse(f"the extension {urn} is required for this resource type", "invalidValue")
    return clean


def _checked_extension(
    table: Table,
    key: str,
    value: Any,
    listed: set[str] | None,
    before: JSON | None,
    patching: bool,
) -> JSON:
    """The checked object of an extension (RFC 7643 §3: under its URN, listed in schemas)."""
    urn, attributes = table.extensions[key.lower()]
    if not isinstance(value, dict):
        raise _refuse(
            f"the extension {key!r} must be an object, not {_described(value)}", "invalidValue"
        )
    if listed is not None and key.lower() not in listed:
        raise _refuse(f"the extension {key!r} is used but not listed in schemas", "invalidSyntax")
    clean = _checked_object(attributes, value, before, patching, urn, "")
    _check_required(attributes, clean, patching, urn, "")
    return clean


def _extension_of(current: JSON | None, lower: str) -> JSON | None:
    if current is None:
        return None
    found = next((v for k, v in current.items() if k.lower() == lower), None)
    return found if isinstance(found, dict) else None


def _listed_schemas(table: Table, data: JSON) -> set[str] | None:
    """The lower-cased URNs of `data`'s `schemas`, checked (RFC 7643 §3); None if absent."""
    schemas = next((v for k, v in data.items() if k.lower() == "schemas"), None)
    if schemas is None:
        return None
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise _refuse("schemas must be a list of schema URNs", "invalidSyntax")
    listed = {s.lower() for s in schemas}
    for urn in schemas:
        lower = urn.lower()
        if lower != table.core.lower() and lower not in table.extensions:
            raise _refuse(_unknown_urn(table, urn, "schemas"), "invalidSyntax")
    if table.core.lower() not in listed:
        raise _refuse(f"schemas must list the core schema {table.core!r}", "invalidSyntax")
    return listed


def _unknown_urn(table: Table, urn: str, where: str) -> str:
    lower = urn.lower()
    if table.version == "2.0" and lower in _V1_URNS:
        return f"{urn} in {where} is a SCIM 1.1 schema: this server speaks SCIM 2.0"
    if table.version == "1.1" and lower.startswith("urn:ietf:params:scim:"):
        return f"{urn} in {where} is a SCIM 2.0 schema: this server speaks SCIM 1.1"
    known = ", ".join([table.core, *(urn for urn, _ in table.extensions.values())])
    return f"unknown schema {urn!r} in {where}; this resource type has {known}"


def _checked_attribute(
    table: Table, key: str, value: Any, current: JSON | None, patching: bool
) -> JSON:
    """`{key: checked value}` for a core attribute, or `{}` for a readOnly one in POST/PUT."""
    assert table.attributes is not None
    attribute = table.attributes.get(key.lower())
    if attribute is None:
        if key.lower().startswith("urn:"):
            raise _refuse(_unknown_urn(table, key, "the resource"), "invalidSyntax")
        raise _refuse(f"unknown attribute {key!r} in {table.core}", "invalidSyntax")
    before = None if current is None else _value_of(current, key)
    checked = _checked_value(attribute, value, before, patching, table.core, key)
    return {} if checked is _DROPPED else {key: checked}


_DROPPED: Any = object()


def _value_of(obj: JSON, name: str) -> Any:
    if name in obj:
        return obj[name]
    lower = name.lower()
    return next((v for k, v in obj.items() if k.lower() == lower), None)


def _checked_value(
    attribute: Attribute, value: Any, before: Any, patching: bool, urn: str, name: str
) -> Any:
    """The value to store for `attribute` (`_DROPPED` for none), or a refusal."""
    if attribute.mutability == "readOnly":
        if not patching:
            return _DROPPED  # RFC 7644 §3.5.1
        if value != before:
            raise _refuse(f"attribute {name!r} is read-only", "mutability")
        return value
    if value is None:
        return None
    if attribute.multi:
        if not isinstance(value, list):
            raise _refuse(
                f"attribute {name!r} is multi-valued: it must be a list of "
                f"{attribute.kind} values, not {_described(value)}",
                "invalidValue",
            )
        return [_checked_single(attribute, item, None, patching, urn, name) for item in value]
    if isinstance(value, list):
        raise _refuse(
            f"attribute {name!r} is single-valued: it must be {_a(attribute.kind)}, not a list",
            "invalidValue",
        )
    if attribute.mutability == "immutable" and not _absent(before) and value != before:
        # RFC 7644 §3.5.1: an immutable value already set must be given unchanged.
        raise _refuse(f"attribute {name!r} is immutable: it is already set", "mutability")
    return _checked_single(attribute, value, before, patching, urn, name)


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _checked_single(
    attribute: Attribute, value: Any, before: Any, patching: bool, urn: str, name: str
) -> Any:
    if value is None:
        return None
    if not attribute.check(value):
        raise _refuse(
            f"attribute {name!r} must be {_a(attribute.kind)}, not {_described(value)}",
            "invalidValue",
        )
    if attribute.sub is None:
        return value
    previous = before if isinstance(before, dict) else None
    return _checked_object(attribute.sub, value, previous, patching, urn, f"{name}.")


def _checked_object(
    attributes: Attributes,
    value: JSON,
    current: JSON | None,
    patching: bool,
    urn: str,
    prefix: str,
) -> JSON:
    """A checked copy of a complex value or an extension's object."""
    clean: JSON = {}
    for key, sub in value.items():
        attribute = attributes.get(key.lower())
        if attribute is not None and attribute.plain and attribute.check(sub):
            clean[key] = sub
            continue
        if attribute is None:
            raise _refuse(f"unknown attribute {prefix + key!r} in {urn}", "invalidSyntax")
        before = None if current is None else _value_of(current, key)
        checked = _checked_value(attribute, sub, before, patching, urn, prefix + key)
        if checked is not _DROPPED:
            clean[key] = checked
    if prefix:
        _check_required(attributes, clean, patching, urn, prefix)
    return clean


def _check_required(
    attributes: Attributes, obj: JSON, patching: bool, urn: str, prefix: str
) -> None:
    for attribute in attributes.required:
        if _absent(_value_of(obj, attribute.name)):
            name = prefix + attribute.name
            if patching:
                # RFC 7644 names no code for it; mutability ("not compatible with the target
                # attribute's ... current state", §3.12) is what scim2-server answers.
                raise _refuse(f"required attribute {name!r} cannot be removed", "mutability")
            raise _refuse(f"required attribute {name!r} is missing in {urn}", "invalidValue")


# -- PATCH ----------------------------------------------------------------------------------


def check_patch_dialect(version: str, body: JSON) -> None:
    """Refuse a PATCH body of the other SCIM version: a SCIM 2.0 PatchOp on a 1.1 server, a
    1.1 partial resource on a 2.0 server."""
    lowered = {k.lower(): v for k, v in body.items()}
    schemas = lowered.get("schemas")
    urns = (
        {s.lower() for s in schemas if isinstance(s, str)} if isinstance(schemas, list) else set()
    )
    if version == "1.1":
        if _schemas.PATCH_OP.lower() in urns or "operations" in lowered:
            raise _refuse(
                "this server speaks SCIM 1.1: PATCH takes a partial resource (values to add, "
                "`operation: delete` items, `meta.attributes` to remove), not a SCIM 2.0 PatchOp",
                "invalidSyntax",
            )
        return
    if _schemas.PATCH_OP.lower() in urns:
        return
    if urns & _V1_URNS or (not urns and "operations" not in lowered and lowered):
        raise _refuse(
            "this server speaks SCIM 2.0: PATCH takes a PatchOp message "
            f"({_schemas.PATCH_OP}) with Operations, not a SCIM 1.1 partial resource",
            "invalidSyntax",
        )
    if schemas is not None:
        raise _refuse(
            f"a PATCH body must be a PatchOp message ({_schemas.PATCH_OP})", "invalidSyntax"
        )


def check_v1_removals(table: Table, body: JSON) -> None:
    """SCIM 1.1 PATCH names the attributes to remove in `meta.attributes`: each must be one
    the schema has, or a typo would remove nothing and pass unnoticed."""
    meta = next((v for k, v in body.items() if k.lower() == "meta"), None)
    names = meta.get("attributes") if isinstance(meta, dict) else None
    if table.attributes is None or names is None:
        return
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _refuse("meta.attributes must be a list of attribute names", "invalidSyntax")
    for name in names:
        try:
            parsed = parse_path(name)
        except FilterSyntaxError:
            detail = f"meta.attributes: {name!r} is not an attribute name"
            raise _refuse(detail, "invalidSyntax") from None
        _check_target(table, parsed, "invalidSyntax")


def check_patch_operations(table: Table, operations: Any, resource: JSON) -> None:
    """Check where each SCIM 2.0 PATCH operation on `resource` points, before any is
    applied. Shapes the engine refuses itself (no list, a bad op, a path that does not
    parse) are left to it."""
    if table.attributes is None or not isinstance(operations, list):
        return
    touched: set[str] = set()  # attributes changed by the operations checked so far
    for number, operation in enumerate(operations, 1):
        if not isinstance(operation, dict):
            continue
        lowered = {k.lower(): v for k, v in operation.items()}
        path, value = lowered.get("path"), lowered.get("value")
        try:
            if isinstance(path, str) and path.strip():
                try:
                    parsed = parse_path(path)
                except FilterSyntaxError:
                    continue
                _check_target(table, parsed, "invalidPath")
                name = parsed.path.attr.lower()
                if str(lowered.get("op")).lower() == "remove" and name not in touched:
                    _check_removed(table, parsed, resource)
                touched.add(name)
            elif isinstance(value, dict):
                _check_names(table, value)
                touched.update(k.lower() for k in value)
        except EngineError as exc:
            exc.detail = f"operation {number}: {exc.detail}"
            exc.args = (exc.detail,)
            raise


def _check_removed(table: Table, parsed: PatchPath, resource: JSON) -> None:
    """RFC 7644 §3.12: a remove whose value filter selects nothing is `noTarget` (the engine
    already says so for replace; a remove of nothing would otherwise pass unnoticed)."""
    if parsed.value_filter is None:
        return
    node = ValuePath(parsed.path, parsed.value_filter)
    if not matches(resource, node, core_schema=table.core):
        raise _refuse(f"no value matches {str(parsed)!r}", "noTarget")


def _check_names(table: Table, value: JSON) -> None:
    """The members of a path-less add/replace value: attribute names (maybe dotted or
    URN-prefixed), the core URN or an extension's URN with an object of attributes."""
    for name, sub in value.items():
        lower = name.lower()
        if lower == table.core.lower() and isinstance(sub, dict):
            _check_names(table, sub)
        elif lower in table.extensions:
            urn, _ = table.extensions[lower]
            for attr in sub if isinstance(sub, dict) else {}:
                _check_target(table, PatchPath(AttrPath(attr, uri=urn)), "invalidValue")
        else:
            try:
                parsed = parse_path(name)
            except FilterSyntaxError:
                continue  # the engine names it
            _check_target(table, parsed, "invalidValue")


def _resolve(table: Table, path: AttrPath, scim_type: str) -> tuple[str, Attributes] | None:
    """The URN and attributes `path` lives in; None for a whole extension or a common
    attribute (which the engine guards)."""
    assert table.attributes is not None
    uri = path.uri
    if uri is None or uri.lower() == table.core.lower():
        if path.attr.lower() in _COMMON:
            return None
        return table.core, table.attributes
    extension = table.extensions.get(uri.lower())
    if extension is not None:
        return extension
    if path.sub_attr is None and f"{uri}:{path.attr}".lower() in table.extensions:
        return None  # the whole extension, `urn:…:enterprise:2.0:User`
    raise _refuse(_unknown_urn(table, f"{uri}:{path.attr}", "the path"), scim_type)


def _check_target(table: Table, parsed: PatchPath, scim_type: str) -> None:
    path = parsed.path
    found = _resolve(table, path, scim_type)
    if found is None:
        return
    urn, attributes = found
    attribute = attributes.get(path.attr.lower())
    if attribute is None:
        raise _refuse(f"unknown attribute {path.attr!r} in {urn}", scim_type)
    sub_name = path.sub_attr or parsed.sub_attr
    name = path.attr if sub_name is None else f"{path.attr}.{sub_name}"
    if attribute.mutability == "readOnly":
        raise _refuse(f"attribute {name!r} is read-only", "mutability")
    if parsed.value_filter is not None:
        for inner in _filter_names(parsed.value_filter):
            _sub_attribute(attribute, inner, urn, scim_type)
    if sub_name is None:
        return
    sub = _sub_attribute(attribute, sub_name, urn, scim_type)
    if sub.mutability == "readOnly":
        raise _refuse(f"attribute {name!r} is read-only", "mutability")
    if sub.mutability == "immutable" and attribute.multi:
        raise _refuse(
            f"attribute {name!r} is immutable: add or remove whole {path.attr} values",
            "mutability",
        )


def _sub_attribute(attribute: Attribute, name: str, urn: str, scim_type: str) -> Attribute:
    found = None if attribute.sub is None else attribute.sub.get(name.lower())
    if found is None:
        if attribute.sub is None and name.lower() == "value":
            return attribute  # `tags[value eq "x"]` on a multi-valued simple attribute
        raise _refuse(f"unknown attribute {attribute.name + '.' + name!r} in {urn}", scim_type)
    return found


def check_filter(table: Table, node: Filter) -> None:
    """Every attribute a search filter names must be one the schemas have (RFC 7644 §3.12
    invalidFilter, as scim2-server answers): a typo would otherwise match nothing, silently."""
    if table.attributes is None:
        return
    for leaf in _leaves(node):
        if isinstance(leaf, ValuePath):
            found = _readable(table, leaf.path)
            if found is not None:
                urn, attribute = found
                for name in _filter_names(leaf.filter):
                    _sub_attribute(attribute, name, urn, "invalidFilter")
        else:
            _readable(table, leaf.path)


def _readable(table: Table, path: AttrPath) -> tuple[str, Attribute] | None:
    """The URN and definition of the attribute `path` names in a filter, or None for a
    common attribute (`id`, `meta.created`…); an unknown name is refused."""
    found = _resolve(table, path, "invalidFilter")
    if found is None:
        return None
    urn, attributes = found
    attribute = attributes.get(path.attr.lower())
    if attribute is None:
        raise _refuse(f"unknown attribute {path.attr!r} in {urn}", "invalidFilter")
    if path.sub_attr is not None:
        _sub_attribute(attribute, path.sub_attr, urn, "invalidFilter")
    return urn, attribute


def _filter_names(node: Filter) -> list[str]:
    """The attribute names a value filter compares (`type` in `emails[type eq "work"]`)."""
    return [leaf.path.attr for leaf in _leaves(node)]


def _leaves(node: Filter) -> list[Comparison | Present | ValuePath]:
    """The comparisons of a filter, left to right, found with a stack rather than recursion:
    a chain of a thousand `or`s is a thousand levels deep."""
    leaves: list[Comparison | Present | ValuePath] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, (And, Or)):
            pending += [current.right, current.left]
        elif isinstance(current, Not):
            pending.append(current.expr)
        elif isinstance(current, (Comparison, Present, ValuePath)):
            leaves.append(current)
    return leaves

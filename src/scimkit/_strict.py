"""Strict mode: what a successful answer breaks of RFC 7643 / RFC 7644. Pure: data in, text out.

A `strict=True` client runs `contract_problem` on every 2xx; a problem found makes the response
not `ok`, with `errors.detail` saying what. `check_filter` parses a filter given as text before
anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _schemas
from ._wire import shown
from .filters import parse_filter
from .responses import (
    ResourceResponse,
    ResourceTypesResponse,
    SchemasResponse,
    SCIMResponse,
    SearchResponse,
    ServiceProviderConfigResponse,
)

if TYPE_CHECKING:
    from typing_extensions import TypeGuard

    from ._request import Dialect
    from .discovery import Discovery

__all__ = [
    "check_filter",
    "contract_problem",
    "discovery_list_problems",
    "is_int",
    "list_problems",
    "resource_problems",
    "schema_problems",
]

_CARRIES_BODY = (
    ResourceResponse,
    SearchResponse,
    ServiceProviderConfigResponse,
    ResourceTypesResponse,
    SchemasResponse,
)


def check_filter(filter: object) -> None:
    """Parse a filter given as text; a syntax error raises `FilterSyntaxError` (a `ValueError`)
    pointing at the problem. Lenient clients skip this: a server may accept an extension."""
    if isinstance(filter, str):
        parse_filter(filter)


def contract_problem(
    response: SCIMResponse,
    *,
    expected: tuple[int, ...],
    narrowed: bool,
    dialect: Dialect,
    discovery: Discovery | None,
) -> str | None:
    """What a success breaks of RFC 7644, or None.

    `narrowed`: the read asked for some attributes only, so required ones may be left out
    (RFC 7644 §3.9). `discovery`, once read, adds the server's own schema rules.
    """
    problems: list[str] = []
    status = response.status_code
    if expected and status not in expected:
        allowed = ", ".join(str(code) for code in expected)
        problems.append(f"status {status} is not one this operation returns ({allowed})")
    if response.raw_body.strip():
        content_type = response.headers.get("Content-Type")
        media = (content_type or "").split(";")[0].strip().lower()
        if media not in ("application/scim+json", "application/json"):
            problems.append(f"Content-Type {content_type!r} is not SCIM JSON (RFC 7644 §3.1)")
    if isinstance(response, _CARRIES_BODY) and status in (200, 201) and response.errors is None:
        if not response.raw_body.strip():
            problems.append(f"the {status} answer has no body, where RFC 7644 returns one")
        elif isinstance(response, SearchResponse):
            problems.extend(list_problems(response.body, is_v1=dialect.is_v1))
        elif isinstance(response, ResourceResponse):
            problems.extend(resource_problems(response.body, is_v1=dialect.is_v1))
        elif isinstance(response, (ResourceTypesResponse, SchemasResponse)):
            problems.extend(discovery_list_problems(response, is_v1=dialect.is_v1))
    if isinstance(response, ResourceResponse) and response.body and discovery is not None:
        cls = response.resource_class
        core = dialect.core_schema(cls)
        problems.extend(schema_problems(response.body, core, discovery, narrowed, cls.__name__))
    return "; ".join(problems) or None


def is_int(value: object) -> TypeGuard[int]:
    """A JSON integer (`true` and `false` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def list_problems(body: Mapping[str, Any], *, is_v1: bool) -> list[str]:
    """A ListResponse's shape (RFC 7644 §3.4.2)."""
    problems = []
    total = body.get("totalResults")
    if total is None:
        problems.append("totalResults is missing from the ListResponse")
    elif not is_int(total) or total < 0:
        problems.append(f"totalResults is not a non-negative integer: {shown(total)}")
    for name in ("startIndex", "itemsPerPage"):
        value = body.get(name)
        if value is not None and not is_int(value):
            problems.append(f"{name} is not an integer: {shown(value)}")
    found = body.get("Resources")
    if found is None:
        if is_int(total) and total > 0:
            problems.append(f"Resources is missing, yet totalResults is {total}")
    elif not isinstance(found, list):
        problems.append(f"Resources is a JSON {type(found).__name__}, not an array")
    elif not all(isinstance(item, dict) for item in found):
        problems.append("Resources holds entries that are not JSON objects")
    if not is_v1:
        schemas = body.get("schemas")
        if not isinstance(schemas, list) or _schemas.LIST_RESPONSE not in schemas:
            problems.append(f"schemas does not name {_schemas.LIST_RESPONSE}")
    return problems


def resource_problems(body: Mapping[str, Any], *, is_v1: bool) -> list[str]:
    """What every returned resource carries (RFC 7643 §3: `id` always; 2.0: `schemas`)."""
    problems = []
    resource_id = body.get("id")
    if not isinstance(resource_id, str) or not resource_id:
        problems.append("the resource has no id (RFC 7643 §3.1: returned always)")
    if not is_v1:
        schemas = body.get("schemas")
        if not isinstance(schemas, list) or not schemas:
            problems.append("the resource has no schemas (RFC 7643 §3)")
    return problems


def schema_problems(
    body: Mapping[str, Any],
    core_schema: str,
    discovery: Discovery,
    narrowed: bool = False,
    name: str | None = None,
) -> list[str]:
    """The resource against the server's own schema: `required` and `returned` rules."""
    schema = discovery.schema(core_schema, name=name)
    if schema is None:
        return []
    present = {str(key).lower() for key, value in body.items() if value is not None}
    problems = []
    for definition in schema.attributes or []:
        name = getattr(definition, "name", None)
        if not isinstance(name, str):
            continue
        returned = _text(getattr(definition, "returned", None))
        writable_only = _text(getattr(definition, "mutability", None)) == "writeonly"
        if returned == "never" and name.lower() in present:
            problems.append(f"{name} is returned, but the schema says returned=never")
        elif (
            getattr(definition, "required", False)
            and not narrowed
            and not writable_only
            and returned != "never"
            and name.lower() not in present
        ):
            problems.append(f"required attribute {name} is missing")
    return problems


def _text(value: object) -> str:
    """A schema characteristic in lower case; not a string (a server's `[[[...]]]`) is ''."""
    return value.lower() if isinstance(value, str) else ""


# -- the discovery listings: /ResourceTypes and /Schemas (RFC 7644 §4) ----------------------

# What each listing holds: its resources' schema URN and `meta.resourceType` (RFC 7643 §6, §7).
_DISCOVERY_KINDS = {
    "ResourceTypes": (_schemas.RESOURCE_TYPE, "ResourceType"),
    "Schemas": (_schemas.SCHEMA, "Schema"),
}


def discovery_list_problems(response: SCIMResponse, *, is_v1: bool) -> list[str]:
    """`/ResourceTypes` or `/Schemas`: a ListResponse (RFC 7644 §4) whose every entry has an
    `id` and, in SCIM 2.0, the listing's schema URN and `meta.resourceType`."""
    body = response.body
    if not isinstance(body, Mapping):
        return [f"the answer is a JSON {type(body).__name__}, not a ListResponse (RFC 7644 §4)"]
    problems = list_problems(body, is_v1=is_v1)
    name = "ResourceTypes" if isinstance(response, ResourceTypesResponse) else "Schemas"
    urn, resource_type = _DISCOVERY_KINDS[name]
    found = body.get("Resources")
    entries = found if isinstance(found, list) else []
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping):
            where = f"{name}[{index}]"
            problems.extend(_discovery_entry_problems(entry, where, urn, resource_type, is_v1))
    return problems


def _discovery_entry_problems(
    entry: Mapping[str, Any], where: str, urn: str, resource_type: str, is_v1: bool
) -> list[str]:
    problems = []
    entry_id = entry.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        problems.append(f"{where} has no id (RFC 7643 §3.1: returned always)")
    if is_v1:
        return problems
    schemas = entry.get("schemas")
    if not isinstance(schemas, list) or urn not in schemas:
        problems.append(f"{where}.schemas does not name {urn}")
    meta = entry.get("meta")
    kind = meta.get("resourceType") if isinstance(meta, Mapping) else None
    if kind != resource_type:
        problems.append(f"{where}.meta.resourceType is not {resource_type!r}")
    return problems

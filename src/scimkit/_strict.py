"""Strict mode: what a successful answer breaks of RFC 7643 / RFC 7644. Pure: data in, text out.

A `strict=True` client runs `contract_problem` on every 2xx; a problem found makes the response
not `ok`, with `errors.detail` saying what. `check_filter` parses a filter given as text before
anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _schemas
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
    if isinstance(response, ResourceResponse) and response.body and discovery is not None:
        core = dialect.core_schema(response.resource_class)
        problems.extend(schema_problems(response.body, core, discovery, narrowed))
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
        problems.append(f"totalResults is not a non-negative integer: {total!r}")
    for name in ("startIndex", "itemsPerPage"):
        value = body.get(name)
        if value is not None and not is_int(value):
            problems.append(f"{name} is not an integer: {value!r}")
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
    body: Mapping[str, Any], core_schema: str, discovery: Discovery, narrowed: bool = False
) -> list[str]:
    """The resource against the server's own schema: `required` and `returned` rules."""
    schema = discovery.schema(core_schema)
    if schema is None:
        return []
    present = {str(key).lower() for key, value in body.items() if value is not None}
    problems = []
    for definition in schema.attributes or []:
        name = getattr(definition, "name", None)
        if not isinstance(name, str):
            continue
        returned = str(getattr(definition, "returned", "") or "").lower()
        writable_only = str(getattr(definition, "mutability", "") or "").lower() == "writeonly"
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

"""`bulkId` references (RFC 7644 §3.7.2), shared by the client and the local server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["resolve_bulk_ids", "unresolved_bulk_id"]

_PREFIX = "bulkId:"


def resolve_bulk_ids(value: Any, created: Mapping[str, str]) -> Any:
    """`value` with every `"bulkId:x"` (whole, or as a path segment) replaced by the id
    created for `x`; references not yet created are left as they are."""
    if not created:
        return value
    if isinstance(value, str):
        if value.startswith(_PREFIX) and value[len(_PREFIX) :] in created:
            return created[value[len(_PREFIX) :]]
        for bulk_id, resource_id in created.items():
            value = value.replace(f"/{_PREFIX}{bulk_id}", f"/{resource_id}")
        return value
    if isinstance(value, dict):
        return {k: resolve_bulk_ids(v, created) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_bulk_ids(v, created) for v in value]
    return value


def unresolved_bulk_id(value: Any) -> str | None:
    """The first `bulkId` reference left in `value`, or None."""
    if isinstance(value, str):
        if value.startswith(_PREFIX):
            return value[len(_PREFIX) :]
        if f"/{_PREFIX}" in value:
            return value.split(f"/{_PREFIX}", 1)[1].split("/", 1)[0]
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for item in items:
        found = unresolved_bulk_id(item)
        if found:
            return found
    return None

"""Comparing a desired resource with the server's copy, and the bodies of the writes.

Pure: JSON in, JSON out. Only what the desired side mentions is compared (an attribute it
does not name is left alone, at every level: a sub-attribute of `name`, a sub-attribute of
an e-mail); a multi-valued attribute compares as a set, its order carrying no meaning
(RFC 7643 §2.4); `password` is sent on create only (RFC 7643 §4.1.1: returned "never", so it
cannot be compared, and sending it on every run would change it every run).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from .._schemas import PATCH_OP, V1_CORE
from ..filters import AttrPath, Comparison, PatchPath
from ..models import PatchOp
from ._desired import SERVER_OWNED

__all__ = [
    "agrees",
    "deactivate_body",
    "group_attribute_changes",
    "group_attribute_operations",
    "member_batches",
    "member_bodies",
    "member_values",
    "planned_update",
    "restricted",
    "update_body",
]

# Never part of a comparison: the server owns them, or cannot return them.
_NOT_COMPARED = SERVER_OWNED | {"password", "groups"}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _lookup(data: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    if name in data:
        return True, data[name]
    lower = name.lower()
    for key, value in data.items():
        if key.lower() == lower:
            return True, value
    return False, None


def _narrow(server: Any, desired: Any) -> Any:
    """The server's value with only what `desired` mentions, so equal means "nothing to do".

    Objects keep the desired sub-attributes; lists equal as sets (after narrowing each
    element to the sub-attributes the desired elements mention) become the desired list.
    """
    if server == desired:
        return desired
    if isinstance(desired, dict) and isinstance(server, dict):
        narrowed: dict[str, Any] = {}
        for name, wanted in desired.items():
            present, value = _lookup(server, name)
            if present:
                narrowed[name] = _narrow(value, wanted)
        return narrowed
    if isinstance(desired, list) and isinstance(server, list):
        wanted_keys = {k for item in desired if isinstance(item, dict) for k in item}
        elements = [
            {k: v for k, v in item.items() if k in wanted_keys} if isinstance(item, dict) else item
            for item in server
        ]
        if Counter(map(_canonical, elements)) == Counter(map(_canonical, desired)):
            return desired
        return server
    return server


def restricted(server: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The server's resource cut down to what `desired` mentions (see the module)."""
    old: dict[str, Any] = {}
    for name, wanted in desired.items():
        if name.lower() in _NOT_COMPARED:
            continue
        present, value = _lookup(server, name)
        if name.lower() == "active" and not present:
            present, value = True, True  # RFC 7643 §4.1.1: a user is active unless told not
        if present:
            old[name] = _narrow(value, wanted)
    return old


def _compared(desired: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in desired.items() if k.lower() not in _NOT_COMPARED}


_MISSING = object()


def agrees(server: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """True when every attribute `desired` names is equal on the server, spelled the same:
    the common case of a large directory, decided without building anything. False means
    "look closer" (`restricted` compares case-insensitively and as sets)."""
    for name, value in desired.items():
        if name in _NOT_COMPARED:
            continue
        found = server.get(name, _MISSING)
        if found != value and not (name == "active" and found is _MISSING and value is True):
            return False
    return True


def update_body(
    server: Mapping[str, Any], desired: Mapping[str, Any], *, v1: bool
) -> dict[str, Any] | None:
    """The smallest PATCH body turning `server` into `desired`, or None when they agree.

    SCIM 2.0: a `PatchOp` from `PatchOp.diff` on the attributes `desired` mentions. SCIM 1.1
    (Slack): the partial resource, each changed top-level attribute with its desired value
    (a `None` is left out: 1.1 removes attributes only through `meta.attributes`, which
    scimkit's 1.1 PATCH does not send).
    """
    planned = planned_update(server, desired, v1=v1)
    return None if planned is None else planned[0]


def planned_update(
    server: Mapping[str, Any], desired: Mapping[str, Any], *, v1: bool
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """`update_body`'s body and what it replaces: the server's values (narrowed as
    `restricted` does) of the top-level attributes the body changes; None when they agree."""
    if agrees(server, desired):
        return None
    new = _compared(desired)
    old = restricted(server, new)
    if old == new:
        return None
    operations = PatchOp.diff(old, new).operations or []
    if not operations:
        return None
    paths = [str(op.path).lower() for op in operations]
    if v1:
        partial = {
            k: v
            for k, v in new.items()
            if v is not None and any(_under(path, k.lower()) for path in paths)
        }
        if not partial:
            return None
        return {"schemas": [V1_CORE], **partial}, _touched(old, [k.lower() for k in partial])
    body = {"schemas": [PATCH_OP], "Operations": [op.to_dict() for op in operations]}
    return body, _touched(old, paths)


def _touched(old: Mapping[str, Any], paths: list[str]) -> dict[str, Any]:
    """The attributes of `old` that one of the (lower-cased) PATCH `paths` addresses."""
    return {k: v for k, v in old.items() if any(_under(path, k.lower()) for path in paths)}


def _under(path: str, name: str) -> bool:
    """Whether a PATCH path addresses the top-level attribute `name` or a part of it."""
    return path == name or (path.startswith(name) and path[len(name)] in ".[:")


def deactivate_body(*, v1: bool) -> dict[str, Any]:
    """`active` set to false (RFC 7643 §4.1.1), the way a deprovisioned user is kept."""
    if v1:
        return {"schemas": [V1_CORE], "active": False}
    return {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }


def _member_path(value: str) -> str:
    return str(PatchPath(AttrPath("members"), Comparison(AttrPath("value"), "eq", value)))


def member_bodies(
    attributes: list[dict[str, Any]],
    add: list[str],
    remove: list[str],
    batch: int,
    *,
    v1: bool,
) -> list[dict[str, Any]]:
    """The PATCH bodies that change a group: its attribute operations first, then members
    added and removed, at most `batch` members per request.

    Members are added with one `add` of their values and removed one `remove` with a
    `members[value eq "id"]` path each (RFC 7644 §3.5.2.1, §3.5.2.2), never by replacing the
    whole list, so that a large group costs only what changes. SCIM 1.1: partial resources
    whose removed members carry `"operation": "delete"`.
    """
    return [body for body, _ in member_batches(attributes, add, remove, batch, v1=v1)]


def member_batches(
    attributes: list[dict[str, Any]],
    add: list[str],
    remove: list[str],
    batch: int,
    *,
    v1: bool,
) -> list[tuple[dict[str, Any], list[str]]]:
    """`member_bodies`, each body with the member values it adds or removes."""
    items = [("add", v) for v in add] + [("remove", v) for v in remove]
    slices = [items[start : start + batch] for start in range(0, len(items), batch)] or [[]]
    batches = []
    for number, chunk in enumerate(slices):
        first = attributes if number == 0 else []
        adds = [v for kind, v in chunk if kind == "add"]
        removes = [v for kind, v in chunk if kind == "remove"]
        batches.append((_member_body(first, adds, removes, v1=v1), adds + removes))
    return [(body, values) for body, values in batches if _has_content(body)]


def _member_body(
    attributes: list[dict[str, Any]], add: list[str], remove: list[str], *, v1: bool
) -> dict[str, Any]:
    if v1:
        body: dict[str, Any] = {"schemas": [V1_CORE]}
        for operation in attributes:
            body[operation["path"]] = operation.get("value")
        members = [{"value": v} for v in add]
        members += [{"value": v, "operation": "delete"} for v in remove]
        if members:
            body["members"] = members
        return body
    operations = list(attributes)
    if add:
        operations.append({"op": "add", "path": "members", "value": [{"value": v} for v in add]})
    operations.extend({"op": "remove", "path": _member_path(v)} for v in remove)
    return {"schemas": [PATCH_OP], "Operations": operations}


def _has_content(body: Mapping[str, Any]) -> bool:
    return any(k not in ("schemas",) and v for k, v in body.items())


def group_attribute_operations(
    server: Mapping[str, Any], desired: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The operations on a group's own attributes (not its members) the desired side
    changes: its `displayName` spelled otherwise, an `externalId`."""
    return group_attribute_changes(server, desired)[0]


def group_attribute_changes(
    server: Mapping[str, Any], desired: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`group_attribute_operations`, and the server's values of what they change."""
    new = _compared({k: v for k, v in desired.items() if k.lower() != "members"})
    old = restricted(server, new)
    operations = [op.to_dict() for op in PatchOp.diff(old, new).operations or []]
    return operations, _touched(old, [str(op.get("path")).lower() for op in operations])


def member_values(group: Mapping[str, Any]) -> list[str]:
    """The ids of a server group's members, in its order."""
    present, members = _lookup(group, "members")
    if not present or not isinstance(members, list):
        return []
    values = []
    for member in members:
        value = member.get("value") if isinstance(member, dict) else None
        if isinstance(value, str):
            values.append(value)
    return values

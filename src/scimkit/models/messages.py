"""SCIM protocol messages (RFC 7644 §3): list responses, PATCH operations, errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._schemas import PATCH_OP
from .._wire import shown
from ._base import SCIMModel, attribute, lenient_int

__all__ = [
    "BulkOperation",
    "BulkOperationResult",
    "ErrorMessage",
    "ListResponse",
    "PatchOp",
    "PatchOperation",
]


class ListResponse(SCIMModel):
    """A page of query results (RFC 7644 §3.4.2); `resources` are raw JSON objects."""

    schemas: list[str] | None = attribute(multi_valued=True)
    total_results: int | None = attribute()
    items_per_page: int | None = attribute()
    start_index: int | None = attribute()
    resources: list[dict[str, Any]] | None = attribute("Resources", multi_valued=True)
    next_cursor: str | None = attribute()
    previous_cursor: str | None = attribute()


class BulkOperation(SCIMModel):
    """One operation of a bulk request (RFC 7644 §3.7).

        BulkOperation(method="POST", path="/Users", bulk_id="u1", data={"userName": "a"})
        BulkOperation(method="PATCH", path="/Groups/g1",
                      data=PatchOp.add_members(["bulkId:u1"]).to_dict())

    A value `"bulkId:u1"` anywhere in `path` or `data` stands for the id the server gives
    the resource created by the operation with `bulk_id="u1"`.
    """

    method: str | None = attribute()
    bulk_id: str | None = attribute("bulkId")
    version: str | None = attribute()
    path: str | None = attribute()
    data: Any = attribute()


class BulkOperationResult(SCIMModel):
    """What the server says of one bulk operation: `status`, `location`, `response`."""

    method: str | None = attribute()
    bulk_id: str | None = attribute("bulkId")
    version: str | None = attribute()
    location: str | None = attribute()
    status: Any = attribute()
    response: Any = attribute()

    @property
    def status_code(self) -> int | None:
        """`status` as a number (servers send "201" or 201)."""
        return lenient_int(self.status)

    @property
    def ok(self) -> bool:
        """True when the server carried this operation out (a 2xx `status`)."""
        code = self.status_code
        return code is not None and 200 <= code < 300

    @property
    def id(self) -> str | None:
        """The id of the resource this operation created or changed, from `location`."""
        location = self.location
        if isinstance(location, str) and location.rstrip("/"):
            return location.rstrip("/").rsplit("/", 1)[-1]
        return None

    @property
    def error(self) -> ErrorMessage | None:
        """The error of a failed operation, read from `response`."""
        if self.ok:
            return None
        found = ErrorMessage.from_body(self.response) if isinstance(self.response, dict) else None
        return found or ErrorMessage(status=self.status_code)


class PatchOperation(SCIMModel):
    """One operation of a PATCH request (RFC 7644 §3.5.2): `add`, `remove` or `replace`.

    PatchOperation(op="replace", path="active", value=False)
    """

    op: str | None = attribute()
    path: str | None = attribute()
    value: Any = attribute()


class PatchOp(SCIMModel):
    """The body of a SCIM 2.0 PATCH request (RFC 7644 §3.5.2).

    PatchOp(operations=[PatchOperation(op="add", path="members",
                                       value=[{"value": user_id}])])
    """

    schemas: list[str] | None = attribute(multi_valued=True)
    operations: list[PatchOperation] | None = attribute(
        "Operations", model=PatchOperation, multi_valued=True
    )

    def to_dict(self) -> dict[str, Any]:
        """The PatchOp message as JSON, its `schemas` filled in (RFC 7644 §3.5.2)."""
        data = super().to_dict()
        if "schemas" not in data:
            data = {"schemas": [PATCH_OP], **data}
        return data

    @classmethod
    def add_members(cls, members: Sequence[str | Mapping[str, Any] | SCIMModel]) -> PatchOp:
        """Add members to a group: ids, or member objects (`{"value": id, "display": ...}`).

        client.patch_group(group_id, PatchOp.add_members([alice_id, bob_id]))
        """
        values = [_member(m, "members") for m in members]
        if not values:
            raise ValueError("members must not be empty")
        return cls(operations=[PatchOperation(op="add", path="members", value=values)])

    @classmethod
    def remove_members(cls, member_ids: Sequence[str]) -> PatchOp:
        """Remove members from a group by id, one `members[value eq "id"]` path each
        (RFC 7644 §3.5.2.2).

            client.patch_group(group_id, PatchOp.remove_members([bob_id]))
        """
        ids = [_member(m, "member_ids")["value"] for m in member_ids]
        if not ids:
            raise ValueError("member_ids must not be empty")
        return cls(
            operations=[PatchOperation(op="remove", path=_value_path("members", i)) for i in ids]
        )

    @classmethod
    def diff(
        cls, old: SCIMModel | Mapping[str, Any], new: SCIMModel | Mapping[str, Any]
    ) -> PatchOp:
        """The operations that turn `old` into `new`, so that a script can read a resource,
        change a copy, and send only what changed.

            before = client.read_user(user_id).user
            after = User.from_dict(before.to_dict())
            after.title = "Lead"
            client.patch_user(user_id, PatchOp.diff(before, after))

        Single-valued attributes become `add`, `replace` or `remove`; complex ones are compared
        sub-attribute by sub-attribute; multi-valued ones whose elements carry a unique `value`
        (members, emails) are compared element by element, so one new member is one `add`;
        other lists are replaced whole. Extension attributes use URN-qualified paths.
        Read-only attributes (`id`, `meta`, `schemas`, a User's `groups`) are never changed.
        """
        before = _json_of(old, "old")
        after = _json_of(new, "new")
        operations: list[PatchOperation] = []
        _diff_object(before, after, "", operations, top=True)
        return cls(operations=operations)


# A body is only read as an error when it has one of these members (or the Error schema).
_ERROR_KEYS = frozenset({"errors", "scimtype", "detail"})
_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:error"


_READ_ONLY_TOP = frozenset({"id", "meta", "schemas", "groups"})


def _json_of(value: object, argument: str) -> dict[str, Any]:
    if isinstance(value, SCIMModel):
        return value.to_dict()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{argument} must be a model or a dict, not {type(value).__name__}")


def _member(value: object, argument: str) -> dict[str, Any]:
    if isinstance(value, str):
        if not value:
            raise ValueError(f"{argument} must not hold an empty id")
        return {"value": value}
    data = _json_of(value, argument)
    if not isinstance(data.get("value"), str) or not data["value"]:
        raise ValueError(f"each of {argument} needs a 'value' (the member's id)")
    return data


def _value_path(attr: str, value: Any) -> str:
    """`attr[value eq "..."]` with the value escaped as a JSON string."""
    from ..filters import AttrPath, Comparison, PatchPath

    return str(PatchPath(AttrPath(attr), Comparison(AttrPath("value"), "eq", value)))


def _lookup(data: Mapping[str, Any]) -> dict[str, str]:
    return {key.lower(): key for key in data}


def _diff_object(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    prefix: str,
    out: list[PatchOperation],
    *,
    top: bool = False,
) -> None:
    """Operations for every attribute of one object (the resource, or an extension)."""
    old_keys = _lookup(before)
    new_keys = _lookup(after)
    for lower, key in new_keys.items():
        if top and lower in _READ_ONLY_TOP:
            continue
        path = prefix + key
        value = after[key]
        if lower not in old_keys:
            if value is not None:
                if top and lower.startswith("urn:") and isinstance(value, dict):
                    _diff_object({}, value, key + ":", out)
                else:
                    out.append(PatchOperation(op="add", path=path, value=value))
            continue
        previous = before[old_keys[lower]]
        if previous == value:
            continue
        if value is None:
            out.append(PatchOperation(op="remove", path=path))
        elif (
            top
            and lower.startswith("urn:")
            and isinstance(value, dict)
            and isinstance(previous, dict)
        ):
            _diff_object(previous, value, key + ":", out)
        elif isinstance(value, dict) and isinstance(previous, dict) and not prefix:
            _diff_complex(previous, value, path, out)
        elif isinstance(value, list) and isinstance(previous, list):
            _diff_list(previous, value, path, out)
        else:
            out.append(PatchOperation(op="replace", path=path, value=value))
    for lower, key in old_keys.items():
        if lower not in new_keys and not (top and lower in _READ_ONLY_TOP):
            if before[key] is not None:
                out.append(PatchOperation(op="remove", path=prefix + key))


def _diff_complex(
    before: Mapping[str, Any], after: Mapping[str, Any], path: str, out: list[PatchOperation]
) -> None:
    """A single-valued complex attribute (`name`): one operation per sub-attribute."""
    old_keys = _lookup(before)
    new_keys = _lookup(after)
    for lower, key in new_keys.items():
        value = after[key]
        previous = before[old_keys[lower]] if lower in old_keys else None
        if value == previous:
            continue
        sub = f"{path}.{key}"
        if value is None:
            out.append(PatchOperation(op="remove", path=sub))
        else:
            op = "replace" if lower in old_keys else "add"
            out.append(PatchOperation(op=op, path=sub, value=value))
    for lower, key in old_keys.items():
        if lower not in new_keys and before[key] is not None:
            out.append(PatchOperation(op="remove", path=f"{path}.{key}"))


def _keyed(items: list[Any]) -> dict[Any, Any] | None:
    """Elements by their `value`, or None when they are not uniquely keyed that way."""
    keyed: dict[Any, Any] = {}
    for item in items:
        if not isinstance(item, dict):
            return None
        value = item.get("value")
        if not isinstance(value, (str, int)) or isinstance(value, bool) or value in keyed:
            return None
        keyed[value] = item
    return keyed


def _diff_list(before: list[Any], after: list[Any], path: str, out: list[PatchOperation]) -> None:
    """A multi-valued attribute: element by element when elements have unique `value`s."""
    old = _keyed(before)
    new = _keyed(after)
    if old is None or new is None or not after:
        if after:
            out.append(PatchOperation(op="replace", path=path, value=after))
        else:
            out.append(PatchOperation(op="remove", path=path))
        return
    added: list[Any] = []
    for value, item in new.items():
        if value not in old:
            added.append(item)
        elif old[value] != item:
            # Changed element: take the old one out and put the new one in, so that
            # sub-attributes it no longer has go too.
            out.append(PatchOperation(op="remove", path=_value_path(path, value)))
            added.append(item)
    for value in old:
        if value not in new:
            out.append(PatchOperation(op="remove", path=_value_path(path, value)))
    if added:
        out.append(PatchOperation(op="add", path=path, value=added))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return shown(value)  # nested JSON, abbreviated if too deep for repr
    return str(value)


class ErrorMessage:
    """An error the server reported, read from either dialect.

    SCIM 2.0 (RFC 7644 §3.12) sends `{"schemas": [...Error], "status": "409",
    "scimType": "uniqueness", "detail": "..."}`; Slack's SCIM 1.1 API sends
    `{"Errors": {"code": 409, "description": "..."}}`. Both read into `status`, `scim_type`
    and `detail`; `code` and `description` are the same values under Slack's names.
    When the body could not be read at all, `detail` says why.
    """

    __slots__ = ("detail", "raw", "scim_type", "status")

    def __init__(
        self,
        *,
        status: int | None = None,
        scim_type: str | None = None,
        detail: str | None = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.scim_type = scim_type
        self.detail = detail
        self.raw = raw if raw is not None else {}

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ErrorMessage | None:
        """The error in a parsed body, or `None` when the body is not an error message."""
        try:
            plain = _ERROR_KEYS.isdisjoint(map(str.lower, body))
        except TypeError:  # a key that is not a str (a dict built by hand)
            plain = _ERROR_KEYS.isdisjoint(key.lower() for key in body if isinstance(key, str))
        if plain:
            schemas = body.get("schemas")
            if not isinstance(schemas, list) or not any(
                isinstance(s, str) and s.lower() == _ERROR_SCHEMA for s in schemas
            ):
                return None
        lowered = {str(key).lower(): value for key, value in body.items()}
        if "errors" in lowered:
            errors = lowered["errors"]
            first = errors[0] if isinstance(errors, list) and errors else errors
            if isinstance(first, dict):
                inner = {str(k).lower(): v for k, v in first.items()}
                return cls(
                    status=lenient_int(inner.get("code")),
                    scim_type=_as_text(inner.get("scimtype")),
                    detail=_as_text(inner.get("description", inner.get("detail"))),
                    raw=body,
                )
        schemas = lowered.get("schemas")
        is_error = isinstance(schemas, list) and any(
            isinstance(s, str) and s.lower().endswith(":api:messages:2.0:error") for s in schemas
        )
        if is_error or ("scimtype" in lowered or ("detail" in lowered and "status" in lowered)):
            return cls(
                status=lenient_int(lowered.get("status")),
                scim_type=_as_text(lowered.get("scimtype")),
                detail=_as_text(lowered.get("detail")),
                raw=body,
            )
        return None

    @property
    def code(self) -> int | None:
        """`status`, under Slack's v1 name."""
        return self.status

    @property
    def description(self) -> str | None:
        """`detail`, under Slack's v1 name."""
        return self.detail

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ErrorMessage):
            return NotImplemented
        return (self.status, self.scim_type, self.detail) == (
            other.status,
            other.scim_type,
            other.detail,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ErrorMessage(status={self.status!r}, scim_type={self.scim_type!r}, "
            f"detail={self.detail!r})"
        )

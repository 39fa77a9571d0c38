"""SCIM protocol messages (RFC 7644 §3): list responses, PATCH operations, errors."""

from __future__ import annotations

from typing import Any

from .._schemas import PATCH_OP
from ._base import SCIMModel, attribute

__all__ = ["ErrorMessage", "ListResponse", "PatchOp", "PatchOperation"]


class ListResponse(SCIMModel):
    """A page of query results (RFC 7644 §3.4.2); `resources` are raw JSON objects."""

    schemas: list[str] | None = attribute(multi_valued=True)
    total_results: int | None = attribute()
    items_per_page: int | None = attribute()
    start_index: int | None = attribute()
    resources: list[dict[str, Any]] | None = attribute("Resources", multi_valued=True)


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
        data = super().to_dict()
        if "schemas" not in data:
            data = {"schemas": [PATCH_OP], **data}
        return data


# A body is only read as an error when it has one of these members (or the Error schema).
_ERROR_KEYS = frozenset({"errors", "scimtype", "detail"})
_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:error"


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


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
        if not _ERROR_KEYS.intersection(key.lower() for key in body if isinstance(key, str)):
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
                    status=_as_int(inner.get("code")),
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
                status=_as_int(lowered.get("status")),
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

"""The `Group` resource (RFC 7643 §4.2)."""

from __future__ import annotations

from .._schemas import CORE_GROUP
from ._base import SCIMModel, attribute
from .resource import Resource

__all__ = ["Group", "GroupMember"]


class GroupMember(SCIMModel):
    """A member of a group: `value` is the member's `id`, `type` is `User` or `Group`."""

    value: str | None = attribute()
    ref: str | None = attribute("$ref")
    display: str | None = attribute()
    type: str | None = attribute()


class Group(Resource):
    """A SCIM Group (RFC 7643 §4.2).

    group = Group(display_name="Tour Guides", members=[GroupMember(value=user.id)])
    """

    schema = CORE_GROUP
    endpoint = "/Groups"
    required_attributes = ("displayName",)

    display_name: str | None = attribute()
    members: list[GroupMember] | None = attribute(model=GroupMember, multi_valued=True)

"""SCIM models: resources (`User`, `Group`, your own), their parts, and protocol messages."""

from __future__ import annotations

from ._base import SCIMModel, attribute
from .group import Group, GroupMember
from .messages import ErrorMessage, ListResponse, PatchOp, PatchOperation
from .resource import Meta, Resource
from .user import (
    EnterpriseManager,
    EnterpriseUser,
    User,
    UserAddress,
    UserEmail,
    UserEntitlement,
    UserGroup,
    UserIm,
    UserName,
    UserPhoneNumber,
    UserPhoto,
    UserRole,
    UserX509Certificate,
)

__all__ = [
    "EnterpriseManager",
    "EnterpriseUser",
    "ErrorMessage",
    "Group",
    "GroupMember",
    "ListResponse",
    "Meta",
    "PatchOp",
    "PatchOperation",
    "Resource",
    "SCIMModel",
    "User",
    "UserAddress",
    "UserEmail",
    "UserEntitlement",
    "UserGroup",
    "UserIm",
    "UserName",
    "UserPhoneNumber",
    "UserPhoto",
    "UserRole",
    "UserX509Certificate",
    "attribute",
]

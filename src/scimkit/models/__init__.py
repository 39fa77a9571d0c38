"""SCIM models: resources (`User`, `Group`, your own), their parts, and protocol messages."""

from __future__ import annotations

from ._base import SCIMModel, attribute
from .discovery import (
    AuthenticationScheme,
    BulkSupport,
    FilterSupport,
    PaginationSupport,
    ResourceType,
    Schema,
    SchemaAttribute,
    SchemaExtension,
    ServiceProviderConfig,
    Supported,
)
from .group import Group, GroupMember
from .messages import (
    BulkOperation,
    BulkOperationResult,
    ErrorMessage,
    ListResponse,
    PatchOp,
    PatchOperation,
)
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
    "AuthenticationScheme",
    "BulkOperation",
    "BulkOperationResult",
    "BulkSupport",
    "EnterpriseManager",
    "EnterpriseUser",
    "ErrorMessage",
    "FilterSupport",
    "Group",
    "GroupMember",
    "ListResponse",
    "Meta",
    "PaginationSupport",
    "PatchOp",
    "PatchOperation",
    "Resource",
    "ResourceType",
    "SCIMModel",
    "Schema",
    "SchemaAttribute",
    "SchemaExtension",
    "ServiceProviderConfig",
    "Supported",
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

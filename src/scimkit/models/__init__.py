"""SCIM models: resources (`User`, `Group`, your own), their parts, and protocol messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import SCIMModel, attribute
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

if TYPE_CHECKING:
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
else:

    def __getattr__(name: str) -> object:
        # PEP 562: the discovery models load with the first use of one (`discover()`, the
        # local server), not with every `import scimkit`.
        if name in DISCOVERY_MODELS:
            from . import discovery

            value = globals()[name] = getattr(discovery, name)
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# What `.discovery` defines: read only by `discover()` and the local server.
DISCOVERY_MODELS = frozenset(
    {
        "AuthenticationScheme",
        "BulkSupport",
        "FilterSupport",
        "PaginationSupport",
        "ResourceType",
        "Schema",
        "SchemaAttribute",
        "SchemaExtension",
        "ServiceProviderConfig",
        "Supported",
    }
)


def __dir__() -> list[str]:
    return sorted(set(globals()) | DISCOVERY_MODELS)


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

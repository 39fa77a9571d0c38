"""scimkit: a synchronous SCIM 1.1 / 2.0 client that needs only the standard library.

from scimkit import SCIMClient, User

client = SCIMClient("https://example.com/scim/v2", token="...")
created = client.create_user(User(user_name="bjensen"))
print(created.status_code, created.user.id)

Importing scimkit loads the client and its models, nothing more: the WSGI adapter, the async
client, the local server, the filter module, the sync planner, the command line and
`discover()`'s results (`scimkit.wsgi`, `.aio`, `.testing`, `.filters`, `.sync`, `.cli`,
`.discovery`) are imported when first used, and so are the discovery models (`Schema`,
`ServiceProviderConfig`…), bulk and paging. scimkit never imports `logging` itself (it logs
once your program has), and `threading` only with the first request (tests/test_import_cost.py
checks the list; benchmarks/imports.py times it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from ._wire import Attempt
from .client import SCIMClient
from .errors import (
    BadRequest,
    Conflict,
    ConnectError,
    ConnectTimeout,
    DeadlineExceeded,
    Forbidden,
    InvalidResponse,
    NotFound,
    PagingError,
    PayloadTooLarge,
    PreconditionFailed,
    ProxyError,
    RateLimited,
    ReadTimeout,
    RemoteProtocolError,
    ResponseTooLarge,
    SCIMError,
    SCIMResponseError,
    ServerError,
    TimeoutException,
    TLSError,
    TransportError,
    Unauthorized,
)
from .models import (
    DISCOVERY_MODELS,
    BulkOperation,
    BulkOperationResult,
    EnterpriseManager,
    EnterpriseUser,
    ErrorMessage,
    Group,
    GroupMember,
    ListResponse,
    Meta,
    PatchOp,
    PatchOperation,
    Resource,
    SCIMModel,
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
    attribute,
)
from .responses import (
    BulkResponse,
    GroupCreateResponse,
    GroupDeleteResponse,
    GroupPatchResponse,
    GroupResponse,
    GroupUpdateResponse,
    ReadGroupResponse,
    ReadUserResponse,
    ResourceResponse,
    ResourceTypesResponse,
    SchemasResponse,
    SCIMResponse,
    SearchGroupsResponse,
    SearchResponse,
    SearchUsersResponse,
    ServiceProviderConfigResponse,
    UserCreateResponse,
    UserDeleteResponse,
    UserPatchResponse,
    UserResponse,
    UserUpdateResponse,
)
from .transports import BaseTransport, HTTPTransport

if TYPE_CHECKING:
    from . import aio as aio
    from . import cli as cli
    from . import discovery as discovery
    from . import filters as filters
    from . import sync as sync
    from . import testing as testing
    from . import wsgi as wsgi
    from ._sentinel import NOT_GIVEN, NotGiven
    from .discovery import Discovery
    from .models import (
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
        # PEP 562: `scimkit.testing.SCIMServer` without `import scimkit.testing` first, and
        # `scimkit.Schema`; each module is imported on first use.
        if name in _LAZY_SUBMODULES:
            import importlib

            return importlib.import_module(f"{__name__}.{name}")
        if name in _LAZY_NAMES:
            import importlib

            module = importlib.import_module(_LAZY_NAMES[name], __name__)
            value = globals()[name] = getattr(module, name)
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Submodules imported on first use: each brings what only some programs need (wsgiref,
# asyncio and concurrent.futures, the local server, the CLI's argparse and csv, the sync
# planner, what `discover()` found).
_LAZY_SUBMODULES = frozenset({"aio", "cli", "discovery", "filters", "sync", "testing", "wsgi"})


# Names whose module only some programs need: `Discovery` and the discovery models come with
# `client.discover()`, `NOT_GIVEN` is the local server's.
_LAZY_NAMES = {
    "Discovery": ".discovery",
    "NOT_GIVEN": "._sentinel",
    "NotGiven": "._sentinel",
    **dict.fromkeys(DISCOVERY_MODELS, ".models.discovery"),
}


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBMODULES | set(_LAZY_NAMES))


__all__ = [
    "Attempt",
    "AuthenticationScheme",
    "BadRequest",
    "BaseTransport",
    "BulkOperation",
    "BulkOperationResult",
    "BulkResponse",
    "BulkSupport",
    "Conflict",
    "ConnectError",
    "ConnectTimeout",
    "DeadlineExceeded",
    "Discovery",
    "EnterpriseManager",
    "EnterpriseUser",
    "ErrorMessage",
    "FilterSupport",
    "Forbidden",
    "Group",
    "GroupCreateResponse",
    "GroupDeleteResponse",
    "GroupMember",
    "GroupPatchResponse",
    "GroupResponse",
    "GroupUpdateResponse",
    "HTTPTransport",
    "InvalidResponse",
    "ListResponse",
    "Meta",
    "NOT_GIVEN",
    "NotFound",
    "NotGiven",
    "PaginationSupport",
    "PagingError",
    "PatchOp",
    "PatchOperation",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ProxyError",
    "RateLimited",
    "ReadGroupResponse",
    "ReadTimeout",
    "ReadUserResponse",
    "RemoteProtocolError",
    "Resource",
    "ResourceResponse",
    "ResourceType",
    "ResourceTypesResponse",
    "ResponseTooLarge",
    "SCIMClient",
    "SCIMError",
    "SCIMModel",
    "SCIMResponse",
    "SCIMResponseError",
    "Schema",
    "SchemaAttribute",
    "SchemaExtension",
    "SchemasResponse",
    "SearchGroupsResponse",
    "SearchResponse",
    "SearchUsersResponse",
    "ServerError",
    "ServiceProviderConfig",
    "ServiceProviderConfigResponse",
    "Supported",
    "TLSError",
    "TimeoutException",
    "TransportError",
    "Unauthorized",
    "User",
    "UserAddress",
    "UserCreateResponse",
    "UserDeleteResponse",
    "UserEmail",
    "UserEntitlement",
    "UserGroup",
    "UserIm",
    "UserName",
    "UserPatchResponse",
    "UserPhoneNumber",
    "UserPhoto",
    "UserResponse",
    "UserRole",
    "UserUpdateResponse",
    "UserX509Certificate",
    "__version__",
    "attribute",
]

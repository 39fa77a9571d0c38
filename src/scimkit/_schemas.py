"""Schema and message URNs of SCIM 2.0 (RFC 7643 §8.7, RFC 7644 §3) and of SCIM 1.1."""

from __future__ import annotations

__all__ = [
    "BULK_REQUEST",
    "BULK_RESPONSE",
    "CORE_GROUP",
    "CORE_USER",
    "ENTERPRISE_USER",
    "ERROR",
    "LIST_RESPONSE",
    "PATCH_OP",
    "RESOURCE_TYPE",
    "SCHEMA",
    "SEARCH_REQUEST",
    "SERVICE_PROVIDER_CONFIG",
    "V1_CORE",
    "V1_ENTERPRISE_USER",
]

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

# SCIM 1.1 (as spoken by Slack's v1 API): one core URN for every resource type.
V1_CORE = "urn:scim:schemas:core:1.0"
V1_ENTERPRISE_USER = "urn:scim:schemas:extension:enterprise:1.0"

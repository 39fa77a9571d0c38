"""The discovery documents a `SCIMServer` serves (RFC 7644 §4, RFC 7643 §5-§7).

`/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, built from the server's settings.
Pure functions: settings in, new JSON dicts out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _schemas

__all__ = ["resource_type_documents", "schema_documents", "service_provider_config"]

JSON = dict[str, Any]


def _attribute(
    name: str,
    kind: str = "string",
    *,
    required: bool = False,
    multi: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
) -> JSON:
    return {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "required": required,
        "caseExact": False,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }


# What /Schemas says of the attributes this server treats specially (RFC 7643 §7).
_USER_ATTRIBUTES = [
    _attribute("userName", required=True, uniqueness="server"),
    _attribute("name", "complex"),
    _attribute("displayName"),
    _attribute("active", "boolean"),
    _attribute("password", mutability="writeOnly", returned="never"),
    _attribute("emails", "complex", multi=True),
    _attribute("groups", "complex", multi=True, mutability="readOnly"),
]
_GROUP_ATTRIBUTES = [
    _attribute("displayName", required=True),
    _attribute("members", "complex", multi=True),
]


def _singular(endpoint: str) -> str:
    """The resource type an endpoint serves: "Users" -> "User"."""
    return endpoint[:-1] if endpoint.endswith("s") else endpoint


def _schema_document(schema: str, name: str, attributes: list[JSON]) -> JSON:
    return {
        "schemas": [_schemas.SCHEMA],
        "id": schema,
        "name": name,
        "attributes": attributes,
        "meta": {"resourceType": "Schema"},
    }


def _resource_type_document(url: str, endpoint: str, schema: str) -> JSON:
    singular = _singular(endpoint)
    document: JSON = {
        "schemas": [_schemas.RESOURCE_TYPE],
        "id": singular,
        "name": singular,
        "endpoint": f"/{endpoint}",
        "schema": schema,
        "meta": {
            "resourceType": "ResourceType",
            "location": f"{url}/ResourceTypes/{singular}",
        },
    }
    if endpoint == "Users":
        document["schemaExtensions"] = [{"schema": _schemas.ENTERPRISE_USER, "required": False}]
    return document


def resource_type_documents(url: str, resource_types: Mapping[str, str]) -> list[JSON]:
    """What `/ResourceTypes` lists: one document per endpoint of `resource_types` (endpoint
    name -> core schema URN), located under the base URL `url`."""
    return [
        _resource_type_document(url, endpoint, schema)
        for endpoint, schema in resource_types.items()
    ]


def schema_documents(resource_types: Mapping[str, str]) -> list[JSON]:
    """What `/Schemas` lists: the core schema of each resource type, then the enterprise User
    extension. Only Users and Groups describe their attributes."""
    documents = []
    for endpoint, schema in resource_types.items():
        attributes = {"Users": _USER_ATTRIBUTES, "Groups": _GROUP_ATTRIBUTES}.get(endpoint, [])
        documents.append(_schema_document(schema, _singular(endpoint), attributes))
    documents.append(_schema_document(_schemas.ENTERPRISE_USER, "EnterpriseUser", []))
    return documents


def service_provider_config(
    *,
    url: str,
    max_results: int,
    bulk_max_operations: int,
    bulk_max_payload_size: int,
    default_pagination: str,
) -> JSON:
    """What `/ServiceProviderConfig` answers (RFC 7643 §5; pagination from RFC 9865)."""
    return {
        "schemas": [_schemas.SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": True},
        "bulk": {
            "supported": True,
            "maxOperations": bulk_max_operations,
            "maxPayloadSize": bulk_max_payload_size,
        },
        "filter": {"supported": True, "maxResults": max_results},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "pagination": {
            "cursor": True,
            "index": True,
            "defaultPaginationMethod": default_pagination,
            "defaultPageSize": max_results,
            "maxPageSize": max_results,
            "cursorTimeout": 3600,
        },
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a bearer token",
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{url}/ServiceProviderConfig",
        },
    }

"""The discovery documents a `SCIMServer` serves (RFC 7644 §4, RFC 7643 §5-§7).

`/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, built from the server's settings.
Pure functions: settings in, new JSON dicts out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _schemas
from ._validate import SchemaSet

__all__ = ["resource_type_documents", "schema_documents", "service_provider_config"]

JSON = dict[str, Any]


def _singular(endpoint: str) -> str:
    """The resource type an endpoint serves: "Users" -> "User"."""
    return endpoint[:-1] if endpoint.endswith("s") else endpoint


def _resource_type_document(
    url: str, endpoint: str, schema: str, extensions: list[tuple[str, bool]]
) -> JSON:
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
    if extensions:
        document["schemaExtensions"] = [
            {"schema": urn, "required": required} for urn, required in extensions
        ]
    return document


def resource_type_documents(
    url: str, resource_types: Mapping[str, str], schema_set: SchemaSet
) -> list[JSON]:
    """What `/ResourceTypes` lists: one document per endpoint of `resource_types` (endpoint
    name -> core schema URN), located under the base URL `url`, with its extensions."""
    return [
        _resource_type_document(url, endpoint, schema, schema_set.extensions(endpoint))
        for endpoint, schema in resource_types.items()
    ]


def schema_documents(url: str, schema_set: SchemaSet) -> list[JSON]:
    """What `/Schemas` lists (RFC 7643 §7, §8.7.1): the core schema of each resource type,
    then the extensions, every attribute described; what a strict server validates against."""
    documents = []
    for document in schema_set.documents():
        document["schemas"] = [_schemas.SCHEMA]
        document["meta"] = {
            "resourceType": "Schema",
            "location": f"{url}/Schemas/{document['id']}",
        }
        documents.append(document)
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

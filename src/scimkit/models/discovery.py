"""What a server says about itself (RFC 7643 §5 - §7, RFC 7644 §4)."""

from __future__ import annotations

from typing import Any

from ._base import SCIMModel, attribute
from .resource import Meta

__all__ = [
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
]


class Supported(SCIMModel):
    """`{"supported": true}`: a feature the server has or lacks."""

    supported: bool | None = attribute()


class BulkSupport(Supported):
    """Bulk support and its limits (RFC 7643 §5)."""

    max_operations: int | None = attribute()
    max_payload_size: int | None = attribute()


class FilterSupport(Supported):
    """Filter support and the most results one query returns."""

    max_results: int | None = attribute()


class PaginationSupport(SCIMModel):
    """RFC 9865: how the server pages results (cursor and/or index)."""

    cursor: bool | None = attribute()
    index: bool | None = attribute()
    default_pagination_method: str | None = attribute()
    default_page_size: int | None = attribute()
    max_page_size: int | None = attribute()
    cursor_timeout: int | None = attribute()


class AuthenticationScheme(SCIMModel):
    """One way the server takes credentials (RFC 7643 §5 `authenticationSchemes`).

    `type` is e.g. `oauthbearertoken` or `httpbasic`; `primary` marks the preferred one.
    """

    type: str | None = attribute()
    name: str | None = attribute()
    description: str | None = attribute()
    spec_uri: str | None = attribute()
    documentation_uri: str | None = attribute()
    primary: bool | None = attribute()


class ServiceProviderConfig(SCIMModel):
    """`/ServiceProviderConfig`: the features the server supports.

    config = client.service_provider_config().config
    config.patch.supported, config.filter.max_results
    """

    schemas: list[str] | None = attribute(multi_valued=True)
    documentation_uri: str | None = attribute()
    patch: Supported | None = attribute(model=Supported)
    bulk: BulkSupport | None = attribute(model=BulkSupport)
    filter: FilterSupport | None = attribute(model=FilterSupport)
    change_password: Supported | None = attribute(model=Supported)
    sort: Supported | None = attribute(model=Supported)
    etag: Supported | None = attribute(model=Supported)
    pagination: PaginationSupport | None = attribute(model=PaginationSupport)
    authentication_schemes: list[AuthenticationScheme] | None = attribute(
        model=AuthenticationScheme, multi_valued=True
    )
    meta: Meta | None = attribute(model=Meta)


class SchemaExtension(SCIMModel):
    """An extension a resource type may carry (RFC 7643 §6 `schemaExtensions`).

    `schema` is the extension's URN; `required` says whether every resource must have it.
    """

    schema: str | None = attribute()
    required: bool | None = attribute()


class ResourceType(SCIMModel):
    """A resource type the server serves: its `endpoint`, core `schema` and extensions."""

    schemas: list[str] | None = attribute(multi_valued=True)
    id: str | None = attribute()
    name: str | None = attribute()
    description: str | None = attribute()
    endpoint: str | None = attribute()
    schema: str | None = attribute()
    schema_extensions: list[SchemaExtension] | None = attribute(
        model=SchemaExtension, multi_valued=True
    )
    meta: Meta | None = attribute(model=Meta)


class SchemaAttribute(SCIMModel):
    """One attribute definition of a schema (RFC 7643 §7)."""

    name: str | None = attribute()
    type: str | None = attribute()
    multi_valued: bool | None = attribute()
    description: str | None = attribute()
    required: bool | None = attribute()
    canonical_values: list[Any] | None = attribute(multi_valued=True)
    case_exact: bool | None = attribute()
    mutability: str | None = attribute()
    returned: str | None = attribute()
    uniqueness: str | None = attribute()
    reference_types: list[str] | None = attribute(multi_valued=True)
    sub_attributes: list[SchemaAttribute] | None = attribute(multi_valued=True)


# A sub-attribute is an attribute definition too: point the descriptor at its own class.
SchemaAttribute._attributes["sub_attributes"].model = SchemaAttribute


class Schema(SCIMModel):
    """A schema the server uses: its URN (`id`) and attribute definitions."""

    schemas: list[str] | None = attribute(multi_valued=True)
    id: str | None = attribute()
    name: str | None = attribute()
    description: str | None = attribute()
    attributes: list[SchemaAttribute] | None = attribute(model=SchemaAttribute, multi_valued=True)
    meta: Meta | None = attribute(model=Meta)

    def attribute(self, name: str) -> SchemaAttribute | None:
        """The definition of a top-level attribute, by name (case-insensitive)."""
        lower = name.lower()
        for item in self.attributes or []:
            if isinstance(item, SchemaAttribute) and (item.name or "").lower() == lower:
                return item
        return None

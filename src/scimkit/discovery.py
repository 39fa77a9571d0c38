"""`Discovery`: what `client.discover()` learned about a server, kept for the client's life."""

from __future__ import annotations

from .models import ResourceType, Schema, ServiceProviderConfig

__all__ = ["Discovery"]

_FEATURES = ("patch", "bulk", "filter", "change_password", "sort", "etag")


class Discovery:
    """The server's `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4).

    found = client.discover()
    found.supports("etag"), found.max_results, found.endpoint_for("Device")
    """

    __slots__ = ("config", "resource_types", "schemas")

    def __init__(
        self,
        config: ServiceProviderConfig,
        resource_types: list[ResourceType],
        schemas: list[Schema],
    ) -> None:
        self.config = config
        self.resource_types = resource_types
        self.schemas = schemas

    def supports(self, feature: str) -> bool:
        """Whether the server says it supports `feature`: patch, bulk, filter,
        change_password, sort or etag."""
        name = feature.replace("changePassword", "change_password")
        if name not in _FEATURES:
            raise ValueError(f"feature must be one of {', '.join(_FEATURES)}, not {feature!r}")
        value = getattr(self.config, name)
        return bool(getattr(value, "supported", False))

    @property
    def max_results(self) -> int | None:
        """The most resources one query returns (`filter.maxResults`), if the server says."""
        found = self.config.filter
        return getattr(found, "max_results", None)

    @property
    def bulk_limits(self) -> tuple[int | None, int | None]:
        """(`maxOperations`, `maxPayloadSize`) of bulk requests, if the server says."""
        bulk = self.config.bulk
        return getattr(bulk, "max_operations", None), getattr(bulk, "max_payload_size", None)

    def resource_type(self, name_or_schema: str) -> ResourceType | None:
        """A resource type by its name (`User`), endpoint (`/Users`) or core schema URN."""
        wanted = name_or_schema.lower()
        for item in self.resource_types:
            keys = (item.name, item.endpoint, item.schema, item.id)
            if any(isinstance(k, str) and k.lower() == wanted for k in keys):
                return item
        return None

    def endpoint_for(self, name_or_schema: str) -> str | None:
        """The endpoint of a resource type, e.g. `endpoint_for("Device") == "/Devices"`."""
        found = self.resource_type(name_or_schema)
        return found.endpoint if found is not None else None

    def schema(self, urn: str) -> Schema | None:
        """A schema by its URN."""
        for item in self.schemas:
            if isinstance(item.id, str) and item.id.lower() == urn.lower():
                return item
        return None

    def __repr__(self) -> str:
        names = [t.name for t in self.resource_types]
        features = [f for f in _FEATURES if self.supports(f)]
        return f"Discovery(resource_types={names!r}, supports={features!r})"

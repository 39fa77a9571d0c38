"""`Discovery`: what `client.discover()` learned about a server, kept for the client's life."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ResourceType, Schema, ServiceProviderConfig

__all__ = ["Discovery", "bulk_limits", "usable_limit"]

_FEATURES = ("patch", "bulk", "filter", "change_password", "sort", "etag")


class Discovery:
    """The server's `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4).

    found = client.discover()
    found.supports("etag"), found.max_results, found.endpoint_for("Device")
    """

    __slots__ = ("base_url", "config", "resource_types", "schemas")

    def __init__(
        self,
        config: ServiceProviderConfig,
        resource_types: list[ResourceType],
        schemas: list[Schema],
        *,
        base_url: str | None = None,
    ) -> None:
        self.config = config
        self.resource_types = resource_types
        self.schemas = schemas
        #: The client's base URL, to read endpoints given as absolute paths or URLs.
        self.base_url = base_url

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
        return usable_limit(getattr(found, "max_results", None))

    @property
    def bulk_limits(self) -> tuple[int | None, int | None]:
        """(`maxOperations`, `maxPayloadSize`) of bulk requests, if the server says."""
        return bulk_limits(self.config)

    def resource_type(self, name_or_schema: str) -> ResourceType | None:
        """A resource type by its name (`User`), endpoint (`/Users`) or core schema URN."""
        wanted = name_or_schema.lower()
        for item in self.resource_types:
            keys = (item.name, item.endpoint, item.schema, item.id)
            if any(isinstance(k, str) and k.lower() == wanted for k in keys):
                return item
        return None

    def endpoint_for(self, name_or_schema: str) -> str | None:
        """The endpoint of a resource type relative to the base URL, as `search` takes it.

        RFC 7643 §6 says `endpoint` is relative to the base URL (`/Devices`), but servers
        also send the absolute path (`/scim/v2/Devices`) or the URL; passed on as they are,
        the base path would be doubled. Those are cut down to what follows the base path,
        known from the client's `base_url` or from the resource type's own `meta.location`
        (`<base>/ResourceTypes/<id>`, RFC 7644 §4).

            client.search(found.endpoint_for("Device"), count=10)
        """
        found = self.resource_type(name_or_schema)
        if found is None or not isinstance(found.endpoint, str):
            return None
        bases = [self.base_url, _base_of(getattr(found.meta, "location", None))]
        return relative_endpoint(found.endpoint, [b for b in bases if b])

    def schema(self, urn: str, *, name: str | None = None) -> Schema | None:
        """A schema by its URN; `name` (`"User"`) chooses among schemas that share one.

        SCIM 1.1 servers (Slack's v1 API) serve the User and the Group schema of the one core
        URN `urn:scim:schemas:core:1.0` at `/Schemas/Users` and `/Schemas/Groups`, with ids
        `urn:scim:schemas:core:1.0:User` or the bare URN: with `name`, both are found.
        """
        wanted = {urn.lower()}
        if name is not None:
            wanted.add(f"{urn}:{name}".lower())
        found = [
            item for item in self.schemas if isinstance(item.id, str) and item.id.lower() in wanted
        ]
        if name is not None and len(found) > 1:
            named = [s for s in found if isinstance(s.name, str) and s.name.lower() == name.lower()]
            return named[0] if named else None
        return found[0] if found else None

    def __repr__(self) -> str:
        names = [t.name for t in self.resource_types]
        features = [f for f in _FEATURES if self.supports(f)]
        return f"Discovery(resource_types={names!r}, supports={features!r})"


def _base_of(location: object) -> str | None:
    """The base URL in a resource type's `meta.location`: what precedes `/ResourceTypes/`."""
    if not isinstance(location, str):
        return None
    head, marker, _ = location.rpartition("/ResourceTypes/")
    return head if marker else None


def relative_endpoint(endpoint: str, bases: list[str]) -> str:
    """`endpoint` with the path of the first base it lies under cut off, starting with `/`."""
    parts = urllib.parse.urlsplit(endpoint.strip())
    path = "/" + parts.path.strip("/")
    for base in bases:
        base_path = urllib.parse.urlsplit(base).path.rstrip("/")
        if base_path and path.startswith(base_path + "/"):
            return path[len(base_path) :]
    if parts.scheme or parts.netloc:
        # A URL whose base is unknown: RFC 7643 §6's endpoints are one segment (`/Users`).
        return "/" + path.rstrip("/").rpartition("/")[2]
    return path


def usable_limit(value: object) -> int | None:
    """A limit the server gave (`maxOperations`, `maxPayloadSize`, `maxResults`), or None
    when it limits nothing.

    RFC 7643 §5 makes them integers. One that is not a positive JSON integer (`"100"`, `2.5`,
    `true`, `-1`, `0`) cannot be counted against: it is ignored, as if the server had not
    said, and a request too large for it earns the server's own 413.
    """
    return value if type(value) is int and value > 0 else None


def bulk_limits(config: ServiceProviderConfig) -> tuple[int | None, int | None]:
    """(`maxOperations`, `maxPayloadSize`) of a ServiceProviderConfig, each if usable."""
    bulk = config.bulk
    return (
        usable_limit(getattr(bulk, "max_operations", None)),
        usable_limit(getattr(bulk, "max_payload_size", None)),
    )

"""`Resource`: what every SCIM resource has (RFC 7643 §3.1), and its `Meta`."""

from __future__ import annotations

from typing import Any, ClassVar

from .._schemas import V1_CORE
from ._base import SCIMModel, attribute

__all__ = ["Meta", "Resource"]


class Meta(SCIMModel):
    """Resource metadata, set by the server (RFC 7643 §3.1); `version` is the ETag."""

    resource_type: str | None = attribute()
    created: str | None = attribute()
    last_modified: str | None = attribute()
    location: str | None = attribute()
    version: str | None = attribute()


class Resource(SCIMModel):
    """The base of `User`, `Group` and any custom resource type.

    A subclass names its core schema URN and its endpoint:

        class Device(Resource):
            schema = "urn:example:schemas:2.0:Device"
            endpoint = "/Devices"
            serial_number: Optional[str] = attribute()
    """

    __slots__ = ()

    #: The core schema URN of the resource type (RFC 7643 §3).
    schema: ClassVar[str] = ""
    #: The SCIM 1.1 core schema URN.
    v1_schema: ClassVar[str] = V1_CORE
    #: The endpoint relative to the base URL, e.g. `/Users`.
    endpoint: ClassVar[str] = ""
    #: The attribute a create cannot do without (RFC 7643 §4: `userName`, `displayName`).
    required_attributes: ClassVar[tuple[str, ...]] = ()
    #: Attributes the server owns (RFC 7643 §2.2 mutability readOnly).
    read_only_attributes: ClassVar[tuple[str, ...]] = ("id", "meta")

    #: Resource classes by lower-cased core schema URN, filled as classes are defined, so that
    #: a root search's mixed results become the right models.
    registry: ClassVar[dict[str, type[Resource]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only a class that names its own schema stands for it (not a subclass reusing it).
        if cls.__dict__.get("schema"):
            Resource.registry[cls.schema.lower()] = cls

    @classmethod
    def class_for(cls, data: dict[str, Any]) -> type[Resource]:
        """The registered class for a JSON resource, by its `schemas`; `Resource` if none."""
        schemas = data.get("schemas")
        if isinstance(schemas, list):
            for urn in schemas:
                if isinstance(urn, str) and urn.lower() in Resource.registry:
                    return Resource.registry[urn.lower()]
        return Resource

    schemas: list[str] | None = attribute(multi_valued=True)
    id: str | None = attribute()
    external_id: str | None = attribute()
    meta: Meta | None = attribute(model=Meta)

    @property
    def etag(self) -> str | None:
        """The resource version from `meta.version` (RFC 7644 §3.14), if the server gave one."""
        meta: Any = self.meta
        version = meta.version if isinstance(meta, Meta) else None
        return version if isinstance(version, str) else None  # a server's 3 or ["W/1"]: none

"""Typed responses: one base that reads the body, thin subclasses that name the result.

An HTTP error status is a normal response (as in `slack_sdk.scim`); `raise_for_status()` or
`SCIMClient(raise_errors=True)` turns it into a `SCIMResponseError`. A body that cannot be
read (an HTML page from a proxy, truncated JSON) never breaks the call: `body` is `{}` and
`errors` says what was wrong.
"""

from __future__ import annotations

import re
import types
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from ._wire import MAX_JSON_DEPTH, Attempt, Headers, JSONTooDeep, read_json
from .errors import RateLimited, SCIMResponseError, error_class_for_status
from .models import (
    BulkOperationResult,
    ErrorMessage,
    Group,
    ListResponse,
    Resource,
    User,
)
from .models._base import lenient_int

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._wire import HttpRequest
    from .models import ResourceType, Schema, ServiceProviderConfig

__all__ = [
    "BulkResponse",
    "GroupCreateResponse",
    "GroupDeleteResponse",
    "GroupPatchResponse",
    "GroupResponse",
    "GroupUpdateResponse",
    "ReadGroupResponse",
    "ReadUserResponse",
    "ResourceResponse",
    "ResourceTypesResponse",
    "SCIMResponse",
    "SchemasResponse",
    "SearchGroupsResponse",
    "SearchResponse",
    "SearchUsersResponse",
    "ServiceProviderConfigResponse",
    "UserCreateResponse",
    "UserDeleteResponse",
    "UserPatchResponse",
    "UserResponse",
    "UserUpdateResponse",
    "resource_response_class",
    "search_response_class",
]

R = TypeVar("R", bound=Resource)

if TYPE_CHECKING:
    from typing import Generic as _Generic
else:

    class _Generic:
        """What `typing.Generic` gives these responses at run time, for less.

        `ResourceResponse[User]` is a `types.GenericAlias`, as `list[int]` is: it can be a
        base class (`class UserResponse(ResourceResponse[User])`), `typing.get_args` reads
        it, and no subclass pays `typing.Generic`'s bookkeeping when it is made (14 classes
        here, one per resource type met later: a visible part of `import scimkit`).
        """

        __slots__ = ()
        __class_getitem__ = classmethod(types.GenericAlias)


_NOT_PARSED: Any = object()
_SNIPPET = 200


def _snake(name: str) -> str:
    name = name.lstrip("$")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _snake_keys(value: Any, depth: int = 0) -> Any:
    if depth >= MAX_JSON_DEPTH:
        return value  # deeper than scimkit walks: left with the keys it came with
    if isinstance(value, dict):
        return {_snake(str(k)): _snake_keys(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v, depth + 1) for v in value]
    return value


class SCIMResponse:
    """What the server answered to one call.

    - `status_code`, `headers` (case-insensitive), `raw_body` (bytes), `url`, `method`;
    - `body`: the JSON object, `{}` when empty or unreadable; `snake_cased_body` likewise;
    - `errors`: an `ErrorMessage` when the call failed or the body could not be read;
    - `ok`: a 2xx status with a readable body; `etag`: the resource version, if any.

        resp = client.read_user(user_id)
        if not resp.ok:
            print(resp.status_code, resp.errors.scim_type, resp.errors.detail)
    """

    #: For a 400 to a request that names an attribute the schemas do not define: that name
    #: and the closest one they do, as the `SCIMResponseError` shows them (set by the client;
    #: a class default, so that a success costs nothing).
    hints: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        url: str,
        status_code: int,
        headers: Headers,
        raw_body: bytes,
        method: str = "GET",
        request: HttpRequest | None = None,
    ) -> None:
        self.url = url
        self.method = method
        self.status_code = status_code
        self.headers = headers
        self.raw_body = raw_body
        self.request = request
        #: The call's history: one `Attempt` per request sent, retries and redirects included.
        self.attempts: tuple[Attempt, ...] = ()
        self._body: Any = _NOT_PARSED
        self._problem: str | None = None
        #: Set by a `strict` client when a success breaks the protocol's contract.
        self.contract_problem: str | None = None

    # -- the body -------------------------------------------------------------------------

    def _parse(self) -> None:
        if self._body is not _NOT_PARSED:
            return
        raw = self.raw_body
        body: dict[str, Any] = {}
        problem: str | None = None
        if raw.strip():
            try:
                # RFC 8259 §8.1: a byte-order mark must not be sent, and may be ignored.
                # (Sliced off here: the "utf-8-sig" codec is slower than "utf-8" on every body.)
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problem = f"response body is not valid UTF-8 (byte {exc.start})"
            else:
                try:
                    parsed = read_json(text)
                except JSONTooDeep:
                    problem = (
                        f"response body is JSON nested more than {MAX_JSON_DEPTH} levels "
                        "deep, too deep to read"
                    )
                except ValueError as exc:
                    kind = self.headers.get("Content-Type") or "no content type"
                    snippet = text[:_SNIPPET] + ("…" if len(text) > _SNIPPET else "")
                    problem = f"response body is not JSON ({kind}; {exc}): {snippet!r}"
                else:
                    if isinstance(parsed, dict):
                        body = parsed
                    else:
                        problem = (
                            f"response body is a JSON {type(parsed).__name__}, "
                            "not the JSON object SCIM sends"
                        )
        self._body = body
        self._problem = problem

    @property
    def body(self) -> dict[str, Any]:
        """The JSON object the server sent; `{}` when there was none or it was unreadable."""
        self._parse()
        return cast("dict[str, Any]", self._body)

    @property
    def snake_cased_body(self) -> dict[str, Any]:
        """`body` with every key in snake_case (`userName` -> `user_name`, `$ref` -> `ref`)."""
        return cast("dict[str, Any]", _snake_keys(self.body))

    @property
    def errors(self) -> ErrorMessage | None:
        """The error the server reported, or what was wrong with the body; `None` if fine."""
        if self.status_code == 304:
            return None
        self._parse()
        if self._problem is not None:
            return ErrorMessage(status=self.status_code, detail=self._problem)
        if self.contract_problem is not None:
            return ErrorMessage(status=self.status_code, detail=self.contract_problem)
        reported = ErrorMessage.from_body(self.body)
        if 200 <= self.status_code < 300 and reported is None:
            return None
        if reported is None:
            return ErrorMessage(status=self.status_code, detail=self._status_text())
        if reported.status is None:
            reported.status = self.status_code
        return reported

    def _status_text(self) -> str:
        from http import HTTPStatus

        try:
            return f"HTTP {self.status_code} {HTTPStatus(self.status_code).phrase}"
        except ValueError:
            return f"HTTP {self.status_code}"

    @property
    def ok(self) -> bool:
        """True for a 2xx status whose body is readable and not an error message, and for
        304 Not Modified (a successful conditional read)."""
        status = self.status_code
        return (200 <= status < 300 or status == 304) and self.errors is None

    @property
    def not_modified(self) -> bool:
        """True when a read with `if_none_match=` found the resource unchanged (304)."""
        return self.status_code == 304

    @property
    def etag(self) -> str | None:
        """The `ETag` header, else `meta.version` of the returned resource (RFC 7644 §3.14)."""
        header = self.headers.get("ETag")
        if header:
            return header
        meta = self.body.get("meta")
        if isinstance(meta, dict):
            version = meta.get("version")
            if isinstance(version, str):
                return version
        return None

    def raise_for_status(self) -> Self:
        """Raise a `SCIMResponseError` subclass unless the call succeeded; else return self.

        client.read_user(user_id).raise_for_status()
        """
        if self.ok:
            return self
        raise self.to_error()

    def to_error(self) -> SCIMResponseError:
        """The exception `raise_for_status()` raises for this response."""
        errors = self.errors or ErrorMessage(status=self.status_code)
        cls = error_class_for_status(self.status_code)
        parts = [f"{self.method} {self.url} failed: HTTP {self.status_code}"]
        if errors.scim_type:
            parts.append(f"scimType={errors.scim_type}")
        if errors.detail:
            parts.append(errors.detail)
        message = " - ".join(parts)
        kwargs: dict[str, Any] = dict(
            status=self.status_code,
            scim_type=errors.scim_type,
            detail=errors.detail,
            method=self.method,
            url=self.url,
            raw_body=self.raw_body,
            response=self,
        )
        if cls is RateLimited:
            from ._wire import parse_retry_after

            return RateLimited(
                message, retry_after=parse_retry_after(self.headers.get("Retry-After")), **kwargs
            )
        return cls(message, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.method} {self.url} status_code={self.status_code}>"


class ResourceResponse(SCIMResponse, _Generic[R]):
    """A response that carries one resource: `.resource` (None on failure or no content)."""

    resource_class: ClassVar[type[Resource]] = Resource

    @property
    def resource(self) -> R | None:
        """The resource the server returned as a model; `None` on failure or no body."""
        if not self.ok or not self.body:
            return None
        cached = self.__dict__.get("_resource")
        if cached is None:
            cached = self.__dict__["_resource"] = self.resource_class.from_dict(self.body)
        return cast(R, cached)


class SearchResponse(SCIMResponse, _Generic[R]):
    """A page of results (RFC 7644 §3.4.2): `.resources`, `total_results`, `start_index`…"""

    resource_class: ClassVar[type[Resource]] = Resource

    @property
    def _list(self) -> ListResponse:
        return ListResponse.from_dict(self.body)

    @property
    def resources(self) -> list[R]:
        """The resources of this page as models; entries that are not objects are skipped.

        A search across resource types (the server root) gives each resource the model
        registered for its `schemas` (`User`, `Group`, your own `Resource` subclasses).
        """
        cached = self.__dict__.get("_resources")
        if cached is None:
            items = self.resource_objects()
            model = self.resource_class
            if model is Resource:
                cached = [Resource.class_for(item).from_dict(item) for item in items]
            else:
                cached = [model.from_dict(item) for item in items]
            self.__dict__["_resources"] = cached
        return cast("list[R]", cached)

    def resource_objects(self) -> list[dict[str, Any]]:
        """The resources of this page as the JSON objects the server sent, not copied (to
        read, not to change); entries that are not objects are skipped. Cheaper than
        `resources` for code that needs no model, such as `scimkit.sync`'s reading."""
        found = self._list.resources if self.ok else None
        return [item for item in found or [] if isinstance(item, dict)]

    # Paging numbers are read leniently: a JSON integer, or a string of ASCII digits; a
    # float, `true`, "12.5" or "²" is treated as absent, as if the server had not said.
    @property
    def total_results(self) -> int | None:
        """How many resources match in all (`totalResults`); `None` if absent or not a number."""
        return lenient_int(self._list.total_results)

    @property
    def start_index(self) -> int | None:
        """The 1-based index of the first resource of this page (`startIndex`)."""
        return lenient_int(self._list.start_index)

    @property
    def next_cursor(self) -> str | None:
        """RFC 9865: the cursor of the next page, when the server pages by cursor."""
        value = self._list.next_cursor
        return value if isinstance(value, str) and value else None

    @property
    def items_per_page(self) -> int | None:
        """How many resources this page holds (`itemsPerPage`)."""
        return lenient_int(self._list.items_per_page)


_RESPONSE_CLASSES: dict[tuple[type, type[Resource]], type] = {}


def _response_class(base: type, resource_class: type[Resource]) -> type:
    key = (base, resource_class)
    made = _RESPONSE_CLASSES.get(key)
    if made is None:
        made = type(
            f"{resource_class.__name__}{base.__name__}", (base,), {"resource_class": resource_class}
        )
        _RESPONSE_CLASSES[key] = made
    return made


def resource_response_class(resource_class: type[R]) -> type[ResourceResponse[R]]:
    """The `ResourceResponse` subclass whose `.resource` is a `resource_class` (cached)."""
    if resource_class is User:
        return UserResponse  # type: ignore[return-value]
    if resource_class is Group:
        return GroupResponse  # type: ignore[return-value]
    return _response_class(ResourceResponse, resource_class)


def search_response_class(resource_class: type[R]) -> type[SearchResponse[R]]:
    """The `SearchResponse` subclass whose `.resources` are `resource_class` models (cached)."""
    if resource_class is User:
        return SearchUsersResponse  # type: ignore[return-value]
    if resource_class is Group:
        return SearchGroupsResponse  # type: ignore[return-value]
    return _response_class(SearchResponse, resource_class)


class UserResponse(ResourceResponse[User]):
    """A response carrying one `User`."""

    resource_class = User

    @property
    def user(self) -> User | None:
        """The user the server returned; `None` when the call failed or returned no body."""
        return self.resource


class GroupResponse(ResourceResponse[Group]):
    """A response carrying one `Group`."""

    resource_class = Group

    @property
    def group(self) -> Group | None:
        """The group the server returned; `None` when the call failed or returned no body."""
        return self.resource


class SearchUsersResponse(SearchResponse[User]):
    """`search_users()`: `.users` on this page, plus the paging numbers."""

    resource_class = User

    @property
    def users(self) -> list[User]:
        """The users on this page."""
        return self.resources


class SearchGroupsResponse(SearchResponse[Group]):
    """`search_groups()`: `.groups` on this page, plus the paging numbers."""

    resource_class = Group

    @property
    def groups(self) -> list[Group]:
        """The groups on this page."""
        return self.resources


class ReadUserResponse(UserResponse):
    """`read_user()`."""


class UserCreateResponse(UserResponse):
    """`create_user()`: 201 and the created `.user` with its server-assigned `id`."""


class UserPatchResponse(UserResponse):
    """`patch_user()`: the updated `.user`, or no body (204) on some servers."""


class UserUpdateResponse(UserResponse):
    """`update_user()`: the replaced `.user`."""


class UserDeleteResponse(SCIMResponse):
    """`delete_user()`: 204 on success."""


class ReadGroupResponse(GroupResponse):
    """`read_group()`."""


class GroupCreateResponse(GroupResponse):
    """`create_group()`."""


class GroupPatchResponse(GroupResponse):
    """`patch_group()`."""


class GroupUpdateResponse(GroupResponse):
    """`update_group()`."""


class GroupDeleteResponse(SCIMResponse):
    """`delete_group()`."""


class ServiceProviderConfigResponse(SCIMResponse):
    """`service_provider_config()`: `.config`, or None when the call failed."""

    @property
    def config(self) -> ServiceProviderConfig | None:
        """The server's `ServiceProviderConfig`; `None` when the call failed."""
        from .models.discovery import ServiceProviderConfig  # loaded on first use

        return ServiceProviderConfig.from_dict(self.body) if self.ok and self.body else None


class _DiscoveryList(SCIMResponse):
    def _items(self) -> list[dict[str, Any]]:
        if not self.ok:
            return []
        found = ListResponse.from_dict(self.body).resources
        return [item for item in found or [] if isinstance(item, dict)]


class ResourceTypesResponse(_DiscoveryList):
    """`resource_types()`: `.resource_types` the server serves."""

    @property
    def resource_types(self) -> list[ResourceType]:
        """The resource types listed; empty when the call failed."""
        from .models.discovery import ResourceType  # loaded on first use

        return [ResourceType.from_dict(item) for item in self._items()]


class SchemasResponse(_DiscoveryList):
    """`schemas()`: the `.schemas` the server uses."""

    @property
    def schemas(self) -> list[Schema]:
        """The schemas listed; empty when the call failed."""
        from .models.discovery import Schema  # loaded on first use

        return [Schema.from_dict(item) for item in self._items()]


class BulkResponse:
    """The outcome of `client.bulk()`, which may have taken several HTTP requests.

    - `operations`: a `BulkOperationResult` for each operation the server answered, in order;
    - `not_sent`: the operations never sent (`fail_on_errors` reached, or a request refused);
    - `responses`: the HTTP responses, one per request sent;
    - `ok`: every request and every operation succeeded and nothing was left unsent;
    - `ids`: the id of each resource created, by `bulkId`.
    """

    def __init__(
        self,
        operations: list[BulkOperationResult],
        responses: list[SCIMResponse],
        not_sent: list[dict[str, Any]],
    ) -> None:
        self.operations = operations
        self.responses = responses
        self.not_sent = not_sent

    @property
    def status_code(self) -> int | None:
        """The status of the last HTTP request (200 when the server took the batch)."""
        return self.responses[-1].status_code if self.responses else None

    @property
    def ok(self) -> bool:
        """Every request and every operation succeeded, and nothing was left unsent."""
        return (
            all(r.ok for r in self.responses)
            and all(op.ok for op in self.operations)
            and not self.not_sent
        )

    @property
    def ids(self) -> dict[str, str]:
        """The id of each resource created, by the `bulkId` its operation gave it."""
        return {op.bulk_id: op.id for op in self.operations if op.ok and op.bulk_id and op.id}

    @property
    def failed(self) -> list[BulkOperationResult]:
        """The operations the server answered with an error, in order."""
        return [op for op in self.operations if not op.ok]

    def raise_for_status(self) -> BulkResponse:
        """Raise the error of the first refused request; operations that failed inside an
        accepted request are in `failed`, not raised."""
        for response in self.responses:
            response.raise_for_status()
        return self

    def __repr__(self) -> str:
        return (
            f"<BulkResponse requests={len(self.responses)} operations={len(self.operations)} "
            f"failed={len(self.failed)} not_sent={len(self.not_sent)}>"
        )

"""`AsyncSCIMClient`: the calls of `SCIMClient` as coroutines, for asyncio programs.

    async with AsyncSCIMClient("https://example.com/scim/v2", token=token) as client:
        created = await client.create_user(User(user_name="bjensen"))
        async for user in client.iter_users(page_size=100):
            print(user.user_name)

It is not a second client. Each call runs the ordinary blocking `SCIMClient` method in a
thread of a bounded pool that the async client owns (`max_workers` threads named
`scimkit-aio_N`, by default as many as the client keeps connections), so requests, retry
handlers, logging, errors and typed responses are exactly those of `SCIMClient`, and the
event loop never waits on a socket. At most `max_workers` calls are on the network at once;
more wait in the pool's queue.

Cancelling a task that awaits a call stops the wait, not the request: a call still queued
for a thread is dropped and never sent, but one already running finishes in its thread and
its answer is thrown away. A cancelled `create_user` may therefore still have created the
user, as after a timeout: search for it before creating it again.

`aclose()` (or leaving `async with`) refuses new calls, waits without blocking the loop
for those already submitted, shuts the pool down and closes the connection pool of the
underlying `SCIMClient`. A call after that raises `RuntimeError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

# THREAD_NAME_PREFIX was defined here first: it stays importable from here.
from ._aio_base import THREAD_NAME_PREFIX as THREAD_NAME_PREFIX
from ._aio_base import _AsyncClientBase, _check_max_workers
from .client import AttributeNames, SCIMClient
from .models import BulkOperation, Group, Resource, User
from .responses import (
    BulkResponse,
    GroupCreateResponse,
    GroupDeleteResponse,
    GroupPatchResponse,
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
    UserUpdateResponse,
)

if TYPE_CHECKING:
    from ._request import Token
    from .discovery import Discovery

__all__ = ["AsyncSCIMClient"]

R = TypeVar("R", bound=Resource)


# This module holds the calls, each a thin coroutine over the `SCIMClient` call of the same
# name. The wrapped client, the thread pool, `from_client`, the properties and the lifecycle
# (`aclose`, `async with`) are inherited from `_AsyncClientBase` in `_aio_base.py`; the
# async paging iterator is `_Pages` in `_aio_pages.py`.
class AsyncSCIMClient(_AsyncClientBase):
    """A SCIM client for asyncio: every call of `SCIMClient` as a coroutine.

        async with AsyncSCIMClient(base_url, token=token, max_workers=4) as client:
            resp = await client.search_users(filter='userName eq "bjensen"')

    `base_url`, `token` and the keyword arguments are those of `SCIMClient()`, which is
    built from them; `max_workers` bounds the threads that run calls (by default the
    client's `max_connections`, so that each thread can reuse a kept-alive connection). To
    wrap a client you already have, use `AsyncSCIMClient.from_client(client)`.
    """

    def __init__(
        self,
        base_url: str,
        token: Token = None,
        *,
        max_workers: int | None = None,
        **client_kwargs: Any,
    ) -> None:
        # The pool size is checked first, so that a bad one never builds a client.
        _check_max_workers(max_workers)
        self._start(SCIMClient(base_url, token, **client_kwargs), max_workers)

    # -- the one call everything goes through --------------------------------------------

    async def api_call(
        self,
        http_verb: str,
        path: str,
        query_params: Mapping[str, Any] | None = None,
        body_params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SCIMResponse:
        """Call any endpoint, as `SCIMClient.api_call`.

        resp = await client.api_call("GET", "/ServiceProviderConfig")
        """
        return await self._run(
            self._client.api_call, http_verb, path, query_params, body_params, headers
        )

    # -- Users ----------------------------------------------------------------------------

    async def search_users(
        self,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> SearchUsersResponse:
        """One page of users, as `SCIMClient.search_users`.

        resp = await client.search_users(filter='userName eq "bjensen"', count=10)
        """
        return await self._run(
            self._client.search_users,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )

    def iter_users(
        self,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> AsyncIterator[User]:
        """Every user matching `filter`, a page fetched in a thread as you iterate.

            async for user in client.iter_users(filter="active eq true", page_size=200):
                print(user.user_name)

        Arguments are checked at the call; nothing is sent before the first item is asked
        for. A page that fails raises its `SCIMResponseError` from `async for`.
        """
        items = self._client.iter_users(
            filter=filter,
            page_size=page_size,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            pagination=pagination,
        )
        return self._paged(items, page_size)

    async def read_user(
        self,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ReadUserResponse:
        """Read one user by `id`, as `SCIMClient.read_user`.

        user = (await client.read_user(user_id)).user
        """
        return await self._run(
            self._client.read_user,
            id,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            if_none_match=if_none_match,
        )

    async def create_user(self, user: User | Mapping[str, Any]) -> UserCreateResponse:
        """Create a user, as `SCIMClient.create_user`.

        resp = await client.create_user(User(user_name="bjensen"))
        """
        return await self._run(self._client.create_user, user)

    async def patch_user(
        self, id: str, partial_user: Any, *, if_match: str | None = None
    ) -> UserPatchResponse:
        """Change some attributes of a user, as `SCIMClient.patch_user`.

        await client.patch_user(user_id, User(active=False))
        """
        return await self._run(self._client.patch_user, id, partial_user, if_match=if_match)

    async def update_user(
        self, user: User | Mapping[str, Any], *, if_match: str | None = None
    ) -> UserUpdateResponse:
        """Replace a user (PUT), as `SCIMClient.update_user`.

        await client.update_user(user)
        """
        return await self._run(self._client.update_user, user, if_match=if_match)

    async def delete_user(self, id: str, *, if_match: str | None = None) -> UserDeleteResponse:
        """Delete a user, as `SCIMClient.delete_user`.

        await client.delete_user(user_id)
        """
        return await self._run(self._client.delete_user, id, if_match=if_match)

    # -- Groups ---------------------------------------------------------------------------

    async def search_groups(
        self,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> SearchGroupsResponse:
        """One page of groups, as `SCIMClient.search_groups`.

        resp = await client.search_groups(filter='displayName sw "Tour"')
        """
        return await self._run(
            self._client.search_groups,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )

    def iter_groups(
        self,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> AsyncIterator[Group]:
        """Every group matching `filter`, a page at a time (see `iter_users`).

        names = [g.display_name async for g in client.iter_groups()]
        """
        items = self._client.iter_groups(
            filter=filter,
            page_size=page_size,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            pagination=pagination,
        )
        return self._paged(items, page_size)

    async def read_group(
        self,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ReadGroupResponse:
        """Read one group by `id`, as `SCIMClient.read_group`.

        group = (await client.read_group(group_id)).group
        """
        return await self._run(
            self._client.read_group,
            id,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            if_none_match=if_none_match,
        )

    async def create_group(self, group: Group | Mapping[str, Any]) -> GroupCreateResponse:
        """Create a group, as `SCIMClient.create_group`.

        resp = await client.create_group(Group(display_name="Tour Guides"))
        """
        return await self._run(self._client.create_group, group)

    async def patch_group(
        self, id: str, partial_group: Any, *, if_match: str | None = None
    ) -> GroupPatchResponse:
        """Change some attributes of a group, as `SCIMClient.patch_group`.

        await client.patch_group(group_id, Group(display_name="Tour Leads"))
        """
        return await self._run(self._client.patch_group, id, partial_group, if_match=if_match)

    async def update_group(
        self, group: Group | Mapping[str, Any], *, if_match: str | None = None
    ) -> GroupUpdateResponse:
        """Replace a group (PUT), as `SCIMClient.update_group`.

        await client.update_group(group)
        """
        return await self._run(self._client.update_group, group, if_match=if_match)

    async def delete_group(self, id: str, *, if_match: str | None = None) -> GroupDeleteResponse:
        """Delete a group, as `SCIMClient.delete_group`.

        await client.delete_group(group_id)
        """
        return await self._run(self._client.delete_group, id, if_match=if_match)

    # -- any resource type (RFC 7644 §3.3 - §3.6) ----------------------------------------

    @overload
    async def create(self, resource: R, *, endpoint: None = None) -> ResourceResponse[R]: ...
    @overload
    async def create(
        self, resource: Resource | Mapping[str, Any], *, endpoint: str
    ) -> ResourceResponse[Resource]: ...
    async def create(
        self, resource: Resource | Mapping[str, Any], *, endpoint: str | None = None
    ) -> ResourceResponse[Any]:
        """Create a resource of any type, as `SCIMClient.create`.

        created = await client.create({"serialNumber": "X1"}, endpoint="/Devices")
        """
        # The overloads split what this signature accepts; SCIMClient.create checks it.
        create: Callable[..., ResourceResponse[Any]] = self._client.create
        return await self._run(create, resource, endpoint=endpoint)

    @overload
    async def read(
        self,
        resource_type: type[R],
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ResourceResponse[R]: ...
    @overload
    async def read(
        self,
        resource_type: str,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ResourceResponse[Resource]: ...
    async def read(
        self,
        resource_type: type[Resource] | str,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ResourceResponse[Any]:
        """Read one resource of any type, as `SCIMClient.read`.

        device = (await client.read(Device, device_id)).resource
        """
        return await self._run(
            self._client.read,
            resource_type,
            id,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            if_none_match=if_none_match,
        )

    @overload
    async def search(
        self,
        resource_type: type[R],
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        use_post: bool = False,
    ) -> SearchResponse[R]: ...
    @overload
    async def search(
        self,
        resource_type: str,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        use_post: bool = False,
    ) -> SearchResponse[Resource]: ...
    async def search(
        self,
        resource_type: type[Resource] | str,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        use_post: bool = False,
    ) -> SearchResponse[Any]:
        """One page of resources of any type, as `SCIMClient.search`.

        page = await client.search("/Devices", filter='serialNumber sw "X"', count=50)
        """
        return await self._run(
            self._client.search,
            resource_type,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            use_post=use_post,
        )

    async def search_all(
        self,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> SearchResponse[Resource]:
        """Search every resource type at once (`POST /.search`), as `SCIMClient.search_all`.

        found = await client.search_all(filter='userName sw "b"')
        """
        return await self._run(
            self._client.search_all,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )

    @overload
    def iter_resources(
        self,
        resource_type: type[R],
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> AsyncIterator[R]: ...
    @overload
    def iter_resources(
        self,
        resource_type: str,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> AsyncIterator[Resource]: ...
    def iter_resources(
        self,
        resource_type: type[Resource] | str,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> AsyncIterator[Any]:
        """Every resource of a type, a page at a time (see `iter_users`).

        serials = [d.serial_number async for d in client.iter_resources(Device)]
        """
        items = self._client.iter_resources(
            resource_type,
            filter=filter,
            page_size=page_size,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            pagination=pagination,
        )
        return self._paged(items, page_size)

    @overload
    async def replace(
        self, resource: R, *, endpoint: None = None, if_match: str | None = None
    ) -> ResourceResponse[R]: ...
    @overload
    async def replace(
        self,
        resource: Resource | Mapping[str, Any],
        *,
        endpoint: str,
        if_match: str | None = None,
    ) -> ResourceResponse[Resource]: ...
    async def replace(
        self,
        resource: Resource | Mapping[str, Any],
        *,
        endpoint: str | None = None,
        if_match: str | None = None,
    ) -> ResourceResponse[Any]:
        """Replace a resource (PUT), as `SCIMClient.replace`.

        await client.replace(device, if_match=device.etag)
        """
        replace: Callable[..., ResourceResponse[Any]] = self._client.replace
        return await self._run(replace, resource, endpoint=endpoint, if_match=if_match)

    @overload
    async def patch(
        self,
        resource_type: type[R],
        id: str,
        operations: Any,
        *,
        if_match: str | None = None,
    ) -> ResourceResponse[R]: ...
    @overload
    async def patch(
        self,
        resource_type: str,
        id: str,
        operations: Any,
        *,
        if_match: str | None = None,
    ) -> ResourceResponse[Resource]: ...
    async def patch(
        self,
        resource_type: type[Resource] | str,
        id: str,
        operations: Any,
        *,
        if_match: str | None = None,
    ) -> ResourceResponse[Any]:
        """PATCH a resource of any type, as `SCIMClient.patch`.

        await client.patch(Device, device_id, {"location": "Rack 5"})
        """
        return await self._run(
            self._client.patch,
            resource_type,
            id,
            operations,
            if_match=if_match,
        )

    async def delete(
        self, resource_type: type[Resource] | str, id: str, *, if_match: str | None = None
    ) -> SCIMResponse:
        """Delete a resource of any type, as `SCIMClient.delete`.

        await client.delete(Device, device_id)
        """
        return await self._run(self._client.delete, resource_type, id, if_match=if_match)

    # -- the authenticated subject (RFC 7644 §3.11) --------------------------------------

    async def read_me(
        self, *, attributes: AttributeNames = None, excluded_attributes: AttributeNames = None
    ) -> ReadUserResponse:
        """Read the token's own user (`GET /Me`), as `SCIMClient.read_me`.

        me = (await client.read_me()).user
        """
        return await self._run(
            self._client.read_me, attributes=attributes, excluded_attributes=excluded_attributes
        )

    async def replace_me(
        self, user: User | Mapping[str, Any], *, if_match: str | None = None
    ) -> UserUpdateResponse:
        """Replace the token's own user (`PUT /Me`), as `SCIMClient.replace_me`.

        await client.replace_me(User(user_name="bjensen", display_name="Babs"))
        """
        return await self._run(self._client.replace_me, user, if_match=if_match)

    async def patch_me(
        self, partial_user: Any, *, if_match: str | None = None
    ) -> UserPatchResponse:
        """Change the token's own user (`PATCH /Me`), as `SCIMClient.patch_me`.

        await client.patch_me(User(display_name="Babs"))
        """
        return await self._run(self._client.patch_me, partial_user, if_match=if_match)

    async def delete_me(self, *, if_match: str | None = None) -> UserDeleteResponse:
        """Delete the token's own user (`DELETE /Me`), as `SCIMClient.delete_me`.

        await client.delete_me()
        """
        return await self._run(self._client.delete_me, if_match=if_match)

    # -- bulk (RFC 7644 §3.7) -------------------------------------------------------------

    async def bulk(
        self,
        operations: Sequence[BulkOperation | Mapping[str, Any]],
        *,
        fail_on_errors: int | None = None,
        max_operations: int | None = None,
        max_payload_size: int | None = None,
    ) -> BulkResponse:
        """Send many operations in as few requests as the server allows, as `SCIMClient.bulk`.

        The requests of one batch are sent one after the other in the same thread.

            result = await client.bulk([BulkOperation(method="POST", path="/Users",
                                                      bulk_id="u1", data={"userName": "a"})])
        """
        return await self._run(
            self._client.bulk,
            operations,
            fail_on_errors=fail_on_errors,
            max_operations=max_operations,
            max_payload_size=max_payload_size,
        )

    # -- discovery (RFC 7644 §4) ----------------------------------------------------------

    async def service_provider_config(self) -> ServiceProviderConfigResponse:
        """`GET /ServiceProviderConfig`, as `SCIMClient.service_provider_config`.

        config = (await client.service_provider_config()).config
        """
        return await self._run(self._client.service_provider_config)

    async def resource_types(self) -> ResourceTypesResponse:
        """`GET /ResourceTypes`, as `SCIMClient.resource_types`.

        endpoints = [t.endpoint for t in (await client.resource_types()).resource_types]
        """
        return await self._run(self._client.resource_types)

    async def schemas(self) -> SchemasResponse:
        """`GET /Schemas`, as `SCIMClient.schemas`.

        ids = [s.id for s in (await client.schemas()).schemas]
        """
        return await self._run(self._client.schemas)

    async def discover(self, *, refresh: bool = False) -> Discovery:
        """Read the discovery endpoints once and keep what they say, as `SCIMClient.discover`.

        found = await client.discover()
        """
        return await self._run(self._client.discover, refresh=refresh)

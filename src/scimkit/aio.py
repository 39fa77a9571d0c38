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

import asyncio
import concurrent.futures
import contextvars
import functools
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

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
    from types import TracebackType

    from typing_extensions import ParamSpec, Self

    from ._request import Token
    from .discovery import Discovery
    from .retry import RetryHandler

    P = ParamSpec("P")

__all__ = ["AsyncSCIMClient"]

T = TypeVar("T")
R = TypeVar("R", bound=Resource)

THREAD_NAME_PREFIX = "scimkit-aio"


class AsyncSCIMClient:
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

    @classmethod
    def from_client(cls, client: SCIMClient, *, max_workers: int | None = None) -> Self:
        """Wrap an existing `SCIMClient`; `aclose()` closes its connection pool too.

            client = AsyncSCIMClient.from_client(SCIMClient.for_wsgi(app, token="t"))

        The sync client stays usable: its retry handlers, its discovery and its connections
        are shared, and closing only drops the kept-alive connections, which it opens again
        if it is used afterwards.
        """
        if not isinstance(client, SCIMClient):
            raise TypeError(f"client must be a SCIMClient, not {type(client).__name__}")
        _check_max_workers(max_workers)
        wrapper = cls.__new__(cls)
        wrapper._start(client, max_workers)
        return wrapper

    def _start(self, client: SCIMClient, max_workers: int | None) -> None:
        self._client = client
        self.max_workers: int = client.max_connections if max_workers is None else max_workers
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.max_workers, thread_name_prefix=THREAD_NAME_PREFIX
        )
        self._closed = False
        # Submitted calls, so that aclose() can wait for them without blocking the loop.
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self._pending_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"AsyncSCIMClient({self._client.base_url!r}, "
            f"scim_version={self._client.scim_version!r}, max_workers={self.max_workers})"
        )

    @property
    def sync_client(self) -> SCIMClient:
        """The `SCIMClient` that performs the calls (its settings are this client's)."""
        return self._client

    @property
    def base_url(self) -> str:
        """The service provider's base URL, as `SCIMClient.base_url`."""
        return self._client.base_url

    @property
    def retry_handlers(self) -> list[RetryHandler]:
        """The wrapped client's own list: appending a handler here changes both."""
        return self._client.retry_handlers

    @property
    def closed(self) -> bool:
        """Whether `aclose()` was called; a closed client refuses calls."""
        return self._closed

    # -- lifecycle ------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Refuse new calls, wait for those submitted, stop the threads, close connections.

            await client.aclose()

        Closing twice does nothing. Calls that were already submitted finish (a cancelled
        one included) before the pool shuts down; the loop keeps running meanwhile.
        """
        if self._closed:
            return
        self._closed = True
        with self._pending_lock:
            waiters = [asyncio.wrap_future(future) for future in self._pending]
        try:
            if waiters:
                await asyncio.wait(waiters)
        except BaseException:
            # aclose() itself was cancelled: let the threads end on their own.
            self._executor.shutdown(wait=False)
            self._client.close()
            raise
        for waiter in waiters:
            # Their callers saw these outcomes, or gave up on them: none is "never retrieved".
            if not waiter.cancelled():
                waiter.exception()
        # Nothing is running now, so the threads exit at once and joining them is quick.
        self._executor.shutdown(wait=True)
        self._client.close()

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- running blocking calls -----------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this AsyncSCIMClient is closed; create a new one")

    def _submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        self._check_open()
        # The caller's context variables travel with the call, as asyncio.to_thread does.
        call = functools.partial(fn, *args, **kwargs)
        future = self._executor.submit(contextvars.copy_context().run, call)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    async def _run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` in a pool thread; cancelling drops it only if not started."""
        return await asyncio.wrap_future(self._submit(fn, *args, **kwargs))

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

    # -- paging ---------------------------------------------------------------------------

    def _paged(self, items: Iterator[T], page_size: int) -> AsyncIterator[T]:
        self._check_open()
        return _Pages(self, items, page_size)


class _Pages(Generic[T]):
    """Items of a sync paging iterator, `page_size` of them pulled per trip to a thread.

    The sync iterator asks the server for a page only when the previous one is used up,
    so a batch of `page_size` items is one request to a server that honours `count`; a
    server that sends shorter pages is asked as many times as it takes to fill the batch.
    Only one batch is held at a time.

    Cancelling a step while its batch is being fetched does not lose the batch: the fetch
    goes on in its thread and the next step waits for it rather than starting another (two
    threads must never drive the sync iterator at once). A fetch not yet started is dropped.
    """

    def __init__(self, client: AsyncSCIMClient, items: Iterator[T], page_size: int) -> None:
        self._client = client
        self._items = items
        self._page_size = page_size
        self._buffer: deque[T] = deque()
        self._exhausted = False
        self._fetch: concurrent.futures.Future[list[T]] | None = None

    def __aiter__(self) -> _Pages[T]:
        return self

    async def __anext__(self) -> T:
        if not self._buffer:
            if self._exhausted:
                raise StopAsyncIteration
            batch = await self._next_batch()
            # A short batch means the sync iterator ended: no need for another trip.
            self._exhausted = len(batch) < self._page_size
            if not batch:
                raise StopAsyncIteration
            self._buffer.extend(batch)
        return self._buffer.popleft()

    async def _next_batch(self) -> list[T]:
        fetch = self._fetch
        if fetch is None:
            fetch = self._fetch = self._client._submit(_take, self._items, self._page_size)
        waiter = asyncio.wrap_future(fetch)
        # Whoever waits for the batch sees its error; a waiter given up on reports nothing.
        waiter.add_done_callback(_consume)
        try:
            # shield: cancelling this step must not cancel the shared fetch by itself.
            batch = await asyncio.shield(waiter)
        except asyncio.CancelledError:
            if fetch.cancel():  # still queued: never sent
                self._fetch = None
            raise
        except BaseException:
            self._fetch = None
            raise
        self._fetch = None
        return batch


def _consume(waiter: asyncio.Future[Any]) -> None:
    if not waiter.cancelled():
        waiter.exception()


def _take(items: Iterator[T], count: int) -> list[T]:
    """The next `count` items at most; `islice` asks for no more than that."""
    return list(islice(items, count))


def _check_max_workers(max_workers: object) -> None:
    if max_workers is None:
        return
    if isinstance(max_workers, bool) or not isinstance(max_workers, int):
        raise TypeError(f"max_workers must be an int or None, not {type(max_workers).__name__}")
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")

"""AsyncSCIMClient: the blocking client's calls as coroutines, on a bounded pool of threads.

Every test drives the event loop with `asyncio.run` and talks to the local server over real
sockets. Nothing waits on a clock: threads meet at barriers and events, and the server's
request log says what was sent and when.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import threading
import typing
from collections.abc import AsyncIterator, Coroutine
from typing import Any, Callable, TypeVar

import pytest

from scimkit import (
    BulkOperation,
    Conflict,
    Group,
    GroupCreateResponse,
    NotFound,
    ReadGroupResponse,
    ReadUserResponse,
    Resource,
    SCIMClient,
    ServerError,
    TransportError,
    User,
    UserCreateResponse,
    UserDeleteResponse,
    UserPatchResponse,
    UserUpdateResponse,
)
from scimkit.aio import AsyncSCIMClient
from scimkit.retry import RateLimitErrorRetryHandler
from scimkit.testing import Fault, SCIMServer

from .checks import pool_of, resource_id, returned
from .conftest import SleepRecorder

T = TypeVar("T")

# Long enough never to trip on a slow machine; a test that reaches it has failed anyway.
HANG = 30.0


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


def open_client(server: SCIMServer, **kwargs: Any) -> AsyncSCIMClient:
    return AsyncSCIMClient(server.url, token=server.token, **kwargs)


async def next_item(items: AsyncIterator[T]) -> T:
    """One step of `async for`, as a coroutine a task can run (`anext` is Python 3.10+)."""
    return await items.__anext__()


def add_users(server: SCIMServer, count: int) -> None:
    for n in range(count):
        server.add_resource("Users", {"userName": f"u{n:02d}"})


# -- CRUD ---------------------------------------------------------------------------------


def test_users_are_created_read_changed_replaced_and_deleted(server: SCIMServer) -> None:
    async def scenario() -> None:
        async with open_client(server) as client:
            created = await client.create_user(User(user_name="bjensen", title="Guide"))
            assert isinstance(created, UserCreateResponse) and created.status_code == 201
            user_id = resource_id(created)

            read = await client.read_user(user_id)
            assert isinstance(read, ReadUserResponse)
            assert returned(read).user_name == "bjensen"

            patched = await client.patch_user(user_id, User(title="Lead"))
            assert isinstance(patched, UserPatchResponse) and returned(patched).title == "Lead"

            user = returned(read)
            user.display_name = "Babs"
            updated = await client.update_user(user)
            assert isinstance(updated, UserUpdateResponse) and updated.ok
            assert returned(updated).display_name == "Babs"

            found = await client.search_users(filter='userName eq "bjensen"')
            assert [u.id for u in found.users] == [user_id]

            deleted = await client.delete_user(user_id)
            assert isinstance(deleted, UserDeleteResponse) and deleted.status_code == 204
            assert (await client.read_user(user_id)).status_code == 404

    run(scenario())
    assert server.resources("Users") == []


def test_groups_are_created_read_changed_replaced_and_deleted(server: SCIMServer) -> None:
    member = server.add_resource("Users", {"userName": "bjensen"})

    async def scenario() -> None:
        async with open_client(server) as client:
            created = await client.create_group(Group(display_name="Tour Guides"))
            assert isinstance(created, GroupCreateResponse) and created.status_code == 201
            group_id = resource_id(created)

            patch = [{"op": "add", "path": "members", "value": [{"value": member["id"]}]}]
            assert (await client.patch_group(group_id, patch)).ok

            read = await client.read_group(group_id)
            assert isinstance(read, ReadGroupResponse)
            group = returned(read)
            assert [m.value for m in group.members or []] == [member["id"]]

            group.display_name = "Tour Leads"
            assert returned(await client.update_group(group)).display_name == "Tour Leads"
            found = await client.search_groups(filter='displayName eq "Tour Leads"')
            assert [g.id for g in found.groups] == [group_id]
            assert (await client.delete_group(group_id)).status_code == 204

    run(scenario())
    assert server.resources("Groups") == []


# -- every call is the blocking client's own ------------------------------------------------

# Each async method, the arguments it is called with, and the HTTP method of its last request.
# `{user}` and `{group}` in an argument stand for the ids of a user and a group on the server.
CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any], str]] = {
    "api_call": (("GET", "/Users", {"count": 1}), {}, "GET"),
    "search_users": ((), {"filter": 'userName eq "bjensen"', "count": 5}, "GET"),
    "read_user": (("{user}",), {"attributes": ["userName"]}, "GET"),
    "create_user": ((User(user_name="new"),), {}, "POST"),
    "patch_user": (("{user}", User(title="Lead")), {}, "PATCH"),
    "update_user": ((User(id="{user}", user_name="bjensen", title="Lead"),), {}, "PUT"),
    "delete_user": (("{user}",), {}, "DELETE"),
    "search_groups": ((), {"filter": 'displayName sw "T"', "sort_by": "displayName"}, "GET"),
    "read_group": (("{group}",), {"excluded_attributes": "members"}, "GET"),
    "create_group": ((Group(display_name="New"),), {}, "POST"),
    "patch_group": (("{group}", Group(display_name="Renamed")), {}, "PATCH"),
    "update_group": ((Group(id="{group}", display_name="Renamed"),), {}, "PUT"),
    "delete_group": (("{group}",), {}, "DELETE"),
    "create": (({"userName": "generic"},), {"endpoint": "/Users"}, "POST"),
    "read": ((User, "{user}"), {}, "GET"),
    "search": (("/Groups",), {"filter": 'displayName sw "T"', "use_post": True}, "POST"),
    "search_all": ((), {"filter": 'userName sw "b"', "count": 3}, "POST"),
    "replace": ((User(id="{user}", user_name="bjensen"),), {}, "PUT"),
    "patch": (("/Groups", "{group}", [{"op": "remove", "path": "members"}]), {}, "PATCH"),
    "delete": ((Group, "{group}"), {}, "DELETE"),
    "read_me": ((), {"attributes": "userName"}, "GET"),
    "replace_me": ((User(user_name="bjensen", title="Me"),), {}, "PUT"),
    "patch_me": ((User(title="Me"),), {}, "PATCH"),
    "delete_me": ((), {}, "DELETE"),
    "bulk": (
        ([BulkOperation(method="POST", path="/Users", bulk_id="b1", data={"userName": "bulk"})],),
        {"max_operations": 10, "max_payload_size": 100_000},
        "POST",
    ),
    "service_provider_config": ((), {}, "GET"),
    "resource_types": ((), {}, "GET"),
    "schemas": ((), {}, "GET"),
    "discover": ((), {"refresh": True}, "GET"),
}
ITERATORS = ("iter_users", "iter_groups", "iter_resources")


def fill(value: Any, ids: dict[str, str]) -> Any:
    """`value` with the `{user}` / `{group}` placeholders replaced, in strings and models."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, User):
        return User.from_dict(fill(value.to_dict(), ids))
    if isinstance(value, Group):
        return Group.from_dict(fill(value.to_dict(), ids))
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


def seeded_server() -> tuple[SCIMServer, dict[str, str]]:
    server = SCIMServer().start()
    user = server.add_resource("Users", {"userName": "bjensen"})
    group = server.add_resource("Groups", {"displayName": "Tour Guides"})
    server.me = user["id"]
    return server, {"user": user["id"], "group": group["id"]}


def sent(server: SCIMServer) -> list[tuple[str, str, dict[str, list[str]], Any]]:
    return [(r.method, r.path, r.query, r.json) for r in server.requests]


def test_every_request_method_of_the_sync_client_has_an_async_twin_in_the_table() -> None:
    public = {
        name
        for klass in SCIMClient.__mro__[:-1]
        for name, value in vars(klass).items()
        if not name.startswith("_") and callable(value)
    }
    assert public - {"close", "for_wsgi"} == set(CALLS) | set(ITERATORS)
    for name in CALLS:
        assert inspect.iscoroutinefunction(getattr(AsyncSCIMClient, name)), name
    for name in ITERATORS:
        assert not inspect.iscoroutinefunction(getattr(AsyncSCIMClient, name)), name


@pytest.mark.parametrize("name", [*CALLS, *ITERATORS])
def test_async_signature_is_the_sync_one(name: str) -> None:
    sync, asynchronous = getattr(SCIMClient, name), getattr(AsyncSCIMClient, name)
    sync_signature, async_signature = inspect.signature(sync), inspect.signature(asynchronous)
    assert list(async_signature.parameters.values()) == list(sync_signature.parameters.values())
    returns = str(sync_signature.return_annotation)
    expected = returns.replace("Iterator[", "AsyncIterator[") if name in ITERATORS else returns
    assert async_signature.return_annotation == expected
    get_overloads = getattr(typing, "get_overloads", None)  # Python 3.11+
    if get_overloads is not None:
        sync_overloads = [inspect.signature(f) for f in get_overloads(sync)]
        async_overloads = [inspect.signature(f) for f in get_overloads(asynchronous)]
        assert [list(s.parameters.values()) for s in async_overloads] == [
            list(s.parameters.values()) for s in sync_overloads
        ]


@pytest.mark.parametrize("name", CALLS)
def test_each_coroutine_sends_what_the_sync_method_sends(name: str) -> None:
    args, kwargs, http_method = CALLS[name]
    first, ids = seeded_server()
    second, second_ids = seeded_server()
    try:
        # Both servers hold the same resources under different ids: give each its own.
        async_args, async_kwargs = fill(list(args), ids), fill(kwargs, ids)

        async def scenario() -> object:
            async with open_client(first) as client:
                return await getattr(client, name)(*async_args, **async_kwargs)

        result = run(scenario())
        with SCIMClient(second.url, token=second.token) as sync:
            expected = getattr(sync, name)(
                *fill(list(args), second_ids), **fill(kwargs, second_ids)
            )
        assert type(result) is type(expected)
        received = sent(first)
        assert received and received[-1][0] == http_method
        renamed = {second_ids["user"]: ids["user"], second_ids["group"]: ids["group"]}
        wanted = [
            (method, _rename(path, renamed), query, body)
            for method, path, query, body in sent(second)
        ]
        assert received == wanted
    finally:
        first.stop()
        second.stop()


def _rename(path: str, renamed: dict[str, str]) -> str:
    for old, new in renamed.items():
        path = path.replace(old, new)
    return path


# -- a bounded pool ---------------------------------------------------------------------------


class MeetingToken:
    """A token callable that holds each call until `parties` calls are inside it at once.

    `SCIMClient` calls its token once per call, in the thread that runs the call, so this
    sees which threads ran calls and how many ran at the same time.
    """

    def __init__(self, token: str | None, parties: int) -> None:
        assert token is not None
        self.token = token
        self.barrier = threading.Barrier(parties, timeout=HANG)
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0
        self.threads: set[threading.Thread] = set()

    def __call__(self) -> str:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.threads.add(threading.current_thread())
        try:
            self.barrier.wait()
        finally:
            with self.lock:
                self.inside -= 1
        return self.token


def test_twenty_concurrent_reads_run_four_at_a_time_on_four_named_threads(
    server: SCIMServer,
) -> None:
    user_id = server.add_resource("Users", {"userName": "bjensen"})["id"]
    token = MeetingToken(server.token, parties=4)

    async def scenario() -> list[ReadUserResponse]:
        async with AsyncSCIMClient(server.url, token=token, max_workers=4) as client:
            return await asyncio.gather(*(client.read_user(user_id) for _ in range(20)))

    responses = run(scenario())
    assert [r.status_code for r in responses] == [200] * 20
    assert len(server.requests) == 20
    # The barrier lets calls through four at a time: four ran together, never five.
    assert token.most_inside == 4
    assert len(token.threads) == 4
    assert all(t.name.startswith("scimkit-aio") for t in token.threads)
    assert threading.current_thread() not in token.threads
    assert not any(t.is_alive() for t in token.threads), "aclose() stops the threads"


def test_the_pool_size_defaults_to_the_clients_max_connections(server: SCIMServer) -> None:
    assert open_client(server, max_connections=3).max_workers == 3
    assert open_client(server).max_workers == SCIMClient(server.url).max_connections
    assert open_client(server, max_connections=3, max_workers=6).max_workers == 6


# -- cancellation ---------------------------------------------------------------------------


class GateToken:
    """A token callable that holds every call until `release` is set."""

    def __init__(self, token: str | None) -> None:
        assert token is not None
        self.token = token
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        self.entered.set()
        assert self.release.wait(HANG)
        return self.token


def test_a_cancelled_call_still_queued_for_a_thread_is_never_sent(server: SCIMServer) -> None:
    gate = GateToken(server.token)

    async def scenario() -> None:
        async with AsyncSCIMClient(server.url, token=gate, max_workers=1) as client:
            running = asyncio.create_task(client.create_user(User(user_name="first")))
            assert await asyncio.to_thread(gate.entered.wait, HANG)
            queued = asyncio.create_task(client.create_user(User(user_name="queued")))
            await asyncio.sleep(0)  # the task submits its call and waits for it
            assert len(client._pending) == 2
            queued.cancel()
            with pytest.raises(asyncio.CancelledError):
                await queued
            gate.release.set()
            assert (await running).status_code == 201

    run(scenario())
    assert [u["userName"] for u in server.resources("Users")] == ["first"]
    assert gate.calls == 1


def test_a_cancelled_call_already_running_completes_in_its_thread(server: SCIMServer) -> None:
    gate = GateToken(server.token)

    async def scenario() -> None:
        client = AsyncSCIMClient(server.url, token=gate, max_workers=1)
        task = asyncio.create_task(client.create_user(User(user_name="late")))
        assert await asyncio.to_thread(gate.entered.wait, HANG)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert server.requests == []  # held in the token callable, not yet sent
        gate.release.set()
        await client.aclose()  # waits for the call the task no longer waits for

    run(scenario())
    assert [r.method for r in server.requests] == ["POST"]
    assert [u["userName"] for u in server.resources("Users")] == ["late"]


def test_aclose_waits_for_a_cancelled_call_that_fails_and_reports_nothing(
    server: SCIMServer,
) -> None:
    gate = GateToken(server.token)
    reported: list[dict[str, Any]] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(
            lambda _, context: reported.append(context)
        )
        client = AsyncSCIMClient(server.url, token=gate, raise_errors=True)
        task = asyncio.create_task(client.read_user("missing"))
        assert await asyncio.to_thread(gate.entered.wait, HANG)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        gate.release.set()
        await client.aclose()  # the NotFound raised in the thread is nobody's to see
        gc.collect()

    run(scenario())
    assert [r.path.rsplit("/", 1)[-1] for r in server.requests] == ["missing"]
    assert reported == []


def test_context_variables_of_the_caller_reach_the_thread(server: SCIMServer) -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")
    seen: list[str] = []
    assert server.token is not None
    secret = server.token

    def token() -> str:
        seen.append(request_id.get("unset"))
        return secret

    async def scenario() -> None:
        async with AsyncSCIMClient(server.url, token=token) as client:
            request_id.set("abc-1")
            await client.search_users()

    run(scenario())
    assert seen == ["abc-1"]


# -- paging -------------------------------------------------------------------------------


def test_async_iteration_fetches_a_page_only_when_the_previous_one_is_used_up(
    server: SCIMServer,
) -> None:
    add_users(server, 25)

    async def scenario() -> list[tuple[str | None, int]]:
        async with open_client(server) as client:
            users = client.iter_users(page_size=10, sort_by="userName")
            assert server.requests == []  # nothing is sent before the first item
            return [(user.user_name, len(server.requests)) async for user in users]

    seen = run(scenario())
    assert [name for name, _ in seen] == [f"u{n:02d}" for n in range(25)]
    # Requests made by the time each user was handed over: one more page per ten users.
    assert [made for _, made in seen] == [1] * 10 + [2] * 10 + [3] * 5
    assert [r.query["startIndex"] for r in server.requests] == [["1"], ["11"], ["21"]]
    assert all(r.query["count"] == ["10"] for r in server.requests)


def test_stopping_early_leaves_later_pages_unfetched(server: SCIMServer) -> None:
    add_users(server, 25)

    async def scenario() -> list[str | None]:
        names: list[str | None] = []
        async with open_client(server) as client:
            async for user in client.iter_users(page_size=10, filter='userName sw "u"'):
                names.append(user.user_name)
                if len(names) == 3:
                    break
        return names

    assert len(run(scenario())) == 3
    assert len(server.requests) == 1
    assert server.requests[0].query["filter"] == ['userName sw "u"']


def test_a_page_fetch_cancelled_while_running_is_picked_up_by_the_next_step(
    server: SCIMServer,
) -> None:
    """Cancelling `async for` mid-fetch loses no user and never runs two fetches at once."""
    add_users(server, 25)
    gate = GateToken(server.token)

    async def scenario() -> list[str | None]:
        async with AsyncSCIMClient(server.url, token=gate, max_workers=2) as client:
            users = client.iter_users(page_size=10, sort_by="userName")
            step = asyncio.create_task(next_item(users))
            assert await asyncio.to_thread(gate.entered.wait, HANG)
            step.cancel()  # the first page's request is running in its thread
            with pytest.raises(asyncio.CancelledError):
                await step
            resumed = asyncio.create_task(next_item(users))
            await asyncio.sleep(0)
            gate.release.set()
            first = await resumed
            return [first.user_name] + [user.user_name async for user in users]

    assert run(scenario()) == [f"u{n:02d}" for n in range(25)]
    assert [r.query["startIndex"] for r in server.requests] == [["1"], ["11"], ["21"]]


def test_a_page_fetch_cancelled_before_it_started_is_never_sent(server: SCIMServer) -> None:
    add_users(server, 5)
    gate = GateToken(server.token)

    async def scenario() -> list[str | None]:
        async with AsyncSCIMClient(server.url, token=gate, max_workers=1) as client:
            busy = asyncio.create_task(client.search_users(count=1))
            assert await asyncio.to_thread(gate.entered.wait, HANG)
            users = client.iter_users(page_size=10)
            step = asyncio.create_task(next_item(users))
            await asyncio.sleep(0)  # its fetch waits behind the busy call
            step.cancel()
            with pytest.raises(asyncio.CancelledError):
                await step
            gate.release.set()
            assert (await busy).ok
            assert len(server.requests) == 1  # the cancelled fetch was dropped
            return [user.user_name async for user in users]

    assert run(scenario()) == [f"u{n:02d}" for n in range(5)]
    assert len(server.requests) == 2


@pytest.mark.parametrize("how", ["iter_groups", "iter_resources class", "iter_resources str"])
def test_groups_and_any_resource_type_page_the_same_way(server: SCIMServer, how: str) -> None:
    for n in range(7):
        server.add_resource("Groups", {"displayName": f"g{n}"})

    async def scenario() -> list[Any]:
        async with open_client(server) as client:
            if how == "iter_groups":
                return [g async for g in client.iter_groups(page_size=3, sort_by="displayName")]
            resource_type: Any = Group if how == "iter_resources class" else "/Groups"
            pages = client.iter_resources(resource_type, page_size=3, sort_by="displayName")
            return [g async for g in pages]

    found = run(scenario())
    assert all(isinstance(g, Group if how != "iter_resources str" else Resource) for g in found)
    assert [g.to_dict()["displayName"] for g in found] == [f"g{n}" for n in range(7)]
    assert [r.query["startIndex"] for r in server.requests] == [["1"], ["4"], ["7"]]


def test_a_page_that_fails_raises_its_error_from_async_for(server: SCIMServer) -> None:
    add_users(server, 5)

    async def scenario() -> list[str | None]:
        names: list[str | None] = []
        async with open_client(server, retry_handlers=[]) as client:
            with pytest.raises(ServerError) as caught:
                async for user in client.iter_users(page_size=2):
                    names.append(user.user_name)
                    if len(names) == 1:
                        server.inject(Fault.status(503), method="GET", path="/Users")
            assert caught.value.status == 503
        return names

    assert run(scenario()) == ["u00", "u01"]


def test_iterator_arguments_are_checked_at_the_call(server: SCIMServer) -> None:
    async def scenario() -> None:
        async with open_client(server) as client:
            with pytest.raises(ValueError, match="page_size"):
                client.iter_users(page_size=0)
            with pytest.raises(ValueError, match="pagination"):
                client.iter_groups(pagination="sideways")
            with pytest.raises(TypeError, match="resource_type"):
                client.iter_resources(42)  # type: ignore[call-overload]

    run(scenario())
    assert server.requests == []


# -- retries and errors -----------------------------------------------------------------------


def test_retry_handlers_are_the_sync_clients_and_retry_in_the_thread(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    handler = RateLimitErrorRetryHandler(max_retry_count=2)
    server.inject(Fault.status(429, headers={"Retry-After": "7"}), times=2)

    async def scenario() -> int:
        async with open_client(server, retry_handlers=[handler]) as client:
            assert client.retry_handlers is client.sync_client.retry_handlers
            assert client.retry_handlers == [handler]
            return (await client.search_users()).status_code

    assert run(scenario()) == 200
    assert len(server.requests) == 3
    assert sleeps.calls == [7.0, 7.0]


def test_errors_are_the_sync_clients_exceptions(server: SCIMServer) -> None:
    server.add_resource("Users", {"userName": "taken"})

    async def scenario() -> None:
        async with open_client(server, raise_errors=True, retry_handlers=[]) as client:
            with pytest.raises(NotFound) as not_found:
                await client.read_user("missing")
            assert not_found.value.status == 404
            with pytest.raises(Conflict):
                await client.create_user(User(user_name="taken"))
            # Twice: a GET on a kept-alive connection is sent again once on a fresh one.
            server.inject(Fault.drop(), times=2)
            with pytest.raises(TransportError):
                await client.search_users()
            with pytest.raises(ValueError, match="relative"):
                await client.api_call("GET", "https://elsewhere.example/Users")

    run(scenario())


# -- closing --------------------------------------------------------------------------------


def test_async_with_shuts_the_pool_and_closes_kept_alive_connections(server: SCIMServer) -> None:
    async def scenario() -> AsyncSCIMClient:
        async with open_client(server) as client:
            await client.search_users()
            assert pool_of(client).idle_count() == 1
            assert not client.closed
        return client

    client = run(scenario())
    assert client.closed
    assert pool_of(client).idle_count() == 0
    assert client._executor._shutdown


def test_a_call_after_close_raises_a_clear_error(server: SCIMServer) -> None:
    async def scenario() -> None:
        client = open_client(server)
        await client.aclose()
        await client.aclose()  # closing twice does nothing
        with pytest.raises(RuntimeError, match="AsyncSCIMClient is closed"):
            await client.read_user("anyone")
        with pytest.raises(RuntimeError, match="closed"):
            client.iter_users()
        with pytest.raises(RuntimeError, match="closed"):
            async with client:
                pass

    run(scenario())
    assert server.requests == []


def test_an_iterator_of_a_client_closed_meanwhile_stops_with_the_error(
    server: SCIMServer,
) -> None:
    add_users(server, 4)

    async def scenario() -> None:
        client = open_client(server)
        users = client.iter_users(page_size=2)
        assert (await users.__anext__()).user_name == "u00"
        await client.aclose()
        assert (await users.__anext__()).user_name == "u01"  # already fetched
        with pytest.raises(RuntimeError, match="closed"):
            await users.__anext__()

    run(scenario())
    assert len(server.requests) == 1


# -- wrapping a client, arguments -------------------------------------------------------------


def test_from_client_wraps_and_shares_an_existing_client(server: SCIMServer) -> None:
    sync = SCIMClient(server.url, token=server.token, max_connections=2)

    async def scenario() -> AsyncSCIMClient:
        async with AsyncSCIMClient.from_client(sync) as client:
            assert client.sync_client is sync and client.max_workers == 2
            assert client.retry_handlers is sync.retry_handlers
            assert client.base_url == sync.base_url
            created = await client.create_user(User(user_name="wrapped"))
            assert created.status_code == 201
            return client

    client = run(scenario())
    assert client.closed and "max_workers=2" in repr(client)
    # The sync client outlives the wrapper: it opens a new connection when used again.
    assert sync.search_users().total_results == 1


def test_from_client_wraps_an_in_process_wsgi_client() -> None:
    app = SCIMServer(token="test-token")

    async def scenario() -> int:
        sync = SCIMClient.for_wsgi(app, "/scim/v2", token="test-token")
        async with AsyncSCIMClient.from_client(sync, max_workers=2) as client:
            return (await client.create_user(User(user_name="in-process"))).status_code

    assert run(scenario()) == 201
    assert [u["userName"] for u in app.resources("Users")] == ["in-process"]


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-3, ValueError), ("4", TypeError), (True, TypeError), (2.0, TypeError)],
)
def test_max_workers_is_validated(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_workers"):
        AsyncSCIMClient("https://example.com/scim/v2", max_workers=value)  # type: ignore[arg-type]
    with pytest.raises(error, match="max_workers"):
        AsyncSCIMClient.from_client(
            SCIMClient("https://example.com/scim/v2"),
            max_workers=value,  # type: ignore[arg-type]
        )


def test_client_arguments_are_validated_by_the_sync_client() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        AsyncSCIMClient("https://example.com/scim/v2", max_connections=0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        AsyncSCIMClient("https://example.com/scim/v2", max_connection=4)
    with pytest.raises(TypeError, match="client must be a SCIMClient"):
        AsyncSCIMClient.from_client("https://example.com/scim/v2")  # type: ignore[arg-type]


def test_callables_of_the_async_client_are_typed_as_coroutines() -> None:
    # A smoke check of the annotations the IDE and mypy see.
    read: Callable[..., Coroutine[Any, Any, ReadUserResponse]] = AsyncSCIMClient.read_user
    assert inspect.iscoroutinefunction(read)

"""Eight threads share one client while the server fails on a schedule; nothing is lost.

The script in the worker functions is what a careful provisioning job does with scimkit: it
lets the retry handlers absorb what is safe to repeat (429, 503, a GET or DELETE whose
connection dropped), and when a create or PATCH ends with an error whose outcome is unknown
it reconciles (searches, or reads and compares) before sending anything again. At the end
the server's state must be exactly what the successful responses said.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from scimkit import (
    Group,
    PatchOp,
    SCIMClient,
    SCIMError,
    SCIMResponseError,
    TransportError,
    User,
)
from scimkit.filters import F, serialize
from scimkit.retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from scimkit.testing import Fault, SCIMServer

from .conftest import SleepRecorder

THREADS = 8
USERS = 2000
GROUPS = 50
MEMBERS_PER_GROUP = 10


def member_indexes(group: int) -> list[int]:
    """Ten users of a group, none of them among the deleted (every fourth)."""
    return [group * 40 + k * 4 + 1 for k in range(MEMBERS_PER_GROUP)]


@dataclass
class Ledger:
    """What the successful responses said, and every failure the client reported."""

    user_ids: dict[int, str] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    group_ids: dict[int, str] = field(default_factory=dict)
    unknown_outcomes: list[TransportError] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def unknown(self, error: TransportError) -> None:
        with self.lock:
            self.unknown_outcomes.append(error)


@pytest.fixture
def stormy_server() -> Iterator[SCIMServer]:
    with SCIMServer() as server:
        server.inject(Fault.status(429, headers={"Retry-After": "1"}), every=9)
        server.inject(Fault.status(503), every=13)
        server.inject(Fault.drop(), method="GET", every=7)
        server.inject(Fault.drop(), method="DELETE", every=5)
        # A create or patch carried out, but the answer never arrives: fate unknown.
        server.inject(Fault.drop_after_processing(), method="POST", every=31)
        server.inject(Fault.drop_after_processing(), method="PATCH", every=29)
        # A create dropped before it was carried out: to the client, just as unknown.
        server.inject(Fault.drop(), method="POST", every=37)
        yield server


def user_name(index: int) -> str:
    return f"stress-{index:04d}"


def find_one(client: SCIMClient, kind: str, attribute: str, value: str) -> str | None:
    query = serialize(F.eq(attribute, value))
    if kind == "user":
        found: list[Any] = client.search_users(filter=query).raise_for_status().users
    else:
        found = client.search_groups(filter=query).raise_for_status().groups
    assert len(found) <= 1, f"{value} exists {len(found)} times"
    return found[0].id if found else None


def create_once(
    ledger: Ledger, create: Callable[[], Any], reconcile: Callable[[], str | None]
) -> str:
    """Create, and after an unknown outcome look before sending the create again."""
    while True:
        try:
            resp = create().raise_for_status()
        except TransportError as error:
            assert error.outcome_unknown, error
            assert "may have reached the server" in str(error), error
            assert "to find out whether it was created, search for filter=" in str(error)
            ledger.unknown(error)
            existing = reconcile()
            if existing is not None:
                return existing
            continue
        assert resp.status_code == 201
        return str(resp.resource.id)


def patch_until_applied(
    ledger: Ledger, patch: Callable[[], Any], applied: Callable[[], bool]
) -> None:
    """PATCH, and after an unknown outcome read back before sending it again."""
    while True:
        try:
            resp = patch().raise_for_status()
        except TransportError as error:
            assert error.outcome_unknown and "may have reached the server" in str(error)
            ledger.unknown(error)
            if applied():
                return
            continue
        assert resp.status_code == 200
        return


def read_display_name(client: SCIMClient, user_id: str) -> str | None:
    user = client.read_user(user_id).raise_for_status().user
    assert user is not None
    return user.display_name


def one_user(client: SCIMClient, ledger: Ledger, index: int) -> None:
    name = user_name(index)
    user_id = create_once(
        ledger,
        lambda: client.create_user(User(user_name=name, external_id=f"ext-{index}")),
        lambda: find_one(client, "user", "userName", name),
    )
    with ledger.lock:
        ledger.user_ids[index] = user_id
    display = f"Patched {index}"
    patch_until_applied(
        ledger,
        lambda: client.patch_user(user_id, User(display_name=display)),
        lambda: read_display_name(client, user_id) == display,
    )
    if index % 4 == 0:
        # DELETE is idempotent: the handlers repeat it after a dropped connection.
        assert client.delete_user(user_id).raise_for_status().status_code == 204
        with ledger.lock:
            ledger.deleted.add(index)


def user_worker(client: SCIMClient, ledger: Ledger, indexes: range) -> None:
    for index in indexes:
        one_user(client, ledger, index)


def add_members(client: SCIMClient, ledger: Ledger, group_id: str, wanted: list[str]) -> None:
    def members() -> set[str]:
        found = client.read_group(group_id).raise_for_status().group
        assert found is not None
        return {str(m.value) for m in found.members or []}

    patch_until_applied(
        ledger,
        lambda: client.patch_group(
            group_id, PatchOp.add_members([m for m in wanted if m not in members()])
        ),
        lambda: set(wanted) <= members(),
    )


def one_group(client: SCIMClient, ledger: Ledger, group: int) -> None:
    name = f"stress-group-{group:02d}"
    group_id = create_once(
        ledger,
        lambda: client.create_group(Group(display_name=name)),
        lambda: find_one(client, "group", "displayName", name),
    )
    with ledger.lock:
        ledger.group_ids[group] = group_id
    wanted = [ledger.user_ids[i] for i in member_indexes(group)]
    add_members(client, ledger, group_id, wanted[:5])
    add_members(client, ledger, group_id, wanted[5:])


def group_worker(client: SCIMClient, ledger: Ledger, indexes: range) -> None:
    for group in indexes:
        one_group(client, ledger, group)


def run_in_threads(work: Callable[[range], None], total: int, ledger: Ledger) -> None:
    def guarded(indexes: range) -> None:
        try:
            work(indexes)
        except BaseException as exc:  # noqa: B036 - collected and asserted on below
            with ledger.lock:
                ledger.unexpected.append(exc)

    threads = [
        threading.Thread(target=guarded, args=(range(t, total, THREADS),)) for t in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_eight_threads_under_scheduled_faults_leave_exactly_the_reported_state(
    stormy_server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        stormy_server.url,
        token=stormy_server.token,
        max_connections=THREADS,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=8),
            ServerErrorRetryHandler(max_retry_count=8),
            ConnectionErrorRetryHandler(max_retry_count=8),
        ],
    )
    ledger = Ledger()
    with client:
        run_in_threads(lambda r: user_worker(client, ledger, r), USERS, ledger)
        assert ledger.unexpected == []
        run_in_threads(lambda r: group_worker(client, ledger, r), GROUPS, ledger)
    assert ledger.unexpected == []

    # Every user a 201 (or a reconciliation) reported exists exactly once, patched; the
    # deleted ones and nothing else are gone.
    users = stormy_server.resources("Users")
    by_name: dict[str, list[dict[str, Any]]] = {}
    for user in users:
        by_name.setdefault(user["userName"], []).append(user)
    expected_names = {user_name(i) for i in range(USERS) if i % 4 != 0}
    assert set(by_name) == expected_names
    assert all(len(found) == 1 for found in by_name.values())
    for index in range(USERS):
        if index % 4 == 0:
            assert index in ledger.deleted
            assert stormy_server.get_resource("Users", ledger.user_ids[index]) is None
            continue
        (stored,) = by_name[user_name(index)]
        assert stored["id"] == ledger.user_ids[index]
        assert stored["displayName"] == f"Patched {index}"
        assert stored["externalId"] == f"ext-{index}"

    # Every group exists once with exactly the members added.
    groups = stormy_server.resources("Groups")
    assert sorted(g["displayName"] for g in groups) == [
        f"stress-group-{g:02d}" for g in range(GROUPS)
    ]
    for group in range(GROUPS):
        stored_group = stormy_server.get_resource("Groups", ledger.group_ids[group])
        assert stored_group is not None
        values = [m["value"] for m in stored_group.get("members", [])]
        assert sorted(values) == sorted(ledger.user_ids[i] for i in member_indexes(group))

    # The schedule really did fail requests, the handlers absorbed what was safe to repeat,
    # and every unknown outcome reached the script as a clear error.
    recorded = stormy_server.requests
    assert len(recorded) > USERS * 2 + USERS // 4 + GROUPS * 3
    assert sleeps.calls, "429/503/drops were retried after a wait"
    assert len(ledger.unknown_outcomes) >= 50
    methods = {error.method for error in ledger.unknown_outcomes}
    assert methods == {"POST", "PATCH"}


def test_an_unknown_outcome_is_not_retried_and_says_how_to_reconcile(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    server.inject(Fault.drop_after_processing(), method="POST")
    client = SCIMClient(
        server.url, token=server.token, retry_handlers=[ConnectionErrorRetryHandler(5)]
    )
    with client, pytest.raises(TransportError) as caught:
        client.create_user(User(user_name='o"brien'))
    message = str(caught.value)
    assert caught.value.outcome_unknown
    assert "the POST may have reached the server" in message
    assert "retry_non_idempotent=True" in message
    assert 'filter=\'userName eq "o\\\\"brien"\'' in message
    # It was carried out exactly once and not sent again.
    assert [r.method for r in server.requests] == ["POST"]
    assert len(server.resources("Users")) == 1
    assert sleeps.calls == []


def test_a_request_refused_before_sending_is_not_called_unknown(sleeps: SleepRecorder) -> None:
    with SCIMServer() as stopped:
        url = stopped.url
    client = SCIMClient(url, token="t", retry_handlers=[])
    with pytest.raises(SCIMError) as caught:
        client.create_user(User(user_name="cal"))
    assert isinstance(caught.value, TransportError)
    assert not caught.value.outcome_unknown
    assert "may have reached" not in str(caught.value)


def test_scheduled_faults_hit_every_nth_matching_request(server: SCIMServer) -> None:
    server.inject(Fault.status(503), method="GET", every=3)
    client = SCIMClient(server.url, token=server.token, retry_handlers=[])
    with client:
        statuses = [client.search_users().status_code for _ in range(9)]
        assert client.create_user(User(user_name="posts-are-not-counted")).status_code == 201
    assert statuses == [200, 200, 503] * 3
    server.clear_faults()
    assert SCIMClient(server.url, token=server.token).search_users().status_code == 200


def test_scheduled_fault_arguments_are_checked(server: SCIMServer) -> None:
    with pytest.raises(ValueError, match="every must be at least 1"):
        server.inject(Fault.drop(), every=0)
    with pytest.raises(TypeError, match="every must be an int"):
        server.inject(Fault.drop(), every=2.5)  # type: ignore[arg-type]


def test_response_errors_from_the_schedule_are_typed(server: SCIMServer) -> None:
    server.inject(Fault.status(503), every=1)
    client = SCIMClient(server.url, token=server.token, retry_handlers=[])
    with client, pytest.raises(SCIMResponseError) as caught:
        client.read_user("x").raise_for_status()
    assert caught.value.status == 503

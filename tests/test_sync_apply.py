"""Applying a sync plan against the local server: order, failures, rate limits, ETag
conflicts, and a rerun after an interrupted apply that ends exactly where an uninterrupted
one does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scimkit import SCIMClient
from scimkit.retry import RateLimitErrorRetryHandler
from scimkit.sync import Outcome, plan_sync
from scimkit.testing import Fault, SCIMServer

from .conftest import SleepRecorder
from .sync_helpers import people, person, state, writes

GROUPS = [
    {
        "displayName": "Everyone",
        "members": [f"e-{n}" for n in [*range(0, 16, 2), *range(20, 30, 2)]],
    },
    {"displayName": "Ops", "members": ["e-1", "e-3", "e-25"]},
    {"displayName": "Brand New", "members": ["e-28", "e-29"]},
]


def seed_directory(server: SCIMServer) -> None:
    """20 users (4 to deactivate later), two groups, one of them to take over."""
    ids = {n: server.add_resource("Users", person(n))["id"] for n in range(20)}
    server.add_resource(
        "Groups", {"displayName": "Everyone", "members": [{"value": ids[n]} for n in range(20)]}
    )
    server.add_resource("Groups", {"displayName": "ops"})


def desired_users() -> list[dict[str, Any]]:
    """Users 0-15 stay (every third one retitled), 16-19 leave, 20-29 arrive."""
    users = [person(n, title="Lead" if n % 3 == 0 else "Engineer") for n in range(16)]
    return users + [person(n) for n in range(20, 30)]


def _kind(request: Any) -> str:
    """What a recorded write did, in the words of the apply's phases."""
    if "/Groups" in request.path:
        return "group"
    if request.method == "POST":
        return "create user"
    operations = request.json["Operations"]
    if operations == [{"op": "replace", "path": "active", "value": False}]:
        return "deactivate user"
    return "update user"


@pytest.fixture
def twin() -> Iterator[SCIMServer]:
    with SCIMServer() as running:
        yield running


def test_apply_runs_creates_then_updates_then_groups_then_deactivations(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed_directory(server)
    plan = plan_sync(client, users=desired_users(), groups=GROUPS)
    server.clear_requests()
    result = plan.apply(workers=4)
    assert result.ok, result.failed
    assert (len(result.created), len(result.deactivated)) == (10 + 1, 4)
    kinds = [_kind(r) for r in writes(server.requests)]
    order = ["create user", "update user", "group", "deactivate user"]
    assert kinds == sorted(kinds, key=order.index)
    assert set(kinds) == set(order)
    assert len(plan_sync(client, users=desired_users(), groups=GROUPS)) == 0


def test_new_users_become_members_through_the_ids_their_creates_answered(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed_directory(server)
    assert plan_sync(client, users=desired_users(), groups=GROUPS).apply().ok
    groups = {g["displayName"]: g["members"] for g in state(client)["groups"]}
    assert groups["Brand New"] == ["user28", "user29"]
    assert groups["Ops"] == ["user1", "user25", "user3"]
    assert groups["Everyone"] == sorted(f"user{n}" for n in [*range(0, 16, 2), *range(20, 30, 2)])


def uninterrupted_state(twin: SCIMServer) -> dict[str, Any]:
    """What one uninterrupted plan and apply leaves on a fresh copy of the directory."""
    seed_directory(twin)
    with SCIMClient(twin.url, token=twin.token) as other:
        assert plan_sync(other, users=desired_users(), groups=GROUPS).apply().ok
        return state(other)


def test_an_interrupted_apply_rerun_ends_in_the_uninterrupted_state(
    server: SCIMServer, client: SCIMClient, twin: SCIMServer
) -> None:
    seed_directory(server)
    expected = uninterrupted_state(twin)

    def interrupt(done: int, total: int, outcome: Outcome) -> None:
        if done == 7:
            raise KeyboardInterrupt  # Ctrl+C in the middle of the creates

    plan = plan_sync(client, users=desired_users(), groups=GROUPS)
    with pytest.raises(KeyboardInterrupt):
        plan.apply(workers=1, progress=interrupt)
    assert 7 <= len(writes(server.requests)) < len(plan.changes)
    assert state(client) != expected
    rerun = plan_sync(client, users=desired_users(), groups=GROUPS)
    created = [r for r in server.requests if r.method == "POST" and r.path.endswith("/Users")]
    assert rerun.count("create") == 10 - len(created) > 0
    assert rerun.apply().ok
    assert state(client) == expected
    assert len(plan_sync(client, users=desired_users(), groups=GROUPS)) == 0


def test_a_create_whose_answer_was_lost_is_found_by_the_next_plan(
    server: SCIMServer, client: SCIMClient, twin: SCIMServer
) -> None:
    seed_directory(server)
    expected = uninterrupted_state(twin)
    # The 3rd create is carried out, then the connection drops without an answer; a POST
    # is not resent blindly, so the change fails and the rest goes on.
    server.inject(Fault.drop_after_processing(), method="POST", path="/Users", every=3)
    result = plan_sync(client, users=desired_users(), groups=GROUPS).apply(workers=1)
    server.clear_faults()
    assert [o.change.action for o in result.failed] == ["create"] * 3
    assert all(o.error is not None and o.response is None for o in result.failed)
    rerun = plan_sync(client, users=desired_users(), groups=GROUPS)
    assert rerun.count("create") == 0  # found by externalId, not created twice
    assert rerun.apply().ok
    assert state(client) == expected
    assert len(server.resources("Users")) == 30


def test_a_change_made_between_plan_and_apply_is_rediffed_not_overwritten(
    server: SCIMServer, client: SCIMClient
) -> None:
    user_id = server.add_resource("Users", person(1))["id"]
    plan = plan_sync(client, users=[person(1, title="Lead", displayName="Bea")])
    [change] = plan.changes
    assert change.etag == 'W/"1"'
    # Someone else changes the user meanwhile: a new title, the same displayName we want.
    client.patch_user(user_id, {"title": "Director", "displayName": "Bea"}).raise_for_status()
    server.clear_requests()
    result = plan.apply()
    assert [o.note for o in result.updated] == ["sent again after 412"]
    methods = [(r.method, r.headers.get("If-Match")) for r in server.requests]
    assert methods == [("PATCH", 'W/"1"'), ("GET", None), ("PATCH", 'W/"2"')]
    # Only what still differs is sent the second time.
    assert server.requests[-1].json["Operations"] == [
        {"op": "replace", "path": "title", "value": "Lead"}
    ]
    stored = server.get_resource("Users", user_id)
    assert stored is not None and (stored["title"], stored["displayName"]) == ("Lead", "Bea")


def test_a_conflict_already_resolved_on_the_server_sends_nothing_more(
    server: SCIMServer, client: SCIMClient
) -> None:
    user_id = server.add_resource("Users", person(1))["id"]
    plan = plan_sync(client, users=[person(1, title="Lead")])
    client.patch_user(user_id, {"title": "Lead"}).raise_for_status()
    server.clear_requests()
    result = plan.apply()
    assert [o.note for o in result.updated] == ["already as desired on the server"]
    assert [r.method for r in server.requests] == ["PATCH", "GET"]


def test_a_rate_limited_apply_waits_retry_after_and_completes(
    server: SCIMServer, client: SCIMClient, sleeps: SleepRecorder
) -> None:
    seed_directory(server)
    handlers = list(client.retry_handlers)
    server.inject(Fault.status(429, headers={"Retry-After": "7"}), times=3, method="POST")
    server.inject(Fault.status(429, headers={"Retry-After": "2"}), times=1, method="PATCH")
    result = plan_sync(client, users=desired_users(), groups=GROUPS).apply(workers=4)
    assert result.ok, result.failed
    assert sorted(sleeps.calls) == [2.0, 7.0, 7.0, 7.0]
    assert client.retry_handlers == handlers  # the caller's client is not changed
    assert not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers)
    assert len(plan_sync(client, users=desired_users(), groups=GROUPS)) == 0


def test_a_failed_change_carries_its_response_and_does_not_stop_the_others(
    server: SCIMServer, client: SCIMClient
) -> None:
    server.inject(Fault.status(400, body={"detail": "no", "status": "400"}), method="POST")
    result = plan_sync(client, users=people(5)).apply(workers=1)
    assert len(result.created) == 4
    [failed] = result.failed
    assert failed.response is not None and failed.response.status_code == 400
    assert failed.error is not None and not result.ok


def test_stop_on_error_starts_nothing_after_a_failure(
    server: SCIMServer, client: SCIMClient
) -> None:
    server.inject(Fault.status(500), method="POST")
    result = plan_sync(client, users=people(5)).apply(workers=1, stop_on_error=True)
    assert len(result.failed) == 1 and len(result.skipped) == 4 and not result.created
    assert len(writes(server.requests)) == 1


def test_progress_is_told_of_every_change(server: SCIMServer, client: SCIMClient) -> None:
    seen: list[tuple[int, int, str]] = []
    plan = plan_sync(client, users=people(3))
    plan.apply(
        progress=lambda done, total, outcome: seen.append((done, total, outcome.change.action))
    )
    assert sorted(seen) == [(1, 3, "create"), (2, 3, "create"), (3, 3, "create")]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"workers": 0}, ValueError),
        ({"workers": "4"}, TypeError),
        ({"progress": 3}, TypeError),
        ({"stop_on_error": "yes"}, TypeError),
    ],
)
def test_apply_arguments_are_checked_before_sending(
    server: SCIMServer, client: SCIMClient, arguments: dict[str, Any], error: type
) -> None:
    plan = plan_sync(client, users=people(1))
    server.clear_requests()
    with pytest.raises(error):
        plan.apply(**arguments)
    assert server.requests == []


def test_the_entra_profile_removes_members_by_value(server: SCIMServer) -> None:
    ids = {n: server.add_resource("Users", person(n))["id"] for n in range(3)}
    server.add_resource(
        "Groups", {"displayName": "Ops", "members": [{"value": i} for i in ids.values()]}
    )
    with SCIMClient(server.url, token=server.token, server_profile="entra") as client:
        plan = plan_sync(
            client, users=people(3), groups=[{"displayName": "Ops", "members": ["e-0"]}]
        )
        server.clear_requests()
        assert plan.apply().ok
        [patch] = server.requests
        assert [op["path"] for op in patch.json["Operations"]] == ["members", "members"]
        assert patch.json["Operations"][0]["value"] == [{"value": ids[1]}]
        assert state(client)["groups"][0]["members"] == ["user0"]


def test_a_scim_1_1_server_gets_partial_resources(v1_server: SCIMServer) -> None:
    ids = {n: v1_server.add_resource("Users", person(n))["id"] for n in range(3)}
    v1_server.add_resource("Groups", {"displayName": "Ops", "members": [{"value": ids[2]}]})
    with SCIMClient(v1_server.url, token=v1_server.token, scim_version="1.1") as client:
        wanted = [{"displayName": "Ops", "members": ["e-0", "e-5"]}]
        users = [person(0, title="Lead"), person(1), person(5)]
        plan = plan_sync(client, users=users, groups=wanted)
        assert [c.action for c in plan.changes] == ["create", "update", "update", "deactivate"]
        assert plan.changes[1].body == {
            "schemas": ["urn:scim:schemas:core:1.0"],
            "title": "Lead",
        }
        result = plan.apply()
        assert result.ok, [(o.change, o.error) for o in result.failed]
        assert len(plan_sync(client, users=users, groups=wanted)) == 0
        [group] = state(client)["groups"]
        assert group["members"] == ["user0", "user5"]

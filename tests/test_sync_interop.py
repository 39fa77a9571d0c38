"""The same syncs against two servers: the local `SCIMServer` and `scim2-server` (see
`tests/interop.py`), each through real sockets. What is asserted is the directory each server
holds afterwards, read back with ids left out, so both must end the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scimkit import SCIMClient
from scimkit.sync import SyncBlocked, plan_sync

from .interop import client_on
from .sync_helpers import people, person, state


@pytest.fixture
def scim(kind: str) -> Iterator[SCIMClient]:
    """A client on a fresh, empty server of each kind (ten resources a page at most)."""
    with client_on(kind, max_results=10) as client:
        yield client


def users_of(client: SCIMClient) -> dict[str, dict[str, Any]]:
    return {u["userName"]: u for u in state(client)["users"]}


def members_of(client: SCIMClient) -> dict[str, list[str]]:
    return {g["displayName"]: g["members"] for g in state(client)["groups"]}


def test_a_directory_is_created_updated_deprovisioned_and_converges(scim: SCIMClient) -> None:
    # A group made by hand before the sync existed: taken over, not duplicated.
    scim.create_group({"displayName": "Tour Guides"}).raise_for_status()
    users = people(25, active=True)
    groups = [
        {"displayName": "tour guides", "members": ["e-0", "e-1", "e-2"]},
        {"displayName": "Ops", "members": [f"e-{n}" for n in range(12)]},
    ]
    first = plan_sync(scim, users=users, groups=groups, member_batch_size=5)
    # Ops: created with 5 members, 7 more added 5 at a time; the taken-over group: one PATCH
    assert (first.count("create"), first.count("update", "Group")) == (25, 3)
    assert first.apply(workers=4).ok
    assert len(plan_sync(scim, users=users, groups=groups)) == 0
    assert members_of(scim) == {
        "tour guides": ["user0", "user1", "user2"],
        "Ops": sorted(f"user{n}" for n in range(12)),
    }
    # Next day: a title changes, user24 leaves, user23 is deleted, members move.
    users[3]["title"] = "Lead"
    groups[0]["members"] = ["e-1", "e-2", "e-4"]
    groups[1]["members"] = [f"e-{n}" for n in range(6, 14)]
    second = plan_sync(scim, users=users[:24], groups=groups, deprovision="deactivate")
    assert [(c.action, c.key) for c in second.changes if c.resource_type == "User"] == [
        ("update", "e-3"),
        ("deactivate", "e-24"),
    ]
    assert second.apply(workers=4).ok
    third = plan_sync(scim, users=users[:23], groups=groups, deprovision="delete")
    assert [(c.action, c.key) for c in third.changes] == [
        ("delete", "e-23"),
        ("delete", "e-24"),
    ]
    assert third.apply().ok
    assert len(plan_sync(scim, users=users[:23], groups=groups, deprovision="delete")) == 0
    stored = users_of(scim)
    assert sorted(stored) == sorted(f"user{n}" for n in range(23))
    assert stored["user3"]["title"] == "Lead" and stored["user4"]["title"] == "Engineer"
    assert members_of(scim) == {
        "tour guides": ["user1", "user2", "user4"],
        "Ops": sorted(f"user{n}" for n in range(6, 14)),
    }


def test_scope_protects_the_users_outside_it(scim: SCIMClient) -> None:
    for user in [person(1, userType="Employee"), person(2, userType="Employee")]:
        scim.create_user(user).raise_for_status()
    scim.create_user(person(3, userType="Contractor")).raise_for_status()
    plan = plan_sync(
        scim,
        users=[person(1, userType="Employee")],
        scope='userType eq "Employee"',
        deprovision="delete",
    )
    assert [(c.action, c.key) for c in plan.changes] == [("delete", "e-2")]
    assert plan.apply().ok
    assert sorted(users_of(scim)) == ["user1", "user3"]


def test_the_brake_and_bad_input_write_nothing(scim: SCIMClient) -> None:
    assert plan_sync(scim, users=people(6)).apply().ok
    before = state(scim)
    braked = plan_sync(scim, users=people(2), max_deletions=3)
    assert braked.blocked is not None and braked.count("deactivate") == 4
    with pytest.raises(SyncBlocked):
        braked.apply()
    refused = plan_sync(
        scim,
        users=[*people(6), person(7, userName="user0")],
        groups=[{"displayName": "Ops", "members": ["e-9"]}],
    )
    assert [p.where for p in refused.problems] == ["users[6]", "groups[0].members[0]"]
    with pytest.raises(SyncBlocked):
        refused.apply()
    assert state(scim) == before


def test_a_change_between_plan_and_apply_is_not_overwritten(scim: SCIMClient) -> None:
    created = scim.create_user(person(1)).raise_for_status()
    assert created.user is not None and created.user.id is not None
    plan = plan_sync(scim, users=[person(1, title="Lead", displayName="Bea")])
    scim.patch_user(created.user.id, {"nickName": "Babs", "displayName": "Bea"}).raise_for_status()
    result = plan.apply()
    assert [o.note for o in result.updated] == ["sent again after 412"]
    stored = users_of(scim)["user1"]
    assert (stored["title"], stored["displayName"], stored["nickName"]) == ("Lead", "Bea", "Babs")

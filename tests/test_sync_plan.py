"""Planning a sync (`scimkit.sync.plan_sync`) against the local server: what the plan reads,
what it decides to write, and what it refuses before sending anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from scimkit import PagingError, SCIMClient, User
from scimkit.filters import F
from scimkit.sync import Change, Plan, Problem, SyncBlocked, plan_sync
from scimkit.testing import Fault, SCIMServer

from .sync_helpers import people, person, state, writes


@pytest.fixture
def small_pages() -> Iterator[SCIMServer]:
    with SCIMServer(max_results=100) as running:
        yield running


def seed(server: SCIMServer, users: list[dict[str, Any]]) -> dict[str, str]:
    """Store users directly (no request recorded); their ids by userName."""
    return {u["userName"]: server.add_resource("Users", u)["id"] for u in users}


def test_planning_reads_pages_not_rows_and_applies_only_the_differences(
    small_pages: SCIMServer,
) -> None:
    server = small_pages
    seed(server, people(250))
    desired = people(250)
    for number in (3, 100, 201):
        desired[number]["title"] = "Lead"
    with SCIMClient(server.url, token=server.token) as client:
        plan = plan_sync(client, users=desired, groups=[])
        reads = server.requests
        user_pages = [r for r in reads if r.path.endswith("/Users")]
        assert [r.query["count"] for r in user_pages] == [["100"]] * 3
        assert "meta.version" in user_pages[0].query["attributes"][0].split(",")
        # discovery (3) + 250 users / 100 per page (3) + one page of groups
        assert len(reads) == 3 + 3 + 1
        assert not writes(reads)
        assert [(c.action, c.key) for c in plan.changes] == [
            ("update", "e-3"),
            ("update", "e-100"),
            ("update", "e-201"),
        ]
        server.clear_requests()
        result = plan.apply(workers=2)
        assert len(result.updated) == 3 and not result.failed
        assert len(server.requests) == 3
        assert all(r.method == "PATCH" for r in server.requests)


def test_update_is_the_smallest_patch_and_leaves_unmentioned_attributes_alone(
    server: SCIMServer, client: SCIMClient
) -> None:
    stored = person(1, nickName="Babs")
    stored["emails"] = [
        {"value": "a@example.com", "type": "work", "primary": True},
        {"value": "b@example.com", "type": "home"},
    ]
    # No `value` to key them by: compared as a set all the same.
    stored["addresses"] = [{"locality": "Oslo"}, {"locality": "Rome", "type": "home"}]
    ids = seed(server, [stored])
    desired = person(1, title="Lead")
    # Order carries no meaning, and a sub-attribute not named (primary) is left alone.
    desired["emails"] = [
        {"value": "b@example.com", "type": "home"},
        {"value": "a@example.com", "type": "work"},
    ]
    desired["addresses"] = list(reversed(stored["addresses"]))
    plan = plan_sync(client, users=[desired])
    [change] = plan.changes
    assert change.id == ids["user1"] and change.etag == 'W/"1"'
    assert change.body == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Lead"}],
    }
    plan.apply()
    after = server.get_resource("Users", ids["user1"])
    assert after is not None
    assert after["title"] == "Lead" and after["nickName"] == "Babs"
    assert len(plan_sync(client, users=[desired])) == 0


def test_sub_attributes_the_desired_side_does_not_name_are_kept(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed(server, [person(1, name={"givenName": "Bea", "familyName": "Jensen"})])
    plan = plan_sync(client, users=[person(1, name={"givenName": "Barbara"})])
    [change] = plan.changes
    assert change.body is not None
    assert change.body["Operations"] == [
        {"op": "replace", "path": "name.givenName", "value": "Barbara"}
    ]


@pytest.mark.parametrize(
    ("deprovision", "action", "left"),
    [("deactivate", "deactivate", False), ("delete", "delete", None), ("keep", None, True)],
)
def test_users_the_desired_side_lost_are_deprovisioned_as_asked(
    server: SCIMServer,
    client: SCIMClient,
    deprovision: str,
    action: str | None,
    left: bool | None,
) -> None:
    ids = seed(server, people(3, active=True))
    plan = plan_sync(client, users=people(2, active=True), deprovision=deprovision)
    assert [(c.action, c.key) for c in plan.changes] == ([(action, "e-2")] if action else [])
    plan.apply()
    gone = server.get_resource("Users", ids["user2"])
    assert (gone["active"] if gone else None) == left
    assert len(plan_sync(client, users=people(2, active=True), deprovision=deprovision)) == 0


def test_a_returning_user_is_reactivated(server: SCIMServer, client: SCIMClient) -> None:
    seed(server, [person(1, active=False)])
    [change] = plan_sync(client, users=[person(1)]).changes
    assert change.body is not None
    assert change.body["Operations"] == [{"op": "replace", "path": "active", "value": True}]


def test_scope_protects_users_outside_it(server: SCIMServer, client: SCIMClient) -> None:
    ids = seed(
        server,
        [
            person(1, userType="Employee"),
            person(2, userType="Employee"),
            person(3, userType="Contractor"),
            {"userName": "admin", "userType": "Service"},
        ],
    )
    plan = plan_sync(
        client, users=[person(1)], scope='userType eq "Employee"', deprovision="delete"
    )
    assert [(c.action, c.id) for c in plan.changes] == [("delete", ids["user2"])]
    assert plan.managed_users == 2
    plan.apply()
    assert server.get_resource("Users", ids["user3"]) is not None
    assert server.get_resource("Users", ids["admin"]) is not None
    # A desired user outside the scope is still managed: it matched.
    plan = plan_sync(
        client, users=[person(1), person(3, title="Boss")], scope=F.eq("userType", "Employee")
    )
    assert [(c.action, c.key) for c in plan.changes] == [("update", "e-3")]


def test_an_existing_group_is_taken_over_not_duplicated(
    server: SCIMServer, client: SCIMClient
) -> None:
    ids = seed(server, people(2))
    group = server.add_resource(
        "Groups", {"displayName": "Tour Guides", "members": [{"value": ids["user0"]}]}
    )
    server.add_resource("Groups", {"displayName": "Unrelated"})
    plan = plan_sync(
        client, users=people(2), groups=[{"displayName": "tour guides", "members": ["e-1"]}]
    )
    [change] = plan.changes
    assert (change.action, change.resource_type, change.id) == ("update", "Group", group["id"])
    plan.apply()
    assert sorted(g["displayName"] for g in server.resources("Groups")) == [
        "Unrelated",
        "tour guides",
    ]
    taken = [g for g in state(client)["groups"] if g["displayName"] == "tour guides"]
    assert taken[0]["members"] == ["user1"]


def test_members_change_by_add_and_remove_in_batches(
    server: SCIMServer, client: SCIMClient
) -> None:
    ids = seed(server, people(9))
    server.add_resource(
        "Groups", {"displayName": "Ops", "members": [{"value": ids[f"user{n}"]} for n in range(5)]}
    )
    wanted = [{"displayName": "Ops", "members": ["e-0", "e-1", "e-5", "e-6", "e-7", "e-8"]}]
    plan = plan_sync(client, users=people(9), groups=wanted, member_batch_size=2)
    server.clear_requests()
    assert plan.apply().updated
    patches = [r.json for r in server.requests]
    # 4 added and 3 removed, 2 per request: never the whole member list replaced
    assert [r.method for r in server.requests] == ["PATCH"] * 4
    operations = [op for body in patches for op in body["Operations"]]
    assert [op["op"] for op in operations] == ["add", "add", "remove", "remove", "remove"]
    assert all(op["path"] != "members" or op["op"] == "add" for op in operations)
    assert all(len(op.get("value", [])) <= 2 for op in operations)
    assert state(client)["groups"][0]["members"] == [
        "user0",
        "user1",
        "user5",
        "user6",
        "user7",
        "user8",
    ]
    assert len(plan_sync(client, users=people(9), groups=wanted)) == 0


def test_groups_absent_from_the_desired_list_are_left_unless_delete_groups(
    server: SCIMServer, client: SCIMClient
) -> None:
    server.add_resource("Groups", {"displayName": "Legacy"})
    assert len(plan_sync(client, users=[], groups=[], allow_empty_source=True)) == 0
    plan = plan_sync(client, users=[], groups=[], delete_groups=True)
    assert [(c.action, c.resource_type, c.key) for c in plan.changes] == [
        ("delete", "Group", "Legacy")
    ]


def test_the_brake_blocks_mass_deprovisioning_before_any_write(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed(server, people(10))
    plan = plan_sync(client, users=people(4), max_deletions=5)
    assert plan.count("deactivate") == 6
    assert plan.blocked is not None and "6" in plan.blocked and "(5)" in plan.blocked
    assert "BLOCKED" in str(plan)
    server.clear_requests()
    with pytest.raises(SyncBlocked) as raised:
        plan.apply()
    assert raised.value.reason == plan.blocked
    assert server.requests == []
    assert plan_sync(client, users=people(4), max_deletions=0.5).blocked is not None
    assert plan_sync(client, users=people(4), max_deletions=0.6).blocked is None
    assert plan_sync(client, users=people(4), max_deletions=None).blocked is None


def test_an_empty_source_always_trips_the_brake(server: SCIMServer, client: SCIMClient) -> None:
    seed(server, people(2))
    plan = plan_sync(client, users=[], max_deletions=None)
    assert plan.blocked is not None and "empty" in plan.blocked
    assert plan_sync(client, users=[], allow_empty_source=True).blocked is None
    assert plan_sync(client, users=[], deprovision="keep").blocked is None


def test_bad_input_is_named_by_position_the_rest_still_planned_and_nothing_written(
    server: SCIMServer, client: SCIMClient
) -> None:
    ids = seed(server, [person(1), person(4), person(7), person(8)])
    server.add_resource("Groups", {"displayName": "ops", "members": [{"value": ids["user4"]}]})
    users: list[Any] = [
        person(0),
        person(1, title="Lead"),
        person(1, userName="other"),  # the same externalId again
        {"userName": "nokey"},
        person(4, titel="Lead", active="yes"),
        User(user_name="user5", external_id="e-5"),
        {"externalId": "e-8", 5: "five"},
    ]
    groups = [{"displayName": "Ops", "members": ["e-0", "e-9"]}, {"displayName": "ops"}]
    plan = plan_sync(client, users=users, groups=groups, delete_groups=True)
    assert writes(server.requests) == []
    assert [str(p) for p in plan.problems] == [
        "users[2]: externalId 'e-1' again (as users[1])",
        "users[3]: no externalId (the match key)",
        "users[4]: unknown attribute 'titel' (did you mean 'title'?)",
        "users[4]: active must be a boolean",
        "users[6]: no userName (every user needs one)",
        "users[6]: attribute name 5 is not a string",
        "groups[0].members[1]: no desired user has externalId 'e-9'",
        "groups[1]: displayName 'ops' again (as groups[0])",
    ]
    assert plan.blocked == "8 problem(s) in the desired side"
    # The rest of the plan is shown: the sound rows, and the group with its known member.
    # users[4] is refused but still names user4: not deactivated, and taken out of "ops" as
    # the desired groups say; users[6] is left out but its key holds user8, not deactivated;
    # user7, whom no row names, is deactivated.
    shown = [(c.action, c.resource_type, c.key) for c in plan.changes]
    assert shown == [
        ("create", "User", "e-0"),
        ("create", "User", "e-5"),
        ("update", "User", "e-1"),
        ("update", "Group", "Ops"),
        ("deactivate", "User", "e-7"),
    ]
    group_change = plan.changes[3]
    assert group_change.id is not None and group_change.body is not None
    assert group_change.body["Operations"] == [
        {"op": "replace", "path": "displayName", "value": "Ops"},
        {"op": "add", "path": "members", "value": [{"value": "bulkId:e-0"}]},
        {"op": "remove", "path": f'members[value eq "{ids["user4"]}"]'},
    ]
    with pytest.raises(SyncBlocked) as raised:
        plan.apply()
    assert raised.value.problems == tuple(plan.problems)
    assert writes(server.requests) == []


@pytest.mark.parametrize(
    ("arguments", "error", "named"),
    [
        ({"users": "user1"}, TypeError, "users"),
        ({"users": [42]}, TypeError, "users[0]"),
        ({"users": [], "groups": [3]}, TypeError, "groups[0]"),
        ({"users": [], "match": "id"}, ValueError, "match"),
        ({"users": [], "scope": 'userName eq "x'}, ValueError, "scope"),
        ({"users": [], "scope": 3}, TypeError, "scope"),
        ({"users": [], "deprovision": "archive"}, ValueError, "deprovision"),
        ({"users": [], "max_deletions": -1}, ValueError, "max_deletions"),
        ({"users": [], "max_deletions": 1.5}, ValueError, "max_deletions"),
        ({"users": [], "max_deletions": True}, TypeError, "max_deletions"),
        ({"users": [], "member_batch_size": 0}, ValueError, "member_batch_size"),
        ({"users": [], "delete_groups": 1}, TypeError, "delete_groups"),
    ],
)
def test_arguments_are_checked_before_anything_is_sent(
    server: SCIMServer, client: SCIMClient, arguments: dict[str, Any], error: type, named: str
) -> None:
    with pytest.raises(error, match=named.replace("[", r"\[")):
        plan_sync(client, **arguments)
    assert server.requests == []


def test_plan_sync_needs_a_client() -> None:
    with pytest.raises(TypeError, match="client"):
        plan_sync("http://example.com", users=[])  # type: ignore[arg-type]


def test_match_by_user_name_is_case_insensitive(server: SCIMServer, client: SCIMClient) -> None:
    ids = seed(server, [{"userName": "BJensen", "title": "Guide"}])
    plan = plan_sync(client, users=[{"userName": "bjensen", "title": "Lead"}], match="userName")
    assert [(c.action, c.id) for c in plan.changes] == [("update", ids["BJensen"])]


def test_a_server_user_without_external_id_is_taken_over_by_user_name(
    server: SCIMServer, client: SCIMClient
) -> None:
    ids = seed(server, [{"userName": "user1"}, {"userName": "user2", "externalId": "other"}])
    plan = plan_sync(client, users=[person(1), person(2)], deprovision="keep")
    assert [(c.action, c.id) for c in plan.changes] == [("update", ids["user1"])]
    assert plan.problems == [
        Problem(
            "users[1]",
            f"userName 'user2' is taken on the server by user {ids['user2']} with externalId "
            "'other'",
        )
    ]


def test_the_summary_counts_each_action(server: SCIMServer, client: SCIMClient) -> None:
    seed(server, people(3))
    plan = plan_sync(
        client,
        users=[person(0, title="Lead"), person(1), person(7)],
        groups=[{"displayName": "New", "members": ["e-7"]}],
    )
    assert str(plan).splitlines() == [
        "Users: 1 to create, 1 to update, 1 to deactivate, 0 to delete",
        "Groups: 1 to create, 0 to update, 0 to delete",
        "4 change(s) in all",
    ]
    assert [c.action for c in plan.changes] == ["create", "update", "create", "deactivate"]
    assert plan.changes[2].body == {"displayName": "New", "members": [{"value": "bulkId:e-7"}]}
    assert plan.changes[2].needs == ["e-7"]


def test_a_plan_survives_a_json_round_trip_and_applies(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed(server, people(2))
    plan = plan_sync(
        client,
        users=[person(0, title="Lead"), person(5)],
        groups=[{"displayName": "Ops", "members": ["e-0", "e-5"]}],
    )
    text = plan.to_json()
    assert text == plan.to_json()
    loaded = Plan.from_json(text, client)
    assert loaded.to_json() == text
    assert loaded.changes == plan.changes and isinstance(loaded.changes[0], Change)
    assert not loaded.apply().failed
    assert len(plan_sync(client, users=[person(0, title="Lead"), person(5)])) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ('{"format": "other"}', "format"),
        ('{"format": "scimkit-sync-plan/1", "scimVersion": "1.1"}', "SCIM 1.1"),
    ],
)
def test_text_that_is_no_plan_is_refused(client: SCIMClient, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Plan.from_json(text, client)


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_extension_attributes_are_read_compared_and_patched_by_urn_path(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed(server, [person(1, **{ENTERPRISE: {"department": "Tours", "costCenter": "7"}})])
    desired = [person(1, **{ENTERPRISE: {"department": "Sales"}})]
    plan = plan_sync(client, users=desired)
    asked = server.requests[-1].query["attributes"][0].split(",")
    assert f"{ENTERPRISE}:department" in asked
    [change] = plan.changes
    assert change.body is not None
    assert change.body["Operations"] == [
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Sales"}
    ]
    plan.apply()
    assert len(plan_sync(client, users=desired)) == 0
    [stored] = server.resources("Users")
    assert stored[ENTERPRISE] == {"department": "Sales", "costCenter": "7"}


def test_a_server_refusing_attributes_is_read_in_full(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed(server, people(2))
    client.discover()
    server.clear_requests()
    server.inject(
        Fault.status(400, body={"status": "400", "detail": "no attributes"}), method="GET"
    )
    plan = plan_sync(client, users=[person(0, title="Lead"), person(1)])
    assert [("attributes" in r.query) for r in server.requests] == [True, False]
    assert [(c.action, c.key) for c in plan.changes] == [("update", "e-0")]


# -- what a dry run shows: old values, members by key, progress while reading -------------


def test_an_update_carries_the_server_values_it_replaces(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed(server, [person(0, title="Intern", name={"givenName": "Ann", "familyName": "Li"})])
    wanted = person(0, title="Lead", name={"familyName": "Lee"}, nickName="Annie")
    plan = plan_sync(client, users=[wanted])
    (change,) = plan.changes
    # Only what the update changes, narrowed to what the desired side names: not userName
    # (unchanged), not name.givenName (not mentioned), not nickName (the server had none).
    assert change.before == {"title": "Intern", "name": {"familyName": "Li"}}
    assert Plan.from_json(plan.to_json(), client).changes[0].before == change.before


def test_a_scim_1_1_update_carries_the_values_its_partial_resource_replaces() -> None:
    with SCIMServer(scim_version="1.1") as old:
        seed(old, [person(0, title="Intern"), person(1)])
        with SCIMClient(old.url, token=old.token, scim_version="1.1") as client:
            plan = plan_sync(client, users=[person(0, title="Lead", nickName="Al"), person(1)])
    (change,) = plan.changes
    assert change.body is not None and change.body["title"] == "Lead"
    assert change.before == {"title": "Intern"}


def test_other_changes_carry_no_old_values(server: SCIMServer, client: SCIMClient) -> None:
    seed(server, people(2))
    plan = plan_sync(client, users=[person(0), person(7)])
    assert [(c.action, c.before) for c in plan.changes] == [("create", None), ("deactivate", None)]


def test_group_changes_name_their_members_by_user_key(
    server: SCIMServer, client: SCIMClient
) -> None:
    ids = seed(server, people(3))
    ids["outsider"] = server.add_resource("Users", {"userName": "outsider"})["id"]
    server.add_resource(
        "Groups",
        {"displayName": "ops", "members": [{"value": ids["user2"]}, {"value": ids["outsider"]}]},
    )
    plan = plan_sync(
        client,
        users=[person(0), person(1), person(5)],
        groups=[
            {"displayName": "Ops", "members": ["e-0", "e-5"]},
            {"displayName": "New", "members": ["e-1"]},
        ],
        max_deletions=None,
    )
    by_target = {(c.action, c.resource_type, c.key): c for c in plan.changes}
    update = by_target[("update", "Group", "Ops")]
    # e-0 is matched (its desired key), e-5 is created by the plan, user2 and outsider are
    # managed users the desired side lost: named by their server userName.
    assert update.member_keys == {
        ids["user0"]: "e-0",
        "bulkId:e-5": "e-5",
        ids["user2"]: "user2",
        ids["outsider"]: "outsider",
    }
    assert update.before == {"displayName": "ops"}
    assert by_target[("create", "Group", "New")].member_keys == {ids["user1"]: "e-1"}
    assert all(c.member_keys == {} for c in plan.changes if c.resource_type == "User")
    loaded = Plan.from_json(plan.to_json(), client)
    assert [c.member_keys for c in loaded.changes] == [c.member_keys for c in plan.changes]


def test_each_member_batch_names_only_its_own_members(
    server: SCIMServer, client: SCIMClient
) -> None:
    ids = seed(server, people(3))
    plan = plan_sync(
        client,
        users=people(3),
        groups=[{"displayName": "Ops", "members": ["e-0", "e-1", "e-2"]}],
        member_batch_size=2,
    )
    create, rest = plan.changes
    assert create.member_keys == {ids["user0"]: "e-0", ids["user1"]: "e-1"}
    assert rest.action == "update" and rest.member_keys == {ids["user2"]: "e-2"}
    assert rest.before == {}


@pytest.mark.parametrize("pagination", ["index", "cursor"])
def test_progress_is_told_after_each_page_of_users_and_groups(pagination: str) -> None:
    with SCIMServer(max_results=100, default_pagination=pagination) as server:
        seed(server, people(250))
        for number in range(3):
            server.add_resource("Groups", {"displayName": f"team{number}"})
        told: list[tuple[int, int | None, str]] = []
        with SCIMClient(server.url, token=server.token) as client:
            plan_sync(client, users=people(250), groups=[], progress=lambda *a: told.append(a))
    if pagination == "index":  # each page's totalResults
        assert told == [(100, 250, "User"), (200, 250, "User"), (250, 250, "User"), (3, 3, "Group")]
    else:  # cursors are read through iter_users: counted, without a total
        assert told == [
            (100, None, "User"),
            (200, None, "User"),
            (250, None, "User"),
            (3, None, "Group"),
        ]


def test_progress_counts_again_when_attributes_are_refused(
    server: SCIMServer, client: SCIMClient
) -> None:
    seed(server, people(2))
    client.discover()
    server.inject(
        Fault.status(400, body={"status": "400", "detail": "no attributes"}), method="GET"
    )
    told: list[tuple[int, int | None, str]] = []
    plan = plan_sync(client, users=people(2), progress=lambda *a: told.append(a))
    assert len(plan) == 0 and told == [(2, 2, "User")]


@pytest.mark.parametrize("progress", [3, "print", object()])
def test_progress_must_be_callable_and_is_checked_before_sending(
    server: SCIMServer, client: SCIMClient, progress: Any
) -> None:
    with pytest.raises(TypeError, match="progress must be a callable or None"):
        plan_sync(client, users=[], progress=progress)
    assert server.requests == []


def test_pages_that_contradict_each_other_stop_the_plan_before_any_write(
    server: SCIMServer, client: SCIMClient
) -> None:
    # The plan reads the server's JSON as sent, without models: the paging guard still holds.
    repeated = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 4,
        "startIndex": 1,
        "Resources": [{"id": n, "userName": n} for n in ("a", "b")],
    }
    body = json.dumps(repeated).encode()
    for _ in range(2):
        server.inject(Fault.body(body, content_type="application/scim+json"), path="/Users")
    with pytest.raises(PagingError, match="asked for startIndex=3"):
        plan_sync(client, users=[person(0)], deprovision="keep")
    assert writes(server.requests) == []


def test_entries_of_a_page_that_are_not_objects_are_skipped(
    server: SCIMServer, client: SCIMClient
) -> None:
    listing = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 2,
        "startIndex": 1,
        "Resources": ["not a user", {"id": "u-1", "userName": "user0", "externalId": "e-0"}],
    }
    body = json.dumps(listing).encode()
    server.inject(Fault.body(body, content_type="application/scim+json"), path="/Users")
    plan = plan_sync(client, users=[person(0)], deprovision="keep")
    assert [(c.action, c.id) for c in plan.changes] == [("update", "u-1")]

"""PatchOp.diff and the membership helpers: applying the diff turns old into new."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from scimkit import (
    EnterpriseUser,
    Group,
    GroupMember,
    PatchOp,
    SCIMClient,
    User,
    UserEmail,
    UserName,
)
from scimkit.testing import SCIMServer
from scimkit.testing._engine import apply_patch

from .checks import resource_id

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

BASE: dict[str, Any] = {
    "schemas": [CORE, ENTERPRISE],
    "id": "1",
    "userName": "bjensen",
    "title": "Guide",
    "active": True,
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [
        {"value": "b@example.com", "type": "work", "primary": True},
        {"value": "babs@home.org", "type": "home"},
    ],
    "nickNames": ["babs", "b"],
    ENTERPRISE: {"department": "Tours", "manager": {"value": "m1"}},
    "meta": {"version": 'W/"1"'},
}


def normalised(resource: Mapping[str, Any]) -> dict[str, Any]:
    """Multi-valued attributes compared as sets (their order carries no meaning), and null
    the same as absent (RFC 7643 §2.5)."""
    out = {k: v for k, v in copy.deepcopy(resource).items() if v is not None}
    for key, value in out.items():
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            out[key] = sorted(value, key=lambda v: repr(sorted(v.items())))
    out.pop("schemas", None)
    return out


def changed(**edits: object) -> dict[str, Any]:
    after = copy.deepcopy(BASE)
    for key, value in edits.items():
        if value is ...:
            after.pop(key, None)
        else:
            after[key] = value
    return after


CASES = {
    "nothing": changed(),
    "replace a string": changed(title="Lead"),
    "add an attribute": changed(displayName="Babs"),
    "remove an attribute": changed(title=...),
    "null removes": changed(title=None),
    "boolean": changed(active=False),
    "sub-attribute": changed(name={"givenName": "Babs", "familyName": "Jensen"}),
    "sub-attribute removed": changed(name={"givenName": "Barbara"}),
    "email added": changed(emails=BASE["emails"] + [{"value": "new@example.com", "type": "other"}]),
    "email removed": changed(emails=BASE["emails"][:1]),
    "email changed": changed(
        emails=[{"value": "b@example.com", "type": "work"}, BASE["emails"][1]]
    ),
    "all emails removed": changed(emails=...),
    "scalar list": changed(nickNames=["b"]),
    "extension attribute": changed(
        **{ENTERPRISE: {"department": "Ops", "manager": {"value": "m1"}}}
    ),
    "extension sub-object": changed(
        **{ENTERPRISE: {"department": "Tours", "manager": {"value": "m2"}}}
    ),
    "extension removed attribute": changed(**{ENTERPRISE: {"department": "Tours"}}),
}


@pytest.mark.parametrize("name", CASES)
def test_applying_the_diff_turns_old_into_new(name: str) -> None:
    after = CASES[name]
    ops = PatchOp.diff(BASE, after)
    result = BASE
    if ops.operations:
        result = apply_patch(BASE, ops.to_dict()["Operations"], core_schema=CORE)
    assert normalised(result) == normalised(after)


def test_no_change_is_no_operation() -> None:
    assert PatchOp.diff(BASE, copy.deepcopy(BASE)).operations == []


def test_one_new_member_is_one_add_and_one_gone_member_one_remove() -> None:
    before = Group(display_name="G", members=[GroupMember(value="a"), GroupMember(value="b")])
    after = Group(display_name="G", members=[GroupMember(value="a"), GroupMember(value="c")])
    operations = PatchOp.diff(before, after).operations
    assert operations is not None
    ops = [op.to_dict() for op in operations]
    assert ops == [
        {"op": "remove", "path": 'members[value eq "b"]'},
        {"op": "add", "path": "members", "value": [{"value": "c"}]},
    ]


def test_read_only_attributes_are_never_in_a_diff() -> None:
    before = {"id": "1", "meta": {"version": "1"}, "groups": [{"value": "g"}], "userName": "a"}
    after = {"id": "2", "meta": {"version": "2"}, "groups": [], "userName": "a"}
    assert PatchOp.diff(before, after).operations == []


def test_diff_of_models_reads_the_json() -> None:
    before = User(user_name="a", name=UserName(given_name="A"), emails=[UserEmail(value="a@x")])
    after = User(
        user_name="a",
        name=UserName(given_name="B"),
        emails=[UserEmail(value="a@x")],
        enterprise=EnterpriseUser(department="D"),
    )
    operations = PatchOp.diff(before, after).operations
    assert operations is not None
    ops = [op.to_dict() for op in operations]
    assert {"op": "replace", "path": "name.givenName", "value": "B"} in ops
    assert {"op": "add", "path": f"{ENTERPRISE}:department", "value": "D"} in ops
    assert len(ops) == 2


def test_values_in_paths_are_escaped() -> None:
    ops = PatchOp.remove_members(['we"ird\\id'])
    assert ops.operations is not None
    assert ops.operations[0].path == 'members[value eq "we\\"ird\\\\id"]'


def test_membership_helpers_through_the_server(client: SCIMClient) -> None:
    users = [resource_id(client.create_user(User(user_name=n))) for n in ("a", "b", "c")]
    group_id = resource_id(client.create_group(Group(display_name="G")))
    added = client.patch_group(group_id, PatchOp.add_members(users)).group
    assert added is not None and added.members is not None
    assert sorted((m.value for m in added.members), key=str) == sorted(users)
    removed = client.patch_group(group_id, PatchOp.remove_members(users[:2])).group
    assert removed is not None and removed.members is not None
    assert [m.value for m in removed.members] == [users[2]]


def test_read_change_send_only_the_diff(client: SCIMClient, server: SCIMServer) -> None:
    user = client.create_user(
        User(user_name="d", title="Intern", emails=[UserEmail(value="d@x")])
    ).user
    assert user is not None and user.id is not None
    edited = User.from_dict(user.to_dict())
    edited.title = "Engineer"
    assert edited.emails is not None
    edited.emails.append(UserEmail(value="d2@x", type="work"))
    resp = client.patch_user(user.id, PatchOp.diff(user, edited))
    assert server.requests[-1].json["Operations"] == [
        {"op": "replace", "path": "title", "value": "Engineer"},
        {"op": "add", "path": "emails", "value": [{"value": "d2@x", "type": "work"}]},
    ]
    assert resp.user is not None and resp.user.emails is not None
    assert resp.user.title == "Engineer" and len(resp.user.emails) == 2


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: PatchOp.add_members([]), ValueError),
        (lambda: PatchOp.add_members([""]), ValueError),
        (lambda: PatchOp.add_members([{"display": "no value"}]), ValueError),
        (lambda: PatchOp.remove_members([]), ValueError),
        (lambda: PatchOp.diff("a", {}), TypeError),  # type: ignore[arg-type]  # a str, on purpose
    ],
)
def test_helper_misuse_fails_fast(call: Callable[[], object], error: type[Exception]) -> None:
    with pytest.raises(error):
        call()


def test_the_entra_profile_removes_members_by_value(server: SCIMServer) -> None:
    client = SCIMClient(server.url, token=server.token, server_profile="entra")
    users = [resource_id(client.create_user(User(user_name=n))) for n in ("a", "b")]
    group_id = resource_id(client.create_group(Group(display_name="G")))
    client.patch_group(group_id, PatchOp.add_members(users))
    resp = client.patch_group(group_id, PatchOp.remove_members([users[0]]))
    assert server.requests[-1].json["Operations"] == [
        {"op": "remove", "path": "members", "value": [{"value": users[0]}]}
    ]
    assert resp.group is not None and resp.group.members is not None
    assert [m.value for m in resp.group.members] == [users[1]]


def test_without_a_profile_members_are_removed_by_path(
    client: SCIMClient, server: SCIMServer
) -> None:
    group_id = resource_id(client.create_group(Group(display_name="G")))
    client.patch_group(group_id, PatchOp.remove_members(["x"]))
    assert server.requests[-1].json["Operations"] == [
        {"op": "remove", "path": 'members[value eq "x"]'}
    ]


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="server_profile"):
        SCIMClient("https://example.com/scim", server_profile="okta-ish")

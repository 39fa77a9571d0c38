"""One provisioning script, run unchanged against two servers.

`provision()` is what a real provisioning script does with a `SCIMClient`: create users with
the core attributes and the enterprise extension, find them by `userName` and `externalId`,
PATCH and replace them, build a group and change its members and name, deactivate, delete,
and check that what was deleted is gone. Every call goes through `raise_for_status()`, so a
refusal ends the script with the scimkit error class for it. It returns a record of what it
saw, with ids replaced by the userNames they stand for, and the test asserts that each server
leaves exactly `EXPECTED` behind: a script that passes against the local server passes
against `scim2-server` (see `tests/interop.py`), and gives the same results.

The mistakes a script can make, below, are sent to both servers too: a real server refuses
each with a 400 (or 409) and a `scimType`, and the local server must refuse it the same way,
or a script tuned against it fails only in production. Where `scim2-server` is more lenient
than RFC 7643/7644, a test named for it says what each server does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from scimkit import (
    BadRequest,
    Conflict,
    EnterpriseManager,
    EnterpriseUser,
    Group,
    GroupMember,
    NotFound,
    PatchOp,
    PatchOperation,
    SCIMClient,
    SCIMResponse,
    SCIMResponseError,
    User,
    UserEmail,
    UserName,
)
from scimkit.filters import F, Filter

from .checks import resource_id, returned
from .interop import OURS, client_on

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def scim(kind: str) -> Iterator[SCIMClient]:
    with client_on(kind) as client:
        yield client


# -- the provisioning script ---------------------------------------------------------------


def user_view(user: User, names: Mapping[str, str]) -> dict[str, Any]:
    """What the script compares of a user: what it wrote, ids turned into userNames."""
    data = user.to_dict()
    view: dict[str, Any] = {
        key: data[key]
        for key in ("userName", "name", "displayName", "nickName", "title", "active", "externalId")
        if data.get(key) is not None
    }
    # The order of a multi-valued attribute is the server's (RFC 7643 §2.4), and an email
    # without `primary` is not the primary one.
    view["emails"] = sorted((e.value, e.type, e.primary is True) for e in user.emails or [])
    enterprise = user.enterprise
    if enterprise is not None:
        manager = enterprise.manager.value if enterprise.manager else None
        view["enterprise"] = {
            "employeeNumber": enterprise.employee_number,
            "department": enterprise.department,
            "manager": names.get(manager, manager) if manager else None,
        }
    return view


def group_view(group: Group, names: Mapping[str, str]) -> dict[str, Any]:
    """What the script compares of a group: its name and its members' userNames."""
    members = sorted(names.get(m.value or "", f"unknown {m.value}") for m in group.members or [])
    return {"displayName": group.display_name, "members": members}


def new_user(
    user_name: str, given: str, family: str, number: int, *, manager: str | None = None
) -> User:
    """A user as an HR feed describes one."""
    return User(
        user_name=user_name,
        external_id=f"hr-{number:04d}",
        name=UserName(given_name=given, family_name=family),
        display_name=f"{given} {family}",
        nick_name=given[:3],
        title="Tour Guide",
        active=True,
        emails=[
            UserEmail(value=f"{user_name}@work.example", type="work", primary=True),
            UserEmail(value=f"{user_name}@home.example", type="home"),
        ],
        enterprise=EnterpriseUser(
            employee_number=str(number),
            department="Tours",
            manager=EnterpriseManager(value=manager) if manager else None,
        ),
    )


def found_names(scim: SCIMClient, filter: str | Filter) -> list[str]:
    """The userNames a search finds, sorted."""
    users = scim.search_users(filter=filter).raise_for_status().users
    return sorted(str(u.user_name) for u in users)


def provision(scim: SCIMClient) -> dict[str, Any]:
    """Run the whole script against `scim`; a record of what the server answered."""
    record: dict[str, Any] = {}
    ids: dict[str, str] = {}
    names: dict[str, str] = {}

    def read_user(name: str) -> dict[str, Any]:
        return user_view(returned(scim.read_user(ids[name]).raise_for_status()), names)

    def create(user: User) -> None:
        name = str(user.user_name)
        ids[name] = resource_id(scim.create_user(user).raise_for_status())
        names[ids[name]] = name

    create(new_user("ceo", "Carla", "Oswald", 1))
    create(new_user("bjensen", "Barbara", "Jensen", 2, manager=ids["ceo"]))
    create(new_user("jsmith", "Joe", "Smith", 3))
    record["created"] = {name: read_user(name) for name in ids}

    record["searches"] = {
        "userName eq (text)": found_names(scim, 'userName eq "bjensen"'),
        "userName eq, other case (F)": found_names(scim, F.eq("userName", "BJensen")),
        "externalId eq (text)": found_names(scim, 'externalId eq "hr-0003"'),
        "externalId eq (F)": found_names(scim, F.eq("externalId", "hr-0001")),
        "enterprise department (F)": found_names(scim, F.eq(f"{ENTERPRISE}:department", "Tours")),
        "no one (F)": found_names(scim, F.eq("userName", "nobody")),
    }

    # PATCH: a promotion, a new address, a nickname dropped, a move to another department.
    scim.patch_user(
        ids["bjensen"],
        [
            PatchOperation(op="replace", path="title", value="Senior Tour Guide"),
            PatchOperation(
                op="add", path="emails", value=[{"value": "babs@other.example", "type": "other"}]
            ),
            PatchOperation(op="remove", path="nickName"),
            PatchOperation(op="replace", path=f"{ENTERPRISE}:department", value="Operations"),
        ],
    ).raise_for_status()
    record["patched"] = read_user("bjensen")

    # PUT: the HR feed sends the whole of jsmith again, changed.
    replacement = new_user("jsmith", "Joseph", "Smith", 3, manager=ids["bjensen"])
    replacement.id = ids["jsmith"]
    replacement.title = "Intern"
    replacement.nick_name = None
    replacement.emails = [UserEmail(value="joseph@work.example", type="work", primary=True)]
    scim.update_user(replacement).raise_for_status()
    record["replaced"] = read_user("jsmith")

    record["group"] = provision_group(scim, ids, names)

    scim.patch_user(ids["jsmith"], User(active=False)).raise_for_status()
    record["deactivated"] = read_user("jsmith")["active"]
    everyone = scim.iter_users(page_size=2)
    record["listed users"] = sorted((str(u.user_name), u.active) for u in everyone)

    record["deleted"] = delete_everything(scim, ids)
    return record


def provision_group(scim: SCIMClient, ids: dict[str, str], names: dict[str, str]) -> Any:
    """The group part of the script: create with members, add, remove, rename, list."""
    seen: dict[str, Any] = {}

    def read_group() -> dict[str, Any]:
        return group_view(returned(scim.read_group(ids["Tour Guides"]).raise_for_status()), names)

    created = scim.create_group(
        Group(
            display_name="Tour Guides",
            members=[GroupMember(value=ids["ceo"]), GroupMember(value=ids["bjensen"])],
        )
    ).raise_for_status()
    ids["Tour Guides"] = resource_id(created)
    names[ids["Tour Guides"]] = "Tour Guides"
    seen["created"] = read_group()
    scim.patch_group(ids["Tour Guides"], PatchOp.add_members([ids["jsmith"]])).raise_for_status()
    seen["member added"] = read_group()
    scim.patch_group(ids["Tour Guides"], PatchOp.remove_members([ids["ceo"]])).raise_for_status()
    seen["member removed"] = read_group()
    scim.patch_group(
        ids["Tour Guides"], [PatchOperation(op="replace", path="displayName", value="Tour Leads")]
    ).raise_for_status()
    seen["renamed"] = read_group()
    listed = scim.search_groups(filter=F.eq("displayName", "Tour Leads")).raise_for_status()
    seen["listed"] = [group_view(g, names) for g in listed.groups]
    seen["all groups"] = [group_view(g, names) for g in scim.iter_groups()]
    return seen


def delete_everything(scim: SCIMClient, ids: dict[str, str]) -> Any:
    """Delete the group, then the users; what reading each afterwards raises."""
    group_id = ids.pop("Tour Guides")
    scim.delete_group(group_id).raise_for_status()
    for user_id in ids.values():
        scim.delete_user(user_id).raise_for_status()
    gone: dict[str, Any] = {}
    reads: list[tuple[str, Callable[[], SCIMResponse]]] = [
        ("Tour Guides", functools.partial(scim.read_group, group_id))
    ]
    reads += [(name, functools.partial(scim.read_user, user_id)) for name, user_id in ids.items()]
    for name, read in reads:
        try:
            read().raise_for_status()
        except NotFound as exc:
            gone[name] = (type(exc).__name__, exc.status)
        else:
            gone[name] = "still there"
    gone["users left"] = scim.search_users(count=0).raise_for_status().total_results
    return gone


def expected_user(
    user_name: str, given: str, family: str, number: int, manager: str | None = None, **changes: Any
) -> dict[str, Any]:
    """What `user_view` gives for `new_user(...)` as stored, with `changes` applied (a change
    to `None`: the attribute is gone)."""
    view = {
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "displayName": f"{given} {family}",
        "nickName": given[:3],
        "title": "Tour Guide",
        "active": True,
        "externalId": f"hr-{number:04d}",
        "emails": [
            (f"{user_name}@home.example", "home", False),
            (f"{user_name}@work.example", "work", True),
        ],
        "enterprise": {"employeeNumber": str(number), "department": "Tours", "manager": manager},
    }
    view.update(changes)
    return {key: value for key, value in view.items() if value is not None}


def expected_group(name: str, *members: str) -> dict[str, Any]:
    return {"displayName": name, "members": sorted(members)}


EXPECTED: dict[str, Any] = {
    "created": {
        "ceo": expected_user("ceo", "Carla", "Oswald", 1),
        "bjensen": expected_user("bjensen", "Barbara", "Jensen", 2, "ceo"),
        "jsmith": expected_user("jsmith", "Joe", "Smith", 3),
    },
    "searches": {
        "userName eq (text)": ["bjensen"],
        "userName eq, other case (F)": ["bjensen"],
        "externalId eq (text)": ["jsmith"],
        "externalId eq (F)": ["ceo"],
        "enterprise department (F)": ["bjensen", "ceo", "jsmith"],
        "no one (F)": [],
    },
    "patched": expected_user(
        "bjensen",
        "Barbara",
        "Jensen",
        2,
        title="Senior Tour Guide",
        nickName=None,
        emails=[
            ("babs@other.example", "other", False),
            ("bjensen@home.example", "home", False),
            ("bjensen@work.example", "work", True),
        ],
        enterprise={"employeeNumber": "2", "department": "Operations", "manager": "ceo"},
    ),
    "replaced": expected_user(
        "jsmith",
        "Joseph",
        "Smith",
        3,
        "bjensen",
        title="Intern",
        nickName=None,
        emails=[("joseph@work.example", "work", True)],
    ),
    "group": {
        "created": expected_group("Tour Guides", "ceo", "bjensen"),
        "member added": expected_group("Tour Guides", "ceo", "bjensen", "jsmith"),
        "member removed": expected_group("Tour Guides", "bjensen", "jsmith"),
        "renamed": expected_group("Tour Leads", "bjensen", "jsmith"),
        "listed": [expected_group("Tour Leads", "bjensen", "jsmith")],
        "all groups": [expected_group("Tour Leads", "bjensen", "jsmith")],
    },
    "deactivated": False,
    "listed users": [("bjensen", True), ("ceo", True), ("jsmith", False)],
    "deleted": {
        "Tour Guides": ("NotFound", 404),
        "ceo": ("NotFound", 404),
        "bjensen": ("NotFound", 404),
        "jsmith": ("NotFound", 404),
        "users left": 0,
    },
}


def test_provisioning_script_leaves_the_same_record_on_each_server(scim: SCIMClient) -> None:
    record = provision(scim)
    for step, expected in EXPECTED.items():  # step by step first: a failure names the step
        assert record[step] == expected, step
    assert record == EXPECTED


# -- mistakes a script can make, refused alike ---------------------------------------------


Send = Callable[[SCIMClient, Mapping[str, str]], SCIMResponse]


def _user(**attributes: Any) -> dict[str, Any]:
    """A create or replace body as a script builds it by hand (models refuse unknown names)."""
    return {"schemas": [CORE_USER], **attributes}


def _patch(*operations: PatchOperation) -> Send:
    """A PATCH of the user `base`."""
    return lambda scim, ids: scim.patch_user(ids["base"], list(operations))


def _search(filter: str | Filter) -> Send:
    return lambda scim, ids: scim.search_users(filter=filter)


# What the script sends, the error class, status and scimType, and a name the detail says.
MISTAKES = [
    # RFC 7644 §3.12 invalidSyntax: "did not conform to the request schema".
    pytest.param(
        lambda scim, ids: scim.create_user(_user(userName="typo", titel="CTO")),
        BadRequest,
        400,
        "invalidSyntax",
        "titel",
        id="create-unknown-attribute",
    ),
    pytest.param(
        lambda scim, ids: scim.create_user(
            {"schemas": [CORE_USER, ENTERPRISE], "userName": "typo", ENTERPRISE: {"departmnt": "T"}}
        ),
        BadRequest,
        400,
        "invalidSyntax",
        "departmnt",
        id="create-unknown-enterprise-attribute",
    ),
    pytest.param(
        lambda scim, ids: scim.update_user(_user(id=ids["base"], userName="base", titel="CTO")),
        BadRequest,
        400,
        "invalidSyntax",
        "titel",
        id="replace-unknown-attribute",
    ),
    pytest.param(
        lambda scim, ids: scim.create_group(
            {"schemas": [CORE_GROUP], "displayName": "G", "member": [{"value": ids["base"]}]}
        ),
        BadRequest,
        400,
        "invalidSyntax",
        "member",
        id="create-group-unknown-attribute",
    ),
    # RFC 7644 §3.12 invalidValue: "not compatible with the operation or attribute type".
    pytest.param(
        lambda scim, ids: scim.create_user(_user(userName="typo", emails="a@b.example")),
        BadRequest,
        400,
        "invalidValue",
        "emails",
        id="create-emails-as-a-string",
    ),
    pytest.param(
        lambda scim, ids: scim.create_user(_user(userName="typo", emails=["a@b.example"])),
        BadRequest,
        400,
        "invalidValue",
        "emails",
        id="create-email-as-a-string",
    ),
    pytest.param(
        lambda scim, ids: scim.create_user(_user(userName="typo", name="Barbara Jensen")),
        BadRequest,
        400,
        "invalidValue",
        "name",
        id="create-name-as-a-string",
    ),
    pytest.param(
        lambda scim, ids: scim.create_user(_user(userName="typo", title=5)),
        BadRequest,
        400,
        "invalidValue",
        "title",
        id="create-title-as-a-number",
    ),
    pytest.param(
        lambda scim, ids: scim.create_user(_user(userName="typo", active="maybe")),
        BadRequest,
        400,
        "invalidValue",
        "active",
        id="create-active-as-a-word",
    ),
    # RFC 7644 §3.12 invalidValue: "a required value was missing". `create_user` refuses a
    # user without userName before sending (a ValueError), so the script sends it raw.
    pytest.param(
        lambda scim, ids: scim.api_call("POST", "/Users", body_params=_user(displayName="x")),
        BadRequest,
        400,
        "invalidValue",
        "userName",
        id="create-without-userName",
    ),
    pytest.param(
        lambda scim, ids: scim.api_call(
            "PUT", f"/Users/{ids['base']}", body_params=_user(id=ids["base"], title="x")
        ),
        BadRequest,
        400,
        "invalidValue",
        "userName",
        id="replace-without-userName",
    ),
    pytest.param(
        lambda scim, ids: scim.api_call("POST", "/Groups", body_params={"schemas": [CORE_GROUP]}),
        BadRequest,
        400,
        "invalidValue",
        "displayName",
        id="create-group-without-displayName",
    ),
    # RFC 7644 §3.5.2 and §3.12 invalidPath: the path names no attribute of the schema.
    pytest.param(
        _patch(PatchOperation(op="replace", path="titel", value="CTO")),
        BadRequest,
        400,
        "invalidPath",
        "titel",
        id="patch-path-unknown-attribute",
    ),
    pytest.param(
        _patch(PatchOperation(op="replace", path="name.givenNme", value="Barbara")),
        BadRequest,
        400,
        "invalidPath",
        "givenNme",
        id="patch-path-unknown-sub-attribute",
    ),
    pytest.param(
        _patch(PatchOperation(op="remove", path="titel")),
        BadRequest,
        400,
        "invalidPath",
        "titel",
        id="patch-remove-unknown-attribute",
    ),
    pytest.param(
        _patch(PatchOperation(op="replace", path=f"{ENTERPRISE}:departmnt", value="T")),
        BadRequest,
        400,
        "invalidPath",
        "departmnt",
        id="patch-path-unknown-enterprise-attribute",
    ),
    pytest.param(
        lambda scim, ids: scim.patch_group(
            ids["group"], [PatchOperation(op="add", path="member", value=[{"value": ids["base"]}])]
        ),
        BadRequest,
        400,
        "invalidPath",
        "member",
        id="patch-group-path-unknown-attribute",
    ),
    # Without a path the value is a partial resource (RFC 7644 §3.5.2.1/.3): a name in it
    # that the schema lacks makes the value incompatible with the resource schema.
    pytest.param(
        _patch(PatchOperation(op="replace", value={"titel": "CTO"})),
        BadRequest,
        400,
        "invalidValue",
        "titel",
        id="patch-value-unknown-attribute",
    ),
    pytest.param(
        _patch(PatchOperation(op="replace", path="emails", value="a@b.example")),
        BadRequest,
        400,
        "invalidValue",
        "emails",
        id="patch-emails-as-a-string",
    ),
    # RFC 7643 §2.2 and RFC 7644 §3.12 mutability: readOnly attributes are not written, and
    # RFC 7644 §3.5.2.2: removing a required attribute is a mutability error too.
    pytest.param(
        _patch(PatchOperation(op="replace", path="id", value="mine")),
        BadRequest,
        400,
        "mutability",
        "id",
        id="patch-id",
    ),
    pytest.param(
        _patch(PatchOperation(op="replace", path="meta.created", value="2020-01-01T00:00:00Z")),
        BadRequest,
        400,
        "mutability",
        "meta",
        id="patch-meta-created",
    ),
    pytest.param(
        _patch(PatchOperation(op="remove", path="userName")),
        BadRequest,
        400,
        "mutability",
        None,  # scim2-server: "required attribute cannot be removed", no name
        id="patch-remove-userName",
    ),
    # RFC 7643 §4.1.1: userName is unique, and caseExact false: "BASE" is "base" taken.
    pytest.param(
        lambda scim, ids: scim.create_user(User(user_name="BASE")),
        Conflict,
        409,
        "uniqueness",
        None,  # scim2-server: "One or more of the attribute values are already in use"
        id="create-duplicate-userName",
    ),
    pytest.param(
        lambda scim, ids: scim.update_user(_user(id=ids["other"], userName="Base")),
        Conflict,
        409,
        "uniqueness",
        None,
        id="replace-duplicate-userName",
    ),
    pytest.param(
        _patch(PatchOperation(op="replace", path="userName", value="OTHER")),
        Conflict,
        409,
        "uniqueness",
        None,
        id="patch-duplicate-userName",
    ),
    # RFC 7644 §3.12 invalidFilter: "the specified attribute and filter comparison
    # combination is not supported".
    pytest.param(
        _search('usrName eq "base"'),
        BadRequest,
        400,
        "invalidFilter",
        "usrName",
        id="filter-unknown",
    ),
    pytest.param(
        _search(F.eq("name.givenNme", "Barbara")),
        BadRequest,
        400,
        "invalidFilter",
        "givenNme",
        id="filter-F-unknown-sub-attribute",
    ),
    pytest.param(
        _search(F.eq(f"{ENTERPRISE}:departmnt", "T")),
        BadRequest,
        400,
        "invalidFilter",
        "departmnt",
        id="filter-F-unknown-enterprise-attribute",
    ),
]
# Left out, because RFC 7643/7644 does not make a server refuse them and neither server does:
# - `attributes=usrName`: RFC 7644 §3.9 lists names to return; both answer 200 without it.
# - `id`, `meta` or `groups` in a create or replace body: readOnly values, which "SHALL be
#   ignored" in a replace (RFC 7644 §3.5.1); both servers ignore them in a create too.
# `"active": "yes"` is refused by the RFC but not by scim2-server: see the test after this.


def _state(scim: SCIMClient) -> list[Any]:
    """What a refused request must leave unchanged: every user and group as stored."""
    users = scim.search_users(sort_by="userName").raise_for_status()
    groups = scim.search_groups().raise_for_status()
    return [users.body.get("Resources"), groups.body.get("Resources")]


@pytest.mark.parametrize(("send", "error", "status", "scim_type", "named"), MISTAKES)
def test_mistake_is_refused_with_the_same_error_by_each_server(
    scim: SCIMClient,
    send: Send,
    error: type[SCIMResponseError],
    status: int,
    scim_type: str,
    named: str | None,
) -> None:
    ids = {
        name: resource_id(scim.create_user(User(user_name=name, title="T")).raise_for_status())
        for name in ("base", "other")
    }
    members = [GroupMember(value=ids["other"])]
    ids["group"] = resource_id(
        scim.create_group(Group(display_name="G", members=members)).raise_for_status()
    )
    before = _state(scim)
    with pytest.raises(SCIMResponseError) as raised:
        send(scim, ids).raise_for_status()
    refused = raised.value
    assert (type(refused), refused.status, refused.scim_type) == (error, status, scim_type), (
        refused.detail
    )
    if named is not None:
        assert named in (refused.detail or ""), refused.detail
    # A refused request changes nothing (RFC 7644 §3.5.2: a PATCH is applied whole or not
    # at all): not even meta.version or meta.lastModified.
    assert _state(scim) == before


@pytest.mark.parametrize("value", ["yes", 1], ids=["yes", "1"])
def test_active_yes_or_1_is_refused_here_but_scim2_server_stores_true(
    scim: SCIMClient, kind: str, value: object
) -> None:
    # RFC 7643 §2.3.2: a boolean is the JSON literal true or false. scim2-server validates
    # with pydantic's lax mode, which reads "yes" and 1 as true: it accepts the mistake, so
    # a script that passes against it can still be refused by a stricter server. Ours
    # refuses, as the RFC asks.
    base = resource_id(scim.create_user(User(user_name="base", active=False)).raise_for_status())
    writes: dict[str, Callable[[], SCIMResponse]] = {
        "create": lambda: scim.create_user(_user(userName="lax", active=value)),
        "replace": lambda: scim.update_user(_user(id=base, userName="base", active=value)),
        "patch": lambda: scim.patch_user(
            base, [PatchOperation(op="replace", path="active", value=value)]
        ),
    }
    for what, write in writes.items():
        answer = write()
        if kind == OURS:
            assert answer.status_code == 400, what
            assert answer.errors is not None and answer.errors.scim_type == "invalidValue", what
            with pytest.raises(BadRequest):
                answer.raise_for_status()
        else:
            assert answer.ok, (what, answer.status_code, answer.errors)
    stored = {str(u.user_name): u.active for u in scim.iter_users()}
    if kind == OURS:
        assert stored == {"base": False}
    else:
        assert stored == {"base": True, "lax": True}

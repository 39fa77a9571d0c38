"""SCIMClient against the local SCIM server, through real sockets on 127.0.0.1."""

from __future__ import annotations

import logging
import ssl
from typing import Callable

import pytest

from scimkit import (
    Conflict,
    EnterpriseUser,
    Group,
    GroupMember,
    NotFound,
    PatchOperation,
    SCIMClient,
    SCIMResponse,
    User,
    UserEmail,
    UserName,
)
from scimkit._rfc7643 import core_schema
from scimkit._schemas import CORE_USER
from scimkit.testing import SCIMServer

from .checks import resource_id

SCIM_JSON = "application/scim+json"


def test_create_user_sends_scim_json_with_bearer_token(
    client: SCIMClient, server: SCIMServer
) -> None:
    resp = client.create_user(
        User(
            user_name="cal",
            name=UserName(given_name="C", family_name="Henderson"),
            emails=[UserEmail(value="cal@example.com", primary=True)],
        )
    )
    assert resp.status_code == 201
    assert resp.user is not None and resp.user.id
    received = server.requests[-1]
    assert received.method == "POST"
    assert received.path == "/scim/v2/Users"
    assert received.headers["Authorization"] == f"Bearer {server.token}"
    assert received.headers["Content-Type"] == SCIM_JSON
    assert received.headers["Accept"] == "application/scim+json, application/json"
    assert received.headers["User-Agent"].startswith("scimkit/")
    assert received.json == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "cal",
        "name": {"givenName": "C", "familyName": "Henderson"},
        "emails": [{"value": "cal@example.com", "primary": True}],
    }


def test_search_users_sends_every_query_parameter(client: SCIMClient, server: SCIMServer) -> None:
    for name in ("ann", "bob", "cat"):
        client.create_user(User(user_name=name))
    resp = client.search_users(
        filter='userName ne "bob"',
        start_index=1,
        count=1,
        attributes=["userName"],
        excluded_attributes=["emails"],
        sort_by="userName",
        sort_order="descending",
    )
    received = server.requests[-1]
    assert received.method == "GET" and received.path == "/scim/v2/Users"
    assert received.query == {
        "filter": ['userName ne "bob"'],
        "startIndex": ["1"],
        "count": ["1"],
        "attributes": ["userName"],
        "excludedAttributes": ["emails"],
        "sortBy": ["userName"],
        "sortOrder": ["descending"],
    }
    assert received.body == b""
    assert "Content-Type" not in received.headers
    assert resp.total_results == 2 and resp.items_per_page == 1 and resp.start_index == 1
    assert [u.user_name for u in resp.users] == ["cat"]


def test_read_patch_update_delete_user_round_trip(client: SCIMClient, server: SCIMServer) -> None:
    user_id = resource_id(client.create_user(User(user_name="cal")))

    read = client.read_user(user_id, attributes="userName")
    assert read.status_code == 200 and read.user is not None and read.user.user_name == "cal"
    assert server.requests[-1].query == {"attributes": ["userName"]}

    patched = client.patch_user(user_id, User(user_name="chenderson"))
    assert patched.status_code == 200
    assert patched.user is not None and patched.user.user_name == "chenderson"
    assert server.requests[-1].method == "PATCH"
    assert server.requests[-1].json == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": "chenderson"}],
    }

    user = client.read_user(user_id).user
    assert user is not None
    user.name = UserName(given_name="Cal", family_name="Henderson")
    updated = client.update_user(user)
    assert updated.status_code == 200
    received = server.requests[-1]
    assert received.method == "PUT" and received.path == f"/scim/v2/Users/{user_id}"
    assert "id" not in received.json and "meta" not in received.json
    assert updated.user is not None and updated.user.name is not None
    assert updated.user.name.given_name == "Cal"

    deleted = client.delete_user(user_id)
    assert deleted.status_code == 204 and deleted.body == {} and deleted.ok
    assert client.read_user(user_id).status_code == 404


def test_group_twins_and_membership(client: SCIMClient, server: SCIMServer) -> None:
    alice = resource_id(client.create_user(User(user_name="alice")))
    bob = resource_id(client.create_user(User(user_name="bob")))
    created = client.create_group(
        Group(display_name="Tour Guides", members=[GroupMember(value=alice)])
    )
    assert created.status_code == 201
    group_id = resource_id(created)
    added = client.patch_group(
        group_id, [PatchOperation(op="add", path="members", value=[{"value": bob}])]
    )
    assert added.status_code == 200
    assert added.group is not None and added.group.members is not None
    assert {m.value for m in added.group.members} == {alice, bob}
    found = client.search_groups(filter='displayName eq "Tour Guides"')
    assert [g.id for g in found.groups] == [group_id]
    group = client.read_group(group_id).group
    assert group is not None
    group.display_name = "Tour Leads"
    updated = client.update_group(group).group
    assert updated is not None and updated.display_name == "Tour Leads"
    member = client.read_user(alice).user
    assert member is not None and member.groups is not None
    assert [g.value for g in member.groups] == [group_id]
    assert client.delete_group(group_id).status_code == 204
    assert client.read_group(group_id).status_code == 404


@pytest.mark.parametrize("weird_id", ["a/b", "../Groups", "..", "x?y=1#z", "sp ace", "ü"])
def test_ids_reach_the_server_as_one_encoded_path_segment(
    client: SCIMClient, server: SCIMServer, weird_id: str
) -> None:
    resp = client.read_user(weird_id)
    assert resp.status_code == 404
    received = server.requests[-1]
    assert received.raw_path.startswith("/scim/v2/Users/")
    assert "/" not in received.raw_path[len("/scim/v2/Users/") :]
    assert "?" not in received.raw_path and "#" not in received.raw_path
    assert received.path == f"/scim/v2/Users/{weird_id}"


def test_unknown_attributes_survive_a_read_modify_write_through_the_server(
    client: SCIMClient, server: SCIMServer
) -> None:
    # A server whose schemas have more than the client's models: an extension and an
    # attribute of its own in the core User schema.
    user_schema = core_schema(CORE_USER)
    assert user_schema is not None
    user_schema["attributes"].append(
        {"name": "futureAttribute", "type": "integer", "multiValued": True}
    )
    server.add_schema(user_schema)
    badge = {"id": "urn:example:2.0:Badge", "attributes": [{"name": "level", "type": "integer"}]}
    server.add_schema(badge, extension_of="Users")
    user_id = resource_id(
        client.create_user(
            {"userName": "cal", "urn:example:2.0:Badge": {"level": 3}, "futureAttribute": [1, 2]}
        )
    )
    user = client.read_user(user_id).user
    assert user is not None
    user.title = "Guide"
    client.update_user(user)
    sent = server.requests[-1].json
    assert sent["urn:example:2.0:Badge"] == {"level": 3}
    assert sent["futureAttribute"] == [1, 2]
    assert "urn:example:2.0:Badge" in sent["schemas"]
    stored = client.read_user(user_id).user
    assert stored is not None
    assert stored["urn:example:2.0:Badge"] == {"level": 3} and stored.title == "Guide"


def test_null_clears_and_unset_leaves_alone_on_patch(
    client: SCIMClient, server: SCIMServer
) -> None:
    user_id = resource_id(client.create_user(User(user_name="cal", title="Boss", nick_name="C")))
    resp = client.patch_user(user_id, User(title=None))
    assert server.requests[-1].json["Operations"] == [{"op": "remove", "path": "title"}]
    assert resp.user is not None
    assert resp.user.title is None and resp.user.nick_name == "C"


def test_enterprise_extension_reaches_the_server(client: SCIMClient, server: SCIMServer) -> None:
    user_id = resource_id(
        client.create_user(User(user_name="cal", enterprise=EnterpriseUser(department="Ops")))
    )
    sent = server.requests[-1].json
    assert sent["schemas"] == [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ]
    read = client.read_user(user_id).user
    assert read is not None and read.enterprise is not None
    assert read.enterprise.department == "Ops"


def test_plain_dicts_work_everywhere_a_model_does(client: SCIMClient) -> None:
    created = client.create_user({"userName": "dict-user"})
    assert created.status_code == 201
    patched = client.patch_user(resource_id(created), {"displayName": "D"})
    assert patched.user is not None and patched.user.display_name == "D"
    group = client.create_group({"displayName": "G"})
    assert group.status_code == 201


def test_error_status_is_a_response_with_scim_error_detail(
    client: SCIMClient, server: SCIMServer
) -> None:
    client.create_user(User(user_name="cal"))
    resp = client.create_user(User(user_name="CAL"))
    assert resp.status_code == 409 and not resp.ok
    assert resp.errors is not None
    assert resp.errors.scim_type == "uniqueness"
    assert resp.errors.status == 409
    assert resp.user is None
    with pytest.raises(Conflict) as info:
        resp.raise_for_status()
    error = info.value
    assert error.status == 409 and error.scim_type == "uniqueness"
    assert error.method == "POST" and error.url.endswith("/scim/v2/Users")
    assert server.token is not None
    assert server.token not in str(error) and server.token not in repr(error)


def test_raise_errors_makes_every_failure_an_exception(server: SCIMServer) -> None:
    client = SCIMClient(server.url, token=server.token, raise_errors=True)
    with pytest.raises(NotFound) as info:
        client.read_user("missing")
    assert info.value.status_code == 404
    assert info.value.response is not None and info.value.response.status_code == 404


def test_wrong_token_is_a_401_response(server: SCIMServer) -> None:
    resp = SCIMClient(server.url, token="wrong").read_user("x")
    assert resp.status_code == 401 and not resp.ok


def test_token_callable_is_asked_on_every_call(server: SCIMServer) -> None:
    calls = []
    expected = server.token
    assert expected is not None

    def token() -> str:
        calls.append(1)
        return expected

    client = SCIMClient(server.url, token=token)
    client.search_users()
    client.search_users()
    assert len(calls) == 2
    assert server.requests[-1].headers["Authorization"] == f"Bearer {server.token}"


def test_no_token_sends_no_authorization_and_default_headers_are_sent() -> None:
    with SCIMServer(token=None) as server:
        client = SCIMClient(
            server.url,
            default_headers={"X-Tenant": "t1"},
            user_agent_prefix="app/1",
            user_agent_suffix="sfx/2",
        )
        assert client.search_users().ok
        received = server.requests[-1]
        assert "Authorization" not in received.headers
        assert received.headers["X-Tenant"] == "t1"
        agent = received.headers["User-Agent"]
        assert agent.startswith("app/1 scimkit/") and agent.endswith(" sfx/2")


def test_caller_dicts_are_not_mutated_by_calls(client: SCIMClient) -> None:
    headers = {"X-Trace": "1"}
    body = {"userName": "cal", "emails": [{"value": "a@b.c"}]}
    before = (repr(headers), repr(body))
    SCIMClient(client.base_url, token=client._token, default_headers=headers).create_user(body)
    client.api_call("POST", "/Users", body_params={"userName": "x2"}, headers=headers)
    assert (repr(headers), repr(body)) == before


def test_api_call_reaches_any_endpoint(client: SCIMClient, server: SCIMServer) -> None:
    resp = client.api_call("GET", "/ServiceProviderConfig")
    assert isinstance(resp, SCIMResponse) and resp.ok
    assert "patch" in resp.body
    resp = client.api_call("GET", "/Users", query_params={"count": 0, "filter": "userName pr"})
    assert server.requests[-1].query == {"count": ["0"], "filter": ["userName pr"]}
    assert resp.body["totalResults"] == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": "5"}, TypeError, "timeout"),
        ({"ssl": True}, TypeError, "ssl"),
        ({"scim_version": "2"}, ValueError, "scim_version"),
        ({"proxy": 8080}, TypeError, "proxy"),
        ({"proxy": "socks5://127.0.0.1:1080"}, ValueError, "proxy"),
        ({"retry_handlers": [object()]}, TypeError, "retry_handlers"),
        ({"token": 123}, TypeError, "token"),
        ({"token": ""}, ValueError, "token"),
        ({"token": "abc\r\nX-Evil: 1"}, ValueError, "token"),
        ({"default_headers": {"X": "a\nb"}}, ValueError, "default_headers"),
        ({"logger": "scimkit"}, TypeError, "logger"),
    ],
)
def test_bad_constructor_arguments_fail_fast_naming_them(
    kwargs: dict[str, object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        # Values of the wrong type are part of the table: they must be refused at run time.
        SCIMClient("https://example.com/scim/v2", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_id", ["a\r\nX-Evil: 1", "line\n", "nul\0"])
@pytest.mark.parametrize(
    "call",
    [
        lambda c, i: c.read_user(i),
        lambda c, i: c.patch_user(i, User(active=False)),
        lambda c, i: c.delete_user(i),
        lambda c, i: c.update_user(User(id=i, user_name="x")),
        lambda c, i: c.read_group(i),
        lambda c, i: c.delete_group(i),
        lambda c, i: c.read(User, i),
        lambda c, i: c.delete(Group, i),
    ],
    ids=[
        "read_user",
        "patch_user",
        "delete_user",
        "update_user",
        "read_group",
        "delete_group",
        "read",
        "delete",
    ],
)
def test_ids_with_cr_lf_or_nul_are_refused_before_anything_is_sent(
    client: SCIMClient, server: SCIMServer, call: Callable[[SCIMClient, str], object], bad_id: str
) -> None:
    with pytest.raises(ValueError, match="must not contain CR, LF or NUL"):
        call(client, bad_id)
    assert server.requests == []


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"userName": "\ud800x"}, "at userName:"),
        (User(user_name="a", emails=[UserEmail(value="b\udc00")]), "at emails[0].value:"),
        ({"userName": "a", "x\ud800": 1}, "at the key 'x\\ud800':"),
    ],
    ids=["value", "nested", "key"],
)
def test_text_that_utf8_cannot_encode_is_refused_naming_where_it_is(
    client: SCIMClient, server: SCIMServer, body: User | dict[str, object], where: str
) -> None:
    with pytest.raises(ValueError, match="lone surrogate") as info:
        client.create_user(body)
    assert where in str(info.value)
    assert server.requests == []


def test_api_call_refuses_absolute_urls_and_bad_verbs(client: SCIMClient) -> None:
    with pytest.raises(ValueError, match="path"):
        client.api_call("GET", "https://evil.example.com/steal")
    with pytest.raises(ValueError, match="http_verb"):
        client.api_call("GET /x", "/Users")


def test_default_ssl_context_verifies_certificates() -> None:
    client = SCIMClient("https://example.com/scim/v2")
    assert client.ssl is not None
    assert client.ssl.verify_mode == ssl.CERT_REQUIRED and client.ssl.check_hostname


def test_repr_never_shows_the_token() -> None:
    client = SCIMClient("https://example.com/scim/v2", token="tok-SECRET-123")
    assert "tok-SECRET-123" not in repr(client)


def test_debug_log_shows_the_exchange_but_never_the_token_or_password(
    client: SCIMClient, server: SCIMServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="scimkit")
    user_id = resource_id(client.create_user(User(user_name="cal", password="pw-SECRET-9")))
    client.patch_user(user_id, User(password="pw-SECRET-10"))
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST" in text and "/scim/v2/Users" in text and "cal" in text
    assert "Authorization" in text and "[secure]" in text
    assert server.token is not None and server.token not in text
    assert "pw-SECRET-9" not in text and "pw-SECRET-10" not in text


def test_the_scim_1_1_dialect_runs_the_whole_flow(
    v1_client: SCIMClient, v1_server: SCIMServer
) -> None:
    created = v1_client.create_user(User(user_name="cal", emails=[UserEmail(value="c@x.org")]))
    assert created.status_code == 201
    received = v1_server.requests[-1]
    assert received.headers["Content-Type"] == "application/json"
    assert received.json["schemas"] == ["urn:scim:schemas:core:1.0"]
    user_id = resource_id(created)
    assert [u.id for u in v1_client.search_users(filter='userName eq "cal"').users] == [user_id]
    patched = v1_client.patch_user(user_id, User(user_name="chenderson"))
    assert v1_server.requests[-1].json == {
        "schemas": ["urn:scim:schemas:core:1.0"],
        "userName": "chenderson",
    }
    assert patched.user is not None and patched.user.user_name == "chenderson"
    user = v1_client.read_user(user_id).user
    assert user is not None
    user.title = "Guide"
    updated = v1_client.update_user(user).user
    assert updated is not None and updated.title == "Guide"
    group_id = resource_id(
        v1_client.create_group(Group(display_name="G", members=[GroupMember(value=user_id)]))
    )
    other = resource_id(v1_client.create_user(User(user_name="bob")))
    merged = v1_client.patch_group(group_id, {"members": [{"value": other}]}).group
    assert merged is not None and merged.members is not None
    assert {m.value for m in merged.members} == {user_id, other}
    removed = v1_client.patch_group(
        group_id, {"members": [{"value": user_id, "operation": "delete"}]}
    ).group
    assert removed is not None and removed.members is not None
    assert [m.value for m in removed.members] == [other]
    missing = v1_client.read_user("nope")
    assert missing.status_code == 404
    assert missing.errors is not None and missing.errors.code == 404
    assert missing.errors.description
    assert v1_client.delete_group(group_id).status_code == 204
    assert v1_client.delete_user(user_id).status_code == 204

"""Request building, as data in and data out: URLs, ids, queries, headers, bodies."""

from __future__ import annotations

import re

import pytest

from scimkit import EnterpriseUser, Group, GroupMember, PatchOp, PatchOperation, User
from scimkit._request import (
    Dialect,
    authorization,
    encode_id,
    join_url,
    patch_body,
    query_params,
    resource_body,
    resource_id,
    user_agent,
    validate_base_url,
)

V2 = Dialect("2.0")
V1 = Dialect("1.1")
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://example.com/scim/v2/", "https://example.com/scim/v2"),
        ("https://example.com/scim/v2", "https://example.com/scim/v2"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("HTTPS://Example.com/scim", "https://Example.com/scim"),
    ],
)
def test_base_url_is_accepted_with_or_without_trailing_slash(given: str, expected: str) -> None:
    assert validate_base_url(given) == expected


@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        ("file:///etc/passwd", ValueError, "http:// or https://"),
        ("ftp://example.com/scim", ValueError, "scheme 'ftp'"),
        ("example.com/scim", ValueError, "http:// or https://"),
        ("https:///scim", ValueError, "no host"),
        ("https://example.com/scim?x=1", ValueError, "query string"),
        ("https://example.com/scim\r\nX: y", ValueError, "CR, LF"),
        (b"https://example.com", TypeError, "must be a str"),
    ],
)
def test_bad_base_url_fails_fast_naming_the_argument(
    given: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        validate_base_url(given)


def test_base_url_credentials_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError) as info:
        validate_base_url("https://admin:s3cret-pw@example.com/scim")
    assert "s3cret-pw" not in str(info.value)
    assert "base_url" in str(info.value)


@pytest.mark.parametrize(
    ("resource_id_", "segment"),
    [
        ("2819c223-7f76-453a-919d-413861904646", "2819c223-7f76-453a-919d-413861904646"),
        ("a/b", "a%2Fb"),
        ("../Groups", "..%2FGroups"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("x?attributes=password", "x%3Fattributes%3Dpassword"),
        ("x#frag", "x%23frag"),
        ("a b+c", "a%20b%2Bc"),
        ("é", "%C3%A9"),
    ],
)
def test_ids_are_percent_encoded_with_nothing_left_safe(resource_id_: str, segment: str) -> None:
    assert encode_id(resource_id_) == segment


@pytest.mark.parametrize(("bad", "error"), [("", ValueError), (None, TypeError), (42, TypeError)])
def test_bad_id_fails_fast(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="id"):
        encode_id(bad)


def test_join_url_encodes_the_query_with_percent_escapes() -> None:
    url = join_url("https://h/scim", "/Users", {"filter": 'userName eq "a b"', "count": "2"})
    assert url == "https://h/scim/Users?filter=userName%20eq%20%22a%20b%22&count=2"


def test_query_params_maps_every_rfc7644_parameter() -> None:
    assert query_params(
        filter='userName sw "a"',
        start_index=11,
        count=0,
        attributes=["userName", "name.givenName"],
        excluded_attributes="emails,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        sort_by="meta.created",
        sort_order="descending",
    ) == {
        "filter": 'userName sw "a"',
        "startIndex": "11",
        "count": "0",
        "attributes": "userName,name.givenName",
        "excludedAttributes": (
            "emails,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
        ),
        "sortBy": "meta.created",
        "sortOrder": "descending",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"start_index": 0}, ValueError, "start_index"),
        ({"start_index": "1"}, TypeError, "start_index"),
        ({"count": -1}, ValueError, "count"),
        ({"count": True}, TypeError, "count"),
        ({"sort_order": "up"}, ValueError, "sort_order"),
        ({"attributes": ["user name"]}, ValueError, "attributes"),
        ({"attributes": 5}, TypeError, "attributes"),
        ({"excluded_attributes": ["a\r\nb"]}, ValueError, "excluded_attributes"),
        ({"filter": "  "}, ValueError, "filter"),
        ({"filter": 12}, TypeError, "filter"),
    ],
)
def test_bad_query_arguments_fail_fast_naming_the_argument(
    kwargs: dict[str, object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        query_params(**kwargs)


def test_user_agent_names_scimkit_python_and_system_with_prefix_and_suffix() -> None:
    agent = user_agent("myapp/1.0", "extra/2")
    assert re.fullmatch(r"myapp/1\.0 scimkit/\S+ Python/\d+\.\d+\.\d+ \S+/\S* extra/2", agent)


def test_authorization_calls_a_token_callable_each_time() -> None:
    tokens = iter(["one", "two"])
    assert authorization(lambda: next(tokens)) == "Bearer one"
    assert authorization(lambda: next(tokens)) == "Bearer two"
    assert authorization(None) is None
    with pytest.raises(ValueError, match="token"):
        authorization(lambda: "")


def test_create_body_fills_schemas_and_drops_read_only_attributes() -> None:
    user = User.from_dict(
        {"id": "1", "meta": {"version": "x"}, "groups": [{"value": "g"}], "userName": "cal"}
    )
    assert resource_body(user, User, V2, argument="user", for_create=True) == {
        "schemas": [CORE_USER],
        "userName": "cal",
    }


def test_create_body_lists_extension_schemas_present() -> None:
    user = User(user_name="cal", enterprise=EnterpriseUser(department="Ops"))
    user["urn:example:2.0:Badge"] = {"level": 1}
    body = resource_body(user, User, V2, argument="user", for_create=True)
    assert body["schemas"][0] == CORE_USER
    assert sorted(body["schemas"][1:]) == sorted([ENTERPRISE, "urn:example:2.0:Badge"])


def test_create_without_required_attribute_fails_before_sending() -> None:
    with pytest.raises(ValueError, match="userName"):
        resource_body(User(display_name="x"), User, V2, argument="user", for_create=True)
    with pytest.raises(ValueError, match="displayName"):
        resource_body({"members": []}, Group, V2, argument="group", for_create=True)


def test_a_caller_dict_is_never_mutated() -> None:
    given = {"userName": "cal", "emails": [{"value": "a@b.c"}], "id": "x"}
    snapshot = repr(given)
    resource_body(given, User, V2, argument="user", for_create=True)
    patch_body(given, User, V2, argument="partial_user")
    assert repr(given) == snapshot


def test_scim_1_1_bodies_use_the_core_1_0_schema_and_extension_urn() -> None:
    user = User(user_name="cal", enterprise=EnterpriseUser(department="Ops"))
    assert resource_body(user, User, V1, argument="user", for_create=True) == {
        "schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"],
        "userName": "cal",
        "urn:scim:schemas:extension:enterprise:1.0": {"department": "Ops"},
    }


def test_replace_needs_the_resource_id() -> None:
    assert resource_id(User.from_dict({"id": "a/b"}), "user") == "a%2Fb"
    assert resource_id({"ID": "7"}, "user") == "7"
    with pytest.raises(ValueError, match="user has no id"):
        resource_id(User(user_name="x"), "user")


def test_partial_user_becomes_replace_operations_and_none_a_remove() -> None:
    partial = User(user_name="chenderson", title=None, enterprise=EnterpriseUser(department="X"))
    assert patch_body(partial, User, V2, argument="partial_user") == {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "replace", "path": "userName", "value": "chenderson"},
            {"op": "remove", "path": "title"},
            {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "X"},
        ],
    }


def test_patch_accepts_patch_op_operation_list_and_raw_message() -> None:
    ops = [PatchOperation(op="add", path="members", value=[{"value": "1"}])]
    expected = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "1"}]}],
    }
    assert patch_body(ops, Group, V2, argument="p") == expected
    assert patch_body(PatchOp(operations=ops), Group, V2, argument="p") == expected
    assert patch_body({"Operations": expected["Operations"]}, Group, V2, argument="p") == expected


def test_scim_1_1_patch_sends_the_partial_resource() -> None:
    body = patch_body(Group(members=[GroupMember(value="1")]), Group, V1, argument="partial_group")
    assert body == {"schemas": ["urn:scim:schemas:core:1.0"], "members": [{"value": "1"}]}
    with pytest.raises(ValueError, match="SCIM 1.1"):
        patch_body(PatchOp(operations=[]), Group, V1, argument="partial_group")


@pytest.mark.parametrize(
    "bad",
    [[{"op": "delete", "path": "x"}], [{"path": "x"}], User()],
)
def test_malformed_patch_fails_fast(bad: object) -> None:
    with pytest.raises(ValueError, match="partial_user"):
        patch_body(bad, User, V2, argument="partial_user")


def test_patch_of_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="partial_user"):
        patch_body("userName=x", User, V2, argument="partial_user")


def test_unknown_scim_version_is_refused() -> None:
    with pytest.raises(ValueError, match="scim_version"):
        Dialect("3.0")


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"op": "remove"}, "remove needs a path"),
        ({"op": "add", "path": "emails"}, "add needs a value"),
        ({"op": "replace", "path": "title"}, "replace needs a value"),
        ({"op": "replace", "path": "emails[type eq", "value": 1}, "invalid path"),
        ({"op": "move", "path": "a"}, "op must be add, remove or replace"),
    ],
)
def test_patch_operations_are_checked_for_shape_before_sending(
    operation: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        patch_body([operation], User, V2, argument="partial_user")


def test_well_formed_operations_pass_the_shape_check() -> None:
    body = patch_body(
        [
            {"op": "add", "value": {"title": "x"}},
            {"op": "remove", "path": 'emails[type eq "w"]'},
            {"op": "replace", "path": "active", "value": False},
        ],
        User,
        V2,
        argument="partial_user",
    )
    assert len(body["Operations"]) == 3

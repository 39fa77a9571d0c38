"""strict=True: successes checked against RFC 7644 and the server's own schemas."""

from __future__ import annotations

from typing import Callable

import pytest

from scimkit import InvalidResponse, SCIMClient, User
from scimkit.filters import FilterSyntaxError
from scimkit.testing import Fault, SCIMServer

from .checks import error_detail


@pytest.fixture
def strict(server: SCIMServer) -> SCIMClient:
    return SCIMClient(server.url, token=server.token, strict=True, retry_handlers=[])


def test_a_compliant_server_passes_strict_checks(strict: SCIMClient, server: SCIMServer) -> None:
    strict.discover()
    created = strict.create_user(User(user_name="s", password="pw"))
    assert created.ok, created.errors
    user = created.user
    assert user is not None and user.id is not None
    assert strict.read_user(user.id).ok
    assert strict.search_users().ok
    assert strict.patch_user(user.id, User(title="t")).ok
    assert strict.delete_user(user.id).ok


def test_a_wrong_content_type_on_a_success_is_not_ok(
    strict: SCIMClient, server: SCIMServer
) -> None:
    server.inject(
        Fault.body(b'{"totalResults": 0, "Resources": []}', status=200, content_type="text/plain")
    )
    resp = strict.search_users()
    assert not resp.ok and "Content-Type 'text/plain'" in error_detail(resp)
    with pytest.raises(InvalidResponse):
        resp.raise_for_status()


EMPTY_LIST = (
    b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], '
    b'"totalResults": 0, "Resources": []}'
)


def test_charset_is_allowed_and_the_lenient_default_accepts_anything(server: SCIMServer) -> None:
    server.inject(
        Fault.body(EMPTY_LIST, status=200, content_type="application/scim+json; charset=utf-8")
    )
    assert SCIMClient(server.url, token=server.token, strict=True).search_users().ok
    server.inject(Fault.body(b'{"Resources": []}', status=200, content_type="text/plain"))
    assert SCIMClient(server.url, token=server.token).search_users().ok


def test_an_unexpected_success_status_is_not_ok(strict: SCIMClient, server: SCIMServer) -> None:
    server.inject(
        Fault.status(200, body={"id": "x", "userName": "x"}, content_type="application/scim+json"),
        method="POST",
    )
    resp = strict.create_user(User(user_name="x"))
    assert not resp.ok and "status 200 is not one this operation returns (201)" in error_detail(
        resp
    )


def test_after_discover_the_resource_is_checked_against_the_schema(
    strict: SCIMClient, server: SCIMServer
) -> None:
    strict.discover()
    server.inject(
        Fault.status(
            200, body={"id": "1", "password": "leaked"}, content_type="application/scim+json"
        ),
        method="GET",
    )
    resp = strict.read_user("1")
    assert not resp.ok
    detail = error_detail(resp)
    assert "required attribute userName is missing" in detail
    assert "password is returned, but the schema says returned=never" in detail


def test_a_read_narrowed_by_attributes_may_leave_required_ones_out(
    strict: SCIMClient, server: SCIMServer
) -> None:
    strict.discover()
    user = strict.create_user(User(user_name="narrow", display_name="N")).user
    assert user is not None and user.id is not None
    user_id = user.id
    resp = strict.read_user(user_id, attributes=["displayName"])
    assert "userName" not in resp.body and resp.ok, resp.errors
    assert strict.read_user(user_id, excluded_attributes=["userName"]).ok


SCIM_JSON = "application/scim+json"


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (b"", ["the 200 answer has no body"]),
        (
            b'{"Resources": "x", "totalResults": "abc"}',
            [
                "totalResults is not a non-negative integer: 'abc'",
                "Resources is a JSON str, not an array",
                "schemas does not name urn:ietf:params:scim:api:messages:2.0:ListResponse",
            ],
        ),
        (
            b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],'
            b' "totalResults": 2, "startIndex": "1", "Resources": [1, 2]}',
            ["startIndex is not an integer: '1'", "Resources holds entries that are not JSON"],
        ),
        (
            b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],'
            b' "totalResults": 3}',
            ["Resources is missing, yet totalResults is 3"],
        ),
        (b'{"Resources": []}', ["totalResults is missing from the ListResponse"]),
    ],
    ids=["empty", "wrong types", "bad entries", "no resources", "no total"],
)
def test_a_list_response_of_the_wrong_shape_is_not_ok(
    strict: SCIMClient, server: SCIMServer, body: bytes, problems: list[str]
) -> None:
    server.inject(Fault.body(body, status=200, content_type=SCIM_JSON))
    resp = strict.search_users()
    assert not resp.ok and resp.users == []
    detail = error_detail(resp)
    for problem in problems:
        assert problem in detail
    # Lenient, the same answer reads as an empty page.
    server.inject(Fault.body(body, status=200, content_type=SCIM_JSON))
    assert SCIMClient(server.url, token=server.token).search_users().ok


@pytest.mark.parametrize(
    ("method", "body", "problem"),
    [
        ("GET", b"", "the 200 answer has no body"),
        ("GET", b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}', "has no id"),
        ("GET", b'{"id": "1", "userName": "x"}', "has no schemas"),
        ("POST", b"", "the 201 answer has no body"),
    ],
)
def test_a_resource_answer_without_body_id_or_schemas_is_not_ok(
    strict: SCIMClient, server: SCIMServer, method: str, body: bytes, problem: str
) -> None:
    status = 201 if method == "POST" else 200
    server.inject(Fault.body(body, status=status, content_type=SCIM_JSON), method=method)
    resp = strict.create_user(User(user_name="x")) if method == "POST" else strict.read_user("1")
    assert not resp.ok and resp.user is None
    assert problem in error_detail(resp)


def test_a_patch_answered_with_204_and_no_body_is_ok(
    strict: SCIMClient, server: SCIMServer
) -> None:
    user = strict.create_user(User(user_name="p")).user
    assert user is not None and user.id is not None
    server.inject(Fault.status(204), method="PATCH")
    resp = strict.patch_user(user.id, User(title="t"))
    assert resp.ok and resp.status_code == 204 and resp.user is None


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.search_users(filter='userName eq "x'),
        lambda c: c.search_groups(filter="displayName eq"),
        lambda c: c.search(User, filter="(title pr", use_post=True),
        lambda c: c.search_all(filter="title xx 1"),
        lambda c: c.iter_users(filter='userName eq "x'),
    ],
    ids=["search_users", "search_groups", "search .search", "search_all", "iter_users"],
)
def test_strict_mode_refuses_a_filter_that_does_not_parse_before_sending(
    strict: SCIMClient, server: SCIMServer, call: Callable[[SCIMClient], object]
) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        call(strict)
    assert info.value.position >= 0 and "^" in str(info.value)
    assert server.requests == []


def test_lenient_mode_sends_a_filter_as_written(server: SCIMServer) -> None:
    lenient = SCIMClient(server.url, token=server.token, retry_handlers=[])
    resp = lenient.search_users(filter='userName eq "x')
    assert resp.status_code == 400 and resp.errors is not None
    assert resp.errors.scim_type == "invalidFilter"
    assert server.requests[0].query["filter"] == ['userName eq "x']

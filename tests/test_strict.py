"""strict=True: successes checked against RFC 7644 and the server's own schemas."""

from __future__ import annotations

import pytest

from scimkit import InvalidResponse, SCIMClient, User
from scimkit.testing import Fault


@pytest.fixture
def strict(server):
    return SCIMClient(server.url, token=server.token, strict=True, retry_handlers=[])


def test_a_compliant_server_passes_strict_checks(strict, server):
    strict.discover()
    user = strict.create_user(User(user_name="s", password="pw"))
    assert user.ok, user.errors
    assert strict.read_user(user.user.id).ok
    assert strict.search_users().ok
    assert strict.patch_user(user.user.id, User(title="t")).ok
    assert strict.delete_user(user.user.id).ok


def test_a_wrong_content_type_on_a_success_is_not_ok(strict, server):
    server.inject(
        Fault.body(b'{"totalResults": 0, "Resources": []}', status=200, content_type="text/plain")
    )
    resp = strict.search_users()
    assert not resp.ok and "Content-Type 'text/plain'" in resp.errors.detail
    with pytest.raises(InvalidResponse):
        resp.raise_for_status()


def test_charset_is_allowed_and_the_lenient_default_accepts_anything(server):
    server.inject(
        Fault.body(
            b'{"Resources": []}', status=200, content_type="application/scim+json; charset=utf-8"
        )
    )
    assert SCIMClient(server.url, token=server.token, strict=True).search_users().ok
    server.inject(Fault.body(b'{"Resources": []}', status=200, content_type="text/plain"))
    assert SCIMClient(server.url, token=server.token).search_users().ok


def test_an_unexpected_success_status_is_not_ok(strict, server):
    server.inject(
        Fault.status(200, body={"id": "x", "userName": "x"}, content_type="application/scim+json"),
        method="POST",
    )
    resp = strict.create_user(User(user_name="x"))
    assert (
        not resp.ok and "status 200 is not one this operation returns (201)" in resp.errors.detail
    )


def test_after_discover_the_resource_is_checked_against_the_schema(strict, server):
    strict.discover()
    server.inject(
        Fault.status(
            200, body={"id": "1", "password": "leaked"}, content_type="application/scim+json"
        ),
        method="GET",
    )
    resp = strict.read_user("1")
    assert not resp.ok
    assert "required attribute userName is missing" in resp.errors.detail
    assert "password is returned, but the schema says returned=never" in resp.errors.detail


def test_a_read_narrowed_by_attributes_may_leave_required_ones_out(strict, server):
    strict.discover()
    user_id = strict.create_user(User(user_name="narrow", display_name="N")).user.id
    resp = strict.read_user(user_id, attributes=["displayName"])
    assert "userName" not in resp.body and resp.ok, resp.errors
    assert strict.read_user(user_id, excluded_attributes=["userName"]).ok

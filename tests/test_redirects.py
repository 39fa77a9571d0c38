"""Redirects: followed only to the same origin, never turning a POST into a GET."""

from __future__ import annotations

import pytest

from scimkit import SCIMClient, User
from scimkit.testing import Fault, SCIMServer

from .tls import client_context, server_context


@pytest.mark.parametrize("status", [307, 308])
def test_307_and_308_to_the_same_origin_keep_method_body_and_token(
    bare_client: SCIMClient, server: SCIMServer, status: int
) -> None:
    server.inject(Fault.status(status, headers={"Location": "/scim/v2/Users"}, body=b""))
    resp = bare_client.create_user(User(user_name="moved"))
    assert resp.status_code == 201
    first, second = server.requests
    assert second.method == "POST" and second.json["userName"] == "moved"
    assert second.headers["Authorization"] == f"Bearer {server.token}"


@pytest.mark.parametrize("status", [301, 302, 303])
def test_301_302_303_on_a_post_are_handed_back_not_turned_into_get(
    bare_client: SCIMClient, server: SCIMServer, status: int
) -> None:
    server.inject(Fault.status(status, headers={"Location": server.url + "/Users"}, body=b""))
    resp = bare_client.create_user(User(user_name="stay"))
    assert resp.status_code == status and not resp.ok
    assert [r.method for r in server.requests] == ["POST"]
    assert server.resources("Users") == []


def test_302_on_a_get_to_the_same_origin_is_followed(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(Fault.status(302, headers={"Location": server.url + "/Users?count=1"}, body=b""))
    assert bare_client.search_users().ok
    assert server.requests[-1].query == {"count": ["1"]}


def test_a_redirect_to_another_host_is_never_followed(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    with SCIMServer() as elsewhere:
        server.inject(Fault.status(307, headers={"Location": elsewhere.url + "/Users"}, body=b""))
        resp = bare_client.search_users()
        assert resp.status_code == 307
        assert elsewhere.requests == []  # the token never went there


def test_a_redirect_loop_ends_with_the_last_3xx(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(Fault.status(308, headers={"Location": "/scim/v2/Users"}, body=b""), times=20)
    resp = bare_client.search_users()
    assert resp.status_code == 308 and len(server.requests) == 6


def test_a_307_from_http_to_https_on_the_same_host_and_port_is_not_followed(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # Same host and port, another scheme: another origin (RFC 6454 §4), so not followed.
    upgraded = server.url.replace("http://", "https://", 1) + "/Users"
    server.inject(Fault.status(307, headers={"Location": upgraded}, body=b""))
    resp = bare_client.search_users()
    assert resp.status_code == 307 and resp.headers["Location"] == upgraded
    assert [r.method for r in server.requests] == ["GET"]


def test_a_307_from_https_to_http_on_the_same_host_and_port_is_not_followed() -> None:
    # A downgrade would send the bearer token in clear text; the 307 comes back instead.
    with SCIMServer(ssl_context=server_context()) as https_server:
        client = SCIMClient(
            https_server.url, token=https_server.token, ssl=client_context(), retry_handlers=[]
        )
        downgraded = https_server.url.replace("https://", "http://", 1) + "/Users"
        https_server.inject(Fault.status(307, headers={"Location": downgraded}, body=b""))
        with client:
            resp = client.search_users()
        assert resp.status_code == 307 and resp.headers["Location"] == downgraded
        assert [r.method for r in https_server.requests] == ["GET"]
        assert https_server.requests[0].headers["Authorization"] == f"Bearer {https_server.token}"

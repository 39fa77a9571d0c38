"""Bodies a server should not send: each call still returns a response that says what was wrong."""

from __future__ import annotations

import pytest

from scimkit import (
    InvalidResponse,
    RemoteProtocolError,
    SCIMClient,
    ServerError,
    User,
)
from scimkit.testing import Fault, SCIMServer

from .checks import error_detail


def test_html_502_from_a_proxy_keeps_status_headers_and_raw_body(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    server.inject(Fault.body(page, status=502, content_type="text/html"))
    resp = bare_client.search_users()
    assert resp.status_code == 502
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.raw_body == page
    assert resp.body == {} and resp.users == [] and not resp.ok
    assert "not JSON" in error_detail(resp) and "text/html" in error_detail(resp)
    with pytest.raises(ServerError, match="502"):
        resp.raise_for_status()


def test_truncated_json_on_a_200_is_an_error_response(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(
        Fault.body(b'{"totalResults": 3, "Resour', status=200, content_type="application/scim+json")
    )
    resp = bare_client.search_users()
    assert resp.status_code == 200 and not resp.ok and resp.body == {}
    assert "not JSON" in error_detail(resp)
    with pytest.raises(InvalidResponse):
        resp.raise_for_status()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[1, 2, 3]", "JSON list"),
        (b'"hello"', "JSON str"),
        (b"\xff\xfe{}", "UTF-8"),
    ],
)
def test_json_that_is_not_an_object_is_reported(
    bare_client: SCIMClient, server: SCIMServer, body: bytes, detail: str
) -> None:
    server.inject(Fault.body(body, status=200, content_type="application/scim+json"))
    resp = bare_client.read_user("x")
    assert resp.body == {} and resp.user is None and detail in error_detail(resp)


def test_empty_body_is_an_empty_dict(bare_client: SCIMClient, server: SCIMServer) -> None:
    server.inject(Fault.body(b"", status=200, content_type="application/scim+json"))
    resp = bare_client.search_users()
    assert resp.body == {} and resp.errors is None and resp.ok and resp.users == []


def test_error_body_on_a_200_is_not_ok(bare_client: SCIMClient, server: SCIMServer) -> None:
    server.inject(
        Fault.status(
            200,
            body={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "detail": "bad filter",
            },
        )
    )
    resp = bare_client.search_users()
    assert not resp.ok and error_detail(resp) == "bad filter"


def test_body_cut_short_of_content_length_raises_a_protocol_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(
        Fault.raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"a": 1'
        )
    )
    with pytest.raises(RemoteProtocolError, match="cut short after 7 bytes"):
        bare_client.search_users()
    # Without a size limit the body is read in one piece: the same count.
    server.inject(
        Fault.raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"a": 1'
        )
    )
    unlimited = SCIMClient(
        server.url, token=server.token, retry_handlers=[], max_response_bytes=None
    )
    with pytest.raises(RemoteProtocolError, match="cut short after 7 bytes"):
        unlimited.search_users()


@pytest.mark.parametrize("limit", [None, 1_000_000])
def test_a_chunked_body_cut_short_counts_the_chunks_that_arrived(
    server: SCIMServer, limit: int | None
) -> None:
    client = SCIMClient(server.url, token=server.token, retry_handlers=[], max_response_bytes=limit)
    server.inject(
        Fault.raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            b'7\r\n{"a": 1\r\n7\r\n, "b": \r\n7\r\n2'
        )
    )
    with pytest.raises(RemoteProtocolError, match="cut short after 14 bytes"):
        client.search_users()


def test_a_bad_status_line_raises_a_protocol_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(Fault.raw(b"HTP/9 what\r\n\r\n"))
    with pytest.raises(RemoteProtocolError, match="not valid HTTP"):
        bare_client.search_users()


def test_snake_cased_body_converts_every_key(bare_client: SCIMClient) -> None:
    user = bare_client.create_user(
        {"userName": "cal", "name": {"givenName": "C"}, "groups": []}
    ).user
    assert user is not None and user.id is not None
    body = bare_client.read_user(user.id).snake_cased_body
    assert body["user_name"] == "cal" and body["name"] == {"given_name": "C"}
    assert "meta" in body and "last_modified" in body["meta"]


def test_etag_comes_from_the_header_or_meta_version(bare_client: SCIMClient) -> None:
    resp = bare_client.create_user(User(user_name="cal"))
    assert resp.user is not None and resp.user.meta is not None
    assert resp.etag and resp.etag == resp.user.meta.version == resp.user.etag

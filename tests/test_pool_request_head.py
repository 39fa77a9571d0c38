"""The pooled handlers write a request's head in one piece, byte for byte what http.client
would write, and leave to http.client every request it would treat differently."""

from __future__ import annotations

import http.client
import socket

import pytest

from scimkit import SCIMClient
from scimkit._pool import request_head
from scimkit._wire import Headers
from scimkit.testing import SCIMServer

HOST = "127.0.0.1:8080"
SCIM = {
    "Accept": "application/scim+json, application/json",
    "Authorization": "Bearer t",
    "User-Agent": "scimkit/0 Python/3",
}


def written_by_http_client(
    method: str, target: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    """What `HTTPConnection.request` sends for the same request, read off a socket pair."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        conn = http.client.HTTPConnection("127.0.0.1", 8080)
        conn.sock = ours
        conn.request(method, target, body, headers)
        ours.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := theirs.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("method", "target", "headers", "body"),
    [
        ("GET", "/scim/v2/Users/1", SCIM, None),
        ("GET", "/scim/v2/Users?filter=userName%20eq%20%22a%22&count=5", SCIM, None),
        ("DELETE", "/scim/v2/Users/1", {**SCIM, "If-Match": 'W/"3"'}, None),
        ("POST", "/scim/v2/Users", {**SCIM, "Content-Type": "application/scim+json"}, b"{}"),
        ("PUT", "/Users/%2F..%2F", SCIM, b'{"userName": "\xc3\xa9"}'),
        ("PATCH", "/Users/1", SCIM, None),
        ("POST", "/Bulk", {}, None),
        ("GET", "/", {"X-Note": "caf\u00e9", "X-Folded": "one\r\n two"}, None),
        ("GET", "/Users", {"Connection": "close", "X-Empty": ""}, None),
        ("GET", "/Users", {"X Spaced": "a", "X-Tab-Folded": "a\r\n\tb", "X-Lf": "a\n b"}, None),
    ],
)
def test_the_head_is_what_http_client_writes(
    method: str, target: str, headers: dict[str, str], body: bytes | None
) -> None:
    head = request_head(method, target, HOST, headers, body)
    assert head is not None
    assert head + (body or b"") == written_by_http_client(method, target, headers, body)


@pytest.mark.parametrize(
    ("target", "headers", "why"),
    [
        ("http://example.com/Users", SCIM, "absolute form, through a proxy"),
        ("/Users/a b", SCIM, "a space in the target"),
        ("/Users/\x7f", SCIM, "a control character in the target"),
        ("/Users/\u00e9", SCIM, "a non-ASCII target"),
        ("/Users", {"Host": "elsewhere"}, "the caller's own Host"),
        ("/Users", {"Content-Length": "3"}, "the caller's own length"),
        ("/Users", {"Transfer-Encoding": "chunked"}, "a chunked body"),
        ("/Users", {"Accept-Encoding": "gzip"}, "the caller's own encodings"),
        ("/Users", {"X-Bad": "a\nInjected: 1"}, "a bare LF in a value"),
        ("/Users", {"X-Bad": "a\rb"}, "a bare CR in a value"),
        ("/Users", {"X-Bad": "a\x00"}, "a NUL in a value"),
        ("/Users", {"X:Bad": "a"}, "a colon in a name"),
        ("/Users", {" X": "a"}, "a name starting with a space"),
        ("/Users", {"\u00a0X": "a"}, "a name starting with a non-ASCII space"),
        ("/Users", {"X\rY": "a"}, "a CR in a name"),
        ("/Users", {"X": "a\r\n"}, "a line break that folds nothing"),
        ("/Users/\t", SCIM, "a tab in the target"),
        ("/Users", {"X-Euro": "\u20ac"}, "a value outside Latin-1"),
    ],
)
def test_requests_http_client_treats_differently_are_left_to_it(
    target: str, headers: dict[str, str], why: str
) -> None:
    assert request_head("GET", target, HOST, headers, None) is None, why


def test_a_non_ascii_host_is_left_to_http_client() -> None:
    assert request_head("GET", "/Users", "b\u00fccher.example", SCIM, None) is None


def test_headers_get_and_wire_fields() -> None:
    headers = Headers({"x-api-KEY": "k", "Accept": "a"})
    assert headers.get("X-Api-Key") == "k" and headers.get("missing") is None
    assert headers.get("missing", "fallback") == "fallback"
    assert headers.wire_fields() == {"X-Api-Key": "k", "Accept": "a"}


@pytest.mark.parametrize("keep_alive", [True, False])
def test_the_server_receives_every_field_in_title_case(
    server: SCIMServer, keep_alive: bool
) -> None:
    with SCIMClient(
        server.url,
        token=server.token,
        default_headers={"x-tenant-ID": "7"},
        keep_alive=keep_alive,
    ) as client:
        assert client.read_user("missing").status_code == 404
    received = server.requests[-1].headers
    assert "X-Tenant-Id" in list(received) and received["x-tenant-id"] == "7"
    assert received["Authorization"] == f"Bearer {server.token}"
    assert ("Connection" in list(received)) is not keep_alive

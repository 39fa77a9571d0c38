"""The local SCIM server on the wire, through raw http.client connections."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.parse

import pytest

from scimkit.testing import Fault, SCIMServer


class Wire:
    """One kept-alive connection to the server, speaking JSON."""

    def __init__(self, server: SCIMServer, token: str | None = None) -> None:
        parts = urllib.parse.urlsplit(server.url)
        self.base = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.token = server.token if token is None else token

    def call(self, method, path, body=None, **headers):
        all_headers = {"Authorization": f"Bearer {self.token}", **headers}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers["Content-Type"] = "application/scim+json"
        self.conn.request(method, self.base + path, body=data, headers=all_headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        return resp.status, dict(resp.getheaders()), (json.loads(raw) if raw else None)

    def close(self):
        self.conn.close()


@pytest.fixture
def wire(server):
    connection = Wire(server)
    yield connection
    connection.close()


def test_create_read_replace_delete_with_etags(wire):
    status, headers, user = wire.call("POST", "/Users", {"userName": "bjensen", "id": "mine"})
    assert status == 201 and user["id"] != "mine"
    assert headers["Location"].endswith(f"/Users/{user['id']}")
    assert headers["ETag"] == user["meta"]["version"] == 'W/"1"'
    assert headers["Content-Type"] == "application/scim+json"
    path = f"/Users/{user['id']}"
    assert wire.call("GET", path, **{"If-None-Match": 'W/"1"'})[0] == 304
    assert (
        wire.call("PUT", path, {"userName": "bjensen", "title": "x"}, **{"If-Match": 'W/"9"'})[0]
        == 412
    )
    status, _, replaced = wire.call(
        "PUT", path, {"userName": "bjensen", "title": "x"}, **{"If-Match": 'W/"1"'}
    )
    assert status == 200 and replaced["meta"]["version"] == 'W/"2"'
    assert replaced["meta"]["created"] == user["meta"]["created"]
    assert wire.call("DELETE", path, **{"If-Match": 'W/"1"'})[0] == 412
    assert wire.call("DELETE", path)[0] == 204
    status, _, error = wire.call("GET", path)
    assert status == 404 and error["status"] == "404"
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_wrong_or_missing_token_is_401_with_www_authenticate(server):
    wire = Wire(server, token="nope")
    try:
        status, headers, _ = wire.call("GET", "/Users")
    finally:
        wire.close()
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("body", "status", "scim_type"),
    [
        (b"{not json", 400, "invalidSyntax"),
        (b"[1]", 400, "invalidSyntax"),
        ({"displayName": "no userName"}, 400, "invalidValue"),
    ],
)
def test_bad_creates_are_refused(wire, body, status, scim_type):
    got, _, error = wire.call("POST", "/Users", body)
    assert got == status and error["scimType"] == scim_type


def test_username_is_unique_ignoring_case(wire):
    wire.call("POST", "/Users", {"userName": "Cal"})
    status, _, error = wire.call("POST", "/Users", {"userName": "cAL"})
    assert status == 409 and error["scimType"] == "uniqueness"


def test_bad_filter_is_400_invalid_filter_with_the_position(wire):
    status, _, error = wire.call("GET", "/Users?filter=" + urllib.parse.quote('userName eq "x'))
    assert status == 400 and error["scimType"] == "invalidFilter"
    assert "position 12" in error["detail"]


def test_paging_sorting_and_attributes(wire):
    for name in ("dee", "ann", "cat", "bob"):
        wire.call("POST", "/Users", {"userName": name, "title": name.upper()})
    status, _, page = wire.call(
        "GET", "/Users?sortBy=userName&startIndex=2&count=2&attributes=userName"
    )
    assert status == 200
    assert (page["totalResults"], page["itemsPerPage"], page["startIndex"]) == (4, 2, 2)
    assert [u["userName"] for u in page["Resources"]] == ["bob", "cat"]
    assert set(page["Resources"][0]) == {"schemas", "id", "userName"}
    _, _, only_total = wire.call("GET", "/Users?count=0")
    assert only_total["totalResults"] == 4 and only_total["Resources"] == []
    _, _, low = wire.call("GET", "/Users?startIndex=-3&count=-1")
    assert low["startIndex"] == 1 and low["itemsPerPage"] == 0
    assert wire.call("GET", "/Users?count=many")[0] == 400


def test_group_membership_shows_on_the_user_and_leaves_with_it(wire):
    _, _, user = wire.call("POST", "/Users", {"userName": "m"})
    _, _, group = wire.call(
        "POST", "/Groups", {"displayName": "G", "members": [{"value": user["id"]}]}
    )
    assert group["members"][0]["display"] == "m" and group["members"][0]["type"] == "User"
    _, _, read = wire.call("GET", f"/Users/{user['id']}")
    assert read["groups"][0]["value"] == group["id"]
    wire.call("DELETE", f"/Users/{user['id']}")
    _, _, after = wire.call("GET", f"/Groups/{group['id']}")
    assert after["members"] == []


def test_patch_applies_operations_and_rejects_non_patchop(wire):
    _, _, user = wire.call(
        "POST", "/Users", {"userName": "p", "emails": [{"value": "a@x", "type": "work"}]}
    )
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "b@x"}],
    }
    status, _, patched = wire.call("PATCH", f"/Users/{user['id']}", body)
    assert status == 200 and patched["emails"][0]["value"] == "b@x"
    status, _, error = wire.call(
        "PATCH", f"/Users/{user['id']}", {"schemas": ["x"], "Operations": []}
    )
    assert status == 400


def test_service_provider_config_says_what_is_supported(wire):
    status, _, config = wire.call("GET", "/ServiceProviderConfig")
    assert status == 200 and config["patch"]["supported"] and config["etag"]["supported"]


def test_two_requests_share_one_kept_alive_connection(server, wire):
    wire.call("GET", "/Users")
    first = wire.conn.sock
    wire.call("GET", "/Users")
    assert wire.conn.sock is first and len(server.requests) == 2


def test_request_log_records_method_paths_query_headers_and_body(server, wire):
    wire.call("POST", "/Users?attributes=id", {"userName": "log"}, **{"X-Trace": "t1"})
    received = server.requests[-1]
    assert received.method == "POST" and received.path == "/scim/v2/Users"
    assert received.raw_path == "/scim/v2/Users?attributes=id"
    assert received.query == {"attributes": ["id"]}
    assert received.headers["x-trace"] == "t1" and received.json == {"userName": "log"}
    server.clear_requests()
    assert server.requests == []


def test_status_fault_with_headers_then_normal_service(server, wire):
    server.inject(Fault.status(429, headers={"Retry-After": "5"}), times=2)
    first = wire.call("GET", "/Users")
    second = wire.call("GET", "/Users")
    third = wire.call("GET", "/Users")
    assert [first[0], second[0], third[0]] == [429, 429, 200]
    assert first[1]["Retry-After"] == "5"


def test_faults_can_target_a_method_and_path(server, wire):
    server.inject(Fault.status(503), method="POST", path="/Groups")
    assert wire.call("GET", "/Groups")[0] == 200
    assert wire.call("POST", "/Users", {"userName": "ok"})[0] == 201
    assert wire.call("POST", "/Groups", {"displayName": "G"})[0] == 503
    assert wire.call("POST", "/Groups", {"displayName": "G"})[0] == 201


def test_drop_closes_without_processing_and_drop_after_processing_does_the_work(server, wire):
    server.inject(Fault.drop())
    with pytest.raises(http.client.RemoteDisconnected):
        wire.call("POST", "/Users", {"userName": "dropped"})
    wire.close()
    assert server.resources("Users") == []
    server.inject(Fault.drop_after_processing())
    with pytest.raises(http.client.RemoteDisconnected):
        wire.call("POST", "/Users", {"userName": "kept"})
    assert [u["userName"] for u in server.resources("Users")] == ["kept"]


def test_delay_fault_holds_the_answer(server, wire):
    server.inject(Fault.delay(0.3))
    started = time.monotonic()
    assert wire.call("GET", "/Users")[0] == 200
    assert time.monotonic() - started >= 0.3


def test_raw_and_body_faults_write_exact_bytes(server):
    server.inject(Fault.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while chunk := sock.recv(1024):
            received += chunk
    assert received == b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
    server.inject(Fault.body(b"<html>oops</html>", status=502))
    wire = Wire(server)
    try:
        wire.conn.request(
            "GET", "/scim/v2/Users", headers={"Authorization": f"Bearer {server.token}"}
        )
        resp = wire.conn.getresponse()
        assert resp.status == 502 and resp.read() == b"<html>oops</html>"
        assert resp.getheader("Content-Type") == "text/html"
    finally:
        wire.close()


def test_scim_1_1_dialect_errors_and_merge_patch():
    with SCIMServer(scim_version="1.1") as server:
        wire = Wire(server)
        try:
            status, headers, user = wire.call(
                "POST", "/Users", {"userName": "v1", "emails": [{"value": "a@x"}]}
            )
            assert status == 201 and user["schemas"] == ["urn:scim:schemas:core:1.0"]
            assert headers["Content-Type"] == "application/json"
            status, _, patched = wire.call(
                "PATCH",
                f"/Users/{user['id']}",
                {
                    "emails": [{"value": "b@x"}, {"value": "a@x", "operation": "delete"}],
                    "meta": {"attributes": ["title"]},
                    "displayName": "V",
                },
            )
            assert status == 200 and patched["emails"] == [{"value": "b@x"}]
            assert patched["displayName"] == "V"
            status, _, error = wire.call("GET", "/Users/missing")
            assert status == 404 and error == {
                "Errors": {"description": "User missing not found", "code": 404}
            }
        finally:
            wire.close()


def test_reset_and_direct_data_access(server):
    created = server.add_resource("Users", {"userName": "seeded"})
    assert server.get_resource("Users", created["id"])["userName"] == "seeded"
    with pytest.raises(ValueError, match="userName"):
        server.add_resource("Users", {})
    with pytest.raises(ValueError, match="resource_type"):
        server.resources("Devices")
    server.reset()
    assert server.resources("Users") == [] and server.requests == []


def test_repr_does_not_show_the_token(server):
    assert server.token not in repr(server)


def test_stop_closes_kept_alive_connections_promptly():
    server = SCIMServer().start()
    wire = Wire(server)
    wire.call("GET", "/Users")
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    wire.close()

"""The local SCIM server on the wire, through raw `http.client` connections and sockets."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scimkit import _schemas
from scimkit._wire import Headers
from scimkit.testing import Fault, SCIMServer

SCIM_JSON = "application/scim+json"


class Wire:
    """One kept-alive connection to the server, speaking JSON."""

    def __init__(self, server: SCIMServer, token: str | None = None) -> None:
        parts = urllib.parse.urlsplit(server.url)
        assert parts.hostname is not None
        self.base = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.token = server.token if token is None else token

    def call(
        self, method: str, path: str, body: object = None, **headers: str
    ) -> tuple[int, dict[str, str], Any]:
        all_headers = {"Authorization": f"Bearer {self.token}", **headers}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers["Content-Type"] = "application/scim+json"
        self.conn.request(method, self.base + path, body=data, headers=all_headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        return resp.status, dict(resp.getheaders()), (json.loads(raw) if raw else None)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def wire(server: SCIMServer) -> Iterator[Wire]:
    connection = Wire(server)
    yield connection
    connection.close()


def test_create_read_replace_delete_with_etags(wire: Wire) -> None:
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


def test_wrong_or_missing_token_is_401_with_www_authenticate(server: SCIMServer) -> None:
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
def test_bad_creates_are_refused(
    wire: Wire, body: bytes | dict[str, str], status: int, scim_type: str
) -> None:
    got, _, error = wire.call("POST", "/Users", body)
    assert got == status and error["scimType"] == scim_type


def test_username_is_unique_ignoring_case(wire: Wire) -> None:
    wire.call("POST", "/Users", {"userName": "Cal"})
    status, _, error = wire.call("POST", "/Users", {"userName": "cAL"})
    assert status == 409 and error["scimType"] == "uniqueness"


def test_bad_filter_is_400_invalid_filter_with_the_position(wire: Wire) -> None:
    status, _, error = wire.call("GET", "/Users?filter=" + urllib.parse.quote('userName eq "x'))
    assert status == 400 and error["scimType"] == "invalidFilter"
    assert "position 12" in error["detail"]


def test_paging_sorting_and_attributes(wire: Wire) -> None:
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


def test_group_membership_shows_on_the_user_and_leaves_with_it(wire: Wire) -> None:
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


def test_patch_applies_operations_and_rejects_non_patchop(wire: Wire) -> None:
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


def test_service_provider_config_says_what_is_supported(wire: Wire) -> None:
    status, _, config = wire.call("GET", "/ServiceProviderConfig")
    assert status == 200 and config["patch"]["supported"] and config["etag"]["supported"]


def test_two_requests_share_one_kept_alive_connection(server: SCIMServer, wire: Wire) -> None:
    wire.call("GET", "/Users")
    first = wire.conn.sock
    wire.call("GET", "/Users")
    assert wire.conn.sock is first and len(server.requests) == 2


def test_request_log_records_method_paths_query_headers_and_body(
    server: SCIMServer, wire: Wire
) -> None:
    wire.call("POST", "/Users?attributes=id", {"userName": "log"}, **{"X-Trace": "t1"})
    received = server.requests[-1]
    assert received.method == "POST" and received.path == "/scim/v2/Users"
    assert received.raw_path == "/scim/v2/Users?attributes=id"
    assert received.query == {"attributes": ["id"]}
    assert received.headers["x-trace"] == "t1" and received.json == {"userName": "log"}
    server.clear_requests()
    assert server.requests == []


def test_status_fault_with_headers_then_normal_service(server: SCIMServer, wire: Wire) -> None:
    server.inject(Fault.status(429, headers={"Retry-After": "5"}), times=2)
    first = wire.call("GET", "/Users")
    second = wire.call("GET", "/Users")
    third = wire.call("GET", "/Users")
    assert [first[0], second[0], third[0]] == [429, 429, 200]
    assert first[1]["Retry-After"] == "5"


def test_faults_can_target_a_method_and_path(server: SCIMServer, wire: Wire) -> None:
    server.inject(Fault.status(503), method="POST", path="/Groups")
    assert wire.call("GET", "/Groups")[0] == 200
    assert wire.call("POST", "/Users", {"userName": "ok"})[0] == 201
    assert wire.call("POST", "/Groups", {"displayName": "G"})[0] == 503
    assert wire.call("POST", "/Groups", {"displayName": "G"})[0] == 201


def test_drop_closes_without_processing_and_drop_after_processing_does_the_work(
    server: SCIMServer, wire: Wire
) -> None:
    server.inject(Fault.drop())
    with pytest.raises(http.client.RemoteDisconnected):
        wire.call("POST", "/Users", {"userName": "dropped"})
    wire.close()
    assert server.resources("Users") == []
    server.inject(Fault.drop_after_processing())
    with pytest.raises(http.client.RemoteDisconnected):
        wire.call("POST", "/Users", {"userName": "kept"})
    assert [u["userName"] for u in server.resources("Users")] == ["kept"]


def test_delay_fault_holds_the_answer(server: SCIMServer, wire: Wire) -> None:
    server.inject(Fault.delay(0.3))
    started = time.monotonic()
    assert wire.call("GET", "/Users")[0] == 200
    assert time.monotonic() - started >= 0.3


def test_raw_and_body_faults_write_exact_bytes(server: SCIMServer) -> None:
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


def test_scim_1_1_dialect_errors_and_merge_patch() -> None:
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


def test_reset_and_direct_data_access(server: SCIMServer) -> None:
    created = server.add_resource("Users", {"userName": "seeded"})
    stored = server.get_resource("Users", created["id"])
    assert stored is not None and stored["userName"] == "seeded"
    with pytest.raises(ValueError, match="userName"):
        server.add_resource("Users", {})
    with pytest.raises(ValueError, match="resource_type"):
        server.resources("Devices")
    server.reset()
    assert server.resources("Users") == [] and server.requests == []


def test_repr_does_not_show_the_token(server: SCIMServer) -> None:
    assert server.token is not None and server.token not in repr(server)


def test_stop_closes_kept_alive_connections_promptly() -> None:
    server = SCIMServer().start()
    wire = Wire(server)
    wire.call("GET", "/Users")
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    wire.close()


# -- request by request --------------------------------------------------------------------


class Reply:
    """One answer: status, case-insensitive headers, raw body and the body parsed."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = Headers(response.getheaders())
        self.body = response.read()

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def send(
    conn: http.client.HTTPConnection,
    server: SCIMServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    auth: bool = True,
) -> Reply:
    """`path` is relative to the base path; a dict or list body is sent as SCIM JSON."""
    sent = dict(headers or {})
    if auth and server.token is not None:
        sent.setdefault("Authorization", f"Bearer {server.token}")
    data: bytes | None = None
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", SCIM_JSON)
    elif body is not None:
        data = body if isinstance(body, bytes) else body.encode()
    conn.request(method, server.base_path + path, body=data, headers=sent)
    return Reply(conn.getresponse())


def call(server: SCIMServer, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
    """One request on a fresh connection, closed afterwards."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        return send(conn, server, method, path, body, **kwargs)
    finally:
        conn.close()


def create_user(server: SCIMServer, user_name: str, **attributes: Any) -> dict[str, Any]:
    reply = call(
        server,
        "POST",
        "/Users",
        {"schemas": [_schemas.CORE_USER], "userName": user_name, **attributes},
    )
    assert reply.status == 201, reply.body
    return reply.json  # type: ignore[no-any-return]


def create_group(server: SCIMServer, name: str, members: tuple[str, ...] = ()) -> dict[str, Any]:
    body = {
        "schemas": [_schemas.CORE_GROUP],
        "displayName": name,
        "members": [{"value": m} for m in members],
    }
    reply = call(server, "POST", "/Groups", body)
    assert reply.status == 201, reply.body
    return reply.json  # type: ignore[no-any-return]


def quoted(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [_schemas.PATCH_OP], "Operations": list(operations)}


def assert_scim_error(reply: Reply, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == SCIM_JSON
    error = reply.json
    assert error["schemas"] == [_schemas.ERROR]
    assert error["status"] == str(status)  # RFC 7644 §3.12: a string
    assert error.get("scimType") == scim_type
    assert isinstance(error["detail"], str) and error["detail"]
    return error  # type: ignore[no-any-return]


# -- lifecycle -----------------------------------------------------------------------------


def test_url_is_the_base_path_on_a_free_local_port_without_trailing_slash(
    server: SCIMServer,
) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/scim/v2"
    assert server.port > 0
    assert call(server, "GET", "/Users").status == 200


def test_each_server_has_its_own_random_token_and_repr_hides_it() -> None:
    with SCIMServer() as one, SCIMServer() as two:
        assert one.token and two.token and one.token != two.token
        assert len(one.token) >= 16
        assert one.token not in repr(one) and one.url in repr(one)


def test_scim_1_1_and_custom_base_path_move_the_endpoints() -> None:
    with SCIMServer(scim_version="1.1") as v1, SCIMServer(base_path="/api/scim/") as custom:
        assert v1.url.endswith("/scim/v1")
        assert custom.url.endswith("/api/scim") and call(custom, "GET", "/Users").status == 200


def test_unsupported_scim_version_is_refused() -> None:
    with pytest.raises(ValueError, match="scim_version"):
        SCIMServer(scim_version="3.0")


def test_stop_refuses_new_connections_and_closes_idle_kept_alive_ones() -> None:
    server = SCIMServer().start()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        assert send(conn, server, "GET", "/Users").status == 200
        idle = conn.sock
        server.stop()
        assert idle.recv(1) == b""  # the server closed its end
    finally:
        conn.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.port), timeout=1).close()


def test_stop_does_not_wait_out_a_delayed_answer() -> None:
    server = SCIMServer().start()
    server.inject(Fault.delay(30))
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", server.base_path + "/Users")
        while not server.requests:
            time.sleep(0.01)
        began = time.monotonic()
        server.stop()
        assert time.monotonic() - began < 5
    finally:
        conn.close()


def test_stop_does_not_wait_out_a_trickled_answer() -> None:
    server = SCIMServer().start()
    server.inject(Fault.trickle(30))
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(raw_request(server, "GET", "/Users"))
        assert sock.recv(1024) == b"H"  # the first byte, then a 30 s pause
        began = time.monotonic()
        server.stop()
        assert time.monotonic() - began < 5
        assert sock.recv(1024) == b""  # closed mid-answer


# -- auth ----------------------------------------------------------------------------------


def test_missing_token_is_401_with_www_authenticate_bearer(server: SCIMServer) -> None:
    reply = call(server, "GET", "/Users", auth=False)
    assert_scim_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401(server: SCIMServer) -> None:
    reply = call(server, "GET", "/Users", headers={"Authorization": "Bearer nope"})
    assert reply.status == 401


def test_bearer_scheme_is_case_insensitive(server: SCIMServer) -> None:
    reply = call(server, "GET", "/Users", headers={"Authorization": f"bearer {server.token}"})
    assert reply.status == 200


def test_token_none_turns_auth_off() -> None:
    with SCIMServer(token=None) as server:
        assert server.token is None
        assert call(server, "GET", "/Users", auth=False).status == 200


# -- create, read, replace, delete ---------------------------------------------------------


def test_create_user_is_201_with_server_id_meta_location_and_etag(server: SCIMServer) -> None:
    reply = call(
        server,
        "POST",
        "/Users",
        {"schemas": [_schemas.CORE_USER], "userName": "bjensen", "id": "mine", "meta": {"x": 1}},
    )
    assert reply.status == 201
    assert reply.headers["Content-Type"] == SCIM_JSON
    user = reply.json
    assert user["id"] != "mine" and len(user["id"]) == 36  # a uuid4
    meta = user["meta"]
    assert meta["resourceType"] == "User"
    assert meta["location"] == f"{server.url}/Users/{user['id']}"
    assert meta["version"] == 'W/"1"'
    assert meta["created"] == meta["lastModified"] and meta["created"].endswith("Z")
    assert "x" not in meta
    assert reply.headers["Location"] == meta["location"]
    assert reply.headers["ETag"] == meta["version"]
    assert reply.headers["Content-Length"] == str(len(reply.body))


def test_read_user_by_id_returns_it_with_its_etag(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    reply = call(server, "GET", f"/Users/{created['id']}")
    assert reply.status == 200 and reply.json == created
    assert reply.headers["ETag"] == 'W/"1"'


def test_unknown_id_is_a_404_scim_error(server: SCIMServer) -> None:
    assert_scim_error(call(server, "GET", "/Users/nope"), 404)
    assert_scim_error(call(server, "DELETE", "/Groups/nope"), 404)


def test_unknown_endpoint_is_a_404_scim_error(server: SCIMServer) -> None:
    assert_scim_error(call(server, "GET", "/Widgets"), 404)
    assert_scim_error(call(server, "GET", "/Users/a/b"), 404)


def test_percent_encoded_slash_in_an_id_stays_one_segment(server: SCIMServer) -> None:
    create_user(server, "bjensen")
    reply = call(server, "GET", "/Users/a%2Fb")
    assert_scim_error(reply, 404)
    received = server.requests[-1]
    assert received.raw_path == "/scim/v2/Users/a%2Fb"
    assert received.path == "/scim/v2/Users/a/b"
    assert "a/b" in reply.json["detail"]


def test_put_replaces_keeping_id_and_created_and_bumps_version(server: SCIMServer) -> None:
    created = create_user(server, "bjensen", title="Boss", nickName="B")
    time.sleep(0.002)
    reply = call(
        server,
        "PUT",
        f"/Users/{created['id']}",
        {"schemas": [_schemas.CORE_USER], "userName": "bjensen", "title": "Guide", "id": "x"},
    )
    assert reply.status == 200
    user = reply.json
    assert user["id"] == created["id"] and user["title"] == "Guide" and "nickName" not in user
    assert user["meta"]["created"] == created["meta"]["created"]
    assert user["meta"]["lastModified"] > created["meta"]["lastModified"]
    assert user["meta"]["version"] == reply.headers["ETag"] == 'W/"2"'


def test_delete_is_204_without_body_and_then_404(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    reply = call(server, "DELETE", f"/Users/{created['id']}")
    assert reply.status == 204 and reply.body == b""
    assert call(server, "GET", f"/Users/{created['id']}").status == 404
    assert server.resources("Users") == []


def test_a_lenient_server_stores_unknown_attributes_and_extensions_unchanged() -> None:
    # The subject is strict=False itself: what no schema allows is stored and returned.
    extra = {
        _schemas.ENTERPRISE_USER: {"department": "Ops", "manager": {"value": "m1"}},
        "urn:example:2.0:Badge": {"level": 3},
        "futureAttribute": [1, {"a": None}],
    }
    with SCIMServer(strict=False) as server:
        created = create_user(server, "bjensen", **extra)
        read = call(server, "GET", f"/Users/{created['id']}").json
    for name, value in extra.items():
        assert created[name] == value and read[name] == value


def test_a_json_body_sent_as_application_json_is_accepted(server: SCIMServer) -> None:
    body = json.dumps({"userName": "bjensen"})
    reply = call(server, "POST", "/Users", body, headers={"Content-Type": "application/json"})
    assert reply.status == 201 and reply.json["schemas"] == [_schemas.CORE_USER]


def test_user_name_is_required(server: SCIMServer) -> None:
    error = assert_scim_error(call(server, "POST", "/Users", {"title": "x"}), 400, "invalidValue")
    assert "userName" in error["detail"]


def test_group_display_name_is_required(server: SCIMServer) -> None:
    assert_scim_error(call(server, "POST", "/Groups", {"members": []}), 400, "invalidValue")


def test_user_name_is_unique_ignoring_case_on_create_and_replace(server: SCIMServer) -> None:
    create_user(server, "bjensen")
    other = create_user(server, "cal")
    assert_scim_error(call(server, "POST", "/Users", {"userName": "BJensen"}), 409, "uniqueness")
    renamed = call(server, "PUT", f"/Users/{other['id']}", {"userName": "BJENSEN"})
    assert_scim_error(renamed, 409, "uniqueness")
    # Replacing a user with its own name (in another case) is fine.
    assert call(server, "PUT", f"/Users/{other['id']}", {"userName": "CAL"}).status == 200


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_invalid_syntax(
    server: SCIMServer, body: bytes
) -> None:
    reply = call(server, "POST", "/Users", body, headers={"Content-Type": SCIM_JSON})
    assert_scim_error(reply, 400, "invalidSyntax")


def test_groups_attribute_of_a_user_is_read_only_and_computed(server: SCIMServer) -> None:
    created = create_user(server, "bjensen", groups=[{"value": "forged"}])
    assert "groups" not in created
    group = create_group(server, "Admins", (created["id"],))
    user = call(server, "GET", f"/Users/{created['id']}").json
    assert user["groups"] == [
        {
            "value": group["id"],
            "display": "Admins",
            "$ref": f"{server.url}/Groups/{group['id']}",
            "type": "direct",
        }
    ]


def test_deleting_a_user_removes_it_from_its_groups(server: SCIMServer) -> None:
    alice = create_user(server, "alice")
    bob = create_user(server, "bob")
    group = create_group(server, "Team", (alice["id"], bob["id"]))
    assert call(server, "DELETE", f"/Users/{alice['id']}").status == 204
    members = call(server, "GET", f"/Groups/{group['id']}").json["members"]
    assert [m["value"] for m in members] == [bob["id"]]


def test_a_membership_change_from_a_delete_gives_the_group_a_new_version(
    server: SCIMServer,
) -> None:
    alice = create_user(server, "alice")
    group = create_group(server, "Team", (alice["id"],))
    call(server, "DELETE", f"/Users/{alice['id']}")
    after = call(server, "GET", f"/Groups/{group['id']}")
    assert after.headers["ETag"] == 'W/"2"' != group["meta"]["version"]


def test_deleting_a_group_removes_it_from_groups_it_was_nested_in(server: SCIMServer) -> None:
    inner = create_group(server, "Inner")
    outer = create_group(server, "Outer", (inner["id"],))
    assert call(server, "DELETE", f"/Groups/{inner['id']}").status == 204
    assert call(server, "GET", f"/Groups/{outer['id']}").json.get("members", []) == []


def test_method_not_allowed_on_a_collection(server: SCIMServer) -> None:
    reply = call(server, "DELETE", "/Users")
    assert_scim_error(reply, 405)


def test_service_provider_config_lists_each_feature_and_max_results(server: SCIMServer) -> None:
    reply = call(server, "GET", "/ServiceProviderConfig")
    assert reply.status == 200
    config = reply.json
    assert config["schemas"] == [_schemas.SERVICE_PROVIDER_CONFIG]
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 1000}
    assert config["sort"] == {"supported": True}
    assert config["etag"] == {"supported": True}
    assert config["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}
    assert config["changePassword"]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"


# -- ETags ---------------------------------------------------------------------------------


def test_if_none_match_with_the_current_etag_is_304_without_body(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    reply = call(server, "GET", f"/Users/{created['id']}", headers={"If-None-Match": 'W/"1"'})
    assert reply.status == 304 and reply.body == b""
    assert reply.headers["ETag"] == 'W/"1"'
    stale = call(server, "GET", f"/Users/{created['id']}", headers={"If-None-Match": 'W/"0"'})
    assert stale.status == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_if_match_with_a_stale_etag_is_412_and_changes_nothing(
    server: SCIMServer, method: str
) -> None:
    created = create_user(server, "bjensen")
    body = {
        "PUT": {"userName": "changed"},
        "PATCH": patch_op({"op": "replace", "path": "userName", "value": "changed"}),
        "DELETE": None,
    }[method]
    path = f"/Users/{created['id']}"
    reply = call(server, method, path, body, headers={"If-Match": 'W/"7"'})
    assert_scim_error(reply, 412)
    assert server.get_resource("Users", created["id"]) == created


def test_if_match_with_the_current_etag_succeeds(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    path = f"/Users/{created['id']}"
    put = call(server, "PUT", path, {"userName": "b2"}, headers={"If-Match": 'W/"1"'})
    assert put.status == 200 and put.headers["ETag"] == 'W/"2"'
    patch = call(
        server,
        "PATCH",
        path,
        patch_op({"op": "add", "path": "title", "value": "Boss"}),
        headers={"If-Match": 'W/"2"'},
    )
    assert patch.status == 200 and patch.headers["ETag"] == 'W/"3"'
    assert call(server, "DELETE", path, headers={"If-Match": "*"}).status == 204


# -- listing -------------------------------------------------------------------------------


@pytest.fixture
def five_users(server: SCIMServer) -> list[dict[str, Any]]:
    names = ["dee", "ann", "eve", "bob", "cat"]
    return [
        create_user(server, name, emails=[{"value": f"{name}@example.com", "type": "work"}])
        for name in names
    ]


def user_names(reply: Reply) -> list[str]:
    return [r["userName"] for r in reply.json.get("Resources", [])]


def test_list_is_a_list_response_of_every_user_in_creation_order(
    server: SCIMServer, five_users: list[dict[str, Any]]
) -> None:
    reply = call(server, "GET", "/Users")
    assert reply.status == 200
    body = reply.json
    assert body["schemas"] == [_schemas.LIST_RESPONSE]
    assert body["totalResults"] == 5 and body["itemsPerPage"] == 5 and body["startIndex"] == 1
    assert user_names(reply) == ["dee", "ann", "eve", "bob", "cat"]


@pytest.mark.parametrize(
    ("query", "start", "names"),
    [
        ("startIndex=2&count=2", 2, ["ann", "eve"]),
        ("startIndex=0&count=1", 1, ["dee"]),
        ("startIndex=-4&count=1", 1, ["dee"]),
        ("startIndex=5", 5, ["cat"]),
        ("startIndex=9", 9, []),
        ("count=-1", 1, []),
    ],
)
def test_paging_with_start_index_and_count(
    server: SCIMServer, five_users: list[dict[str, Any]], query: str, start: int, names: list[str]
) -> None:
    body = call(server, "GET", f"/Users?{query}").json
    assert body["totalResults"] == 5
    assert body["startIndex"] == start and body["itemsPerPage"] == len(names)
    assert [r["userName"] for r in body["Resources"]] == names


def test_count_zero_returns_only_the_total(
    server: SCIMServer, five_users: list[dict[str, Any]]
) -> None:
    body = call(server, "GET", "/Users?count=0").json
    assert body["totalResults"] == 5 and body["itemsPerPage"] == 0
    assert body.get("Resources", []) == []


def test_count_is_capped_at_max_results_which_is_also_the_default() -> None:
    with SCIMServer(max_results=2) as server:
        for name in ("a", "b", "c"):
            create_user(server, name)
        assert call(server, "GET", "/Users?count=50").json["itemsPerPage"] == 2
        body = call(server, "GET", "/Users").json
        assert body["itemsPerPage"] == 2 and body["totalResults"] == 3
        config = call(server, "GET", "/ServiceProviderConfig").json
        assert config["filter"]["maxResults"] == 2


def test_count_that_is_not_a_number_is_a_400(server: SCIMServer) -> None:
    assert call(server, "GET", "/Users?count=many").status == 400


def test_filter_selects_users(server: SCIMServer, five_users: list[dict[str, Any]]) -> None:
    reply = call(server, "GET", "/Users?filter=userName%20eq%20%22BOB%22")
    assert reply.json["totalResults"] == 1 and user_names(reply) == ["bob"]
    assert server.requests[-1].query == {"filter": ['userName eq "BOB"']}


def test_filter_with_a_value_path_on_emails(
    server: SCIMServer, five_users: list[dict[str, Any]]
) -> None:
    create_user(server, "home", emails=[{"value": "h@example.org", "type": "home"}])
    text = 'emails[type eq "work" and value sw "e"]'
    reply = call(server, "GET", "/Users?filter=" + quoted(text))
    assert user_names(reply) == ["eve"]
    reply = call(server, "GET", "/Users?filter=" + quoted('emails[type eq "work"]'))
    assert reply.json["totalResults"] == 5


def test_filter_and_paging_combine_total_counts_every_match(
    server: SCIMServer, five_users: list[dict[str, Any]]
) -> None:
    text = 'userName ne "ann"'
    body = call(server, "GET", f"/Users?count=2&startIndex=2&filter={quoted(text)}").json
    assert body["totalResults"] == 4 and [r["userName"] for r in body["Resources"]] == [
        "eve",
        "bob",
    ]


def test_bad_filter_is_400_invalid_filter_with_the_parser_message(server: SCIMServer) -> None:
    reply = call(server, "GET", "/Users?filter=" + quoted('userName eq "unterminated'))
    error = assert_scim_error(reply, 400, "invalidFilter")
    assert "unterminated string" in error["detail"]


def test_filter_on_groups_display_name(server: SCIMServer) -> None:
    create_group(server, "Admins")
    create_group(server, "Tour Guides")
    reply = call(server, "GET", "/Groups?filter=" + quoted('displayName sw "tour"'))
    assert [g["displayName"] for g in reply.json["Resources"]] == ["Tour Guides"]


def test_attributes_keeps_only_the_named_ones_plus_id_and_schemas(
    server: SCIMServer, five_users: list[dict[str, Any]]
) -> None:
    body = call(server, "GET", "/Users?attributes=userName,emails.type&count=1").json
    assert body["Resources"] == [
        {
            "schemas": [_schemas.CORE_USER],
            "id": five_users[0]["id"],
            "userName": "dee",
            "emails": [{"type": "work"}],
        }
    ]


def test_excluded_attributes_drops_the_named_ones(
    server: SCIMServer, five_users: list[dict[str, Any]]
) -> None:
    user_id = five_users[0]["id"]
    user = call(server, "GET", f"/Users/{user_id}?excludedAttributes=emails,meta").json
    assert "emails" not in user and "meta" not in user and user["userName"] == "dee"


def test_sort_by_user_name_ascending_and_descending(
    server: SCIMServer, five_users: list[dict[str, Any]]
) -> None:
    up = call(server, "GET", "/Users?sortBy=userName")
    assert user_names(up) == ["ann", "bob", "cat", "dee", "eve"]
    down = call(server, "GET", "/Users?sortBy=userName&sortOrder=descending&count=2")
    assert user_names(down) == ["eve", "dee"]


# -- PATCH (SCIM 2.0) ----------------------------------------------------------------------


def test_patch_adds_and_removes_group_members(server: SCIMServer) -> None:
    alice = create_user(server, "alice")
    bob = create_user(server, "bob")
    group = create_group(server, "Team", (alice["id"],))
    path = f"/Groups/{group['id']}"
    added = call(
        server,
        "PATCH",
        path,
        patch_op({"op": "add", "path": "members", "value": [{"value": bob["id"]}]}),
    )
    assert added.status == 200
    assert [m["value"] for m in added.json["members"]] == [alice["id"], bob["id"]]
    assert added.json["meta"]["version"] == added.headers["ETag"] == 'W/"2"'
    removed = call(
        server,
        "PATCH",
        path,
        patch_op({"op": "remove", "path": f'members[value eq "{alice["id"]}"]'}),
    )
    assert [m["value"] for m in removed.json["members"]] == [bob["id"]]
    assert "groups" not in call(server, "GET", f"/Users/{alice['id']}").json
    assert call(server, "GET", f"/Users/{bob['id']}").json["groups"][0]["value"] == group["id"]


def test_patch_replace_keeps_id_and_meta_created(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    reply = call(
        server,
        "PATCH",
        f"/Users/{created['id']}",
        patch_op({"op": "replace", "value": {"displayName": "Babs", "title": "Boss"}}),
    )
    user = reply.json
    assert reply.status == 200 and user["displayName"] == "Babs" and user["title"] == "Boss"
    assert user["id"] == created["id"]
    assert user["meta"]["created"] == created["meta"]["created"]


def test_patch_cannot_remove_the_required_user_name(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    reply = call(
        server,
        "PATCH",
        f"/Users/{created['id']}",
        patch_op({"op": "remove", "path": "userName"}),
    )
    # As scim2-server answers (RFC 7644 §3.12 names no code for it).
    assert_scim_error(reply, 400, "mutability")
    assert server.get_resource("Users", created["id"]) == created


def test_patch_engine_errors_keep_their_status_and_scim_type(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    path = f"/Users/{created['id']}"
    bad_op = call(server, "PATCH", path, patch_op({"op": "frobnicate", "path": "title"}))
    assert_scim_error(bad_op, 400, "invalidSyntax")
    bad_path = call(server, "PATCH", path, patch_op({"op": "add", "path": "a[", "value": 1}))
    assert_scim_error(bad_path, 400, "invalidPath")


def test_patch_without_the_patch_op_schema_is_invalid_syntax(server: SCIMServer) -> None:
    created = create_user(server, "bjensen")
    reply = call(
        server,
        "PATCH",
        f"/Users/{created['id']}",
        {"schemas": [_schemas.CORE_USER], "Operations": [{"op": "add", "path": "title"}]},
    )
    assert_scim_error(reply, 400, "invalidSyntax")


# -- the SCIM 1.1 dialect ------------------------------------------------------------------


def test_v1_round_trip_speaks_slacks_dialect(v1_server: SCIMServer) -> None:
    server = v1_server
    created = call(server, "POST", "/Users", {"userName": "bjensen", "title": "Boss"})
    assert created.status == 201
    assert created.headers["Content-Type"] == "application/json"
    user = created.json
    assert user["schemas"] == [_schemas.V1_CORE]
    assert user["meta"]["location"] == f"{server.url}/Users/{user['id']}"

    listed = call(server, "GET", "/Users?filter=" + quoted('userName eq "bjensen"'))
    assert listed.headers["Content-Type"] == "application/json"
    assert listed.json == {
        "schemas": [_schemas.V1_CORE],
        "totalResults": 1,
        "itemsPerPage": 1,
        "startIndex": 1,
        "Resources": [user],
    }

    missing = call(server, "GET", "/Users/nope")
    assert missing.status == 404
    assert missing.headers["Content-Type"] == "application/json"
    assert missing.json["Errors"]["code"] == 404 and missing.json["Errors"]["description"]

    assert call(server, "DELETE", f"/Users/{user['id']}").status == 204


def test_v1_patch_merges_a_partial_resource(v1_server: SCIMServer) -> None:
    server = v1_server
    user = call(
        server,
        "POST",
        "/Users",
        {
            "userName": "bjensen",
            "title": "Boss",
            "nickName": "B",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@work.example", "type": "work"}],
        },
    ).json
    reply = call(
        server,
        "PATCH",
        f"/Users/{user['id']}",
        {
            "schemas": [_schemas.V1_CORE],
            "title": "Guide",
            "name": {"givenName": "Babs"},
            "emails": [{"value": "b@home.example", "type": "home"}],
            "meta": {"attributes": ["nickName"]},
        },
    )
    assert reply.status == 200
    patched = reply.json
    assert patched["title"] == "Guide"  # single-valued: replaced
    assert patched["name"] == {"givenName": "Babs", "familyName": "Jensen"}  # complex: merged
    assert [e["value"] for e in patched["emails"]] == ["b@work.example", "b@home.example"]
    assert "nickName" not in patched  # meta.attributes: removed
    assert patched["meta"]["version"] == 'W/"2"'


def test_v1_patch_deletes_members_marked_operation_delete(v1_server: SCIMServer) -> None:
    server = v1_server
    alice = call(server, "POST", "/Users", {"userName": "alice"}).json["id"]
    bob = call(server, "POST", "/Users", {"userName": "bob"}).json["id"]
    group = call(
        server, "POST", "/Groups", {"displayName": "Team", "members": [{"value": alice}]}
    ).json
    path = f"/Groups/{group['id']}"
    added = call(server, "PATCH", path, {"members": [{"value": bob}]}).json
    assert [m["value"] for m in added["members"]] == [alice, bob]
    removed = call(server, "PATCH", path, {"members": [{"value": alice, "operation": "delete"}]})
    assert [m["value"] for m in removed.json["members"]] == [bob]


def test_v1_errors_use_the_errors_object(v1_server: SCIMServer) -> None:
    reply = call(v1_server, "POST", "/Users", {"title": "no name"})
    assert reply.status == 400
    assert reply.json == {
        "Errors": {"description": reply.json["Errors"]["description"], "code": 400}
    }
    unauthorized = call(v1_server, "GET", "/Users", auth=False)
    assert unauthorized.status == 401 and unauthorized.json["Errors"]["code"] == 401


# -- the request log -----------------------------------------------------------------------


def test_recorded_requests_are_frozen(server: SCIMServer) -> None:
    call(server, "GET", "/Users")
    received = server.requests[-1]
    with pytest.raises(AttributeError):
        received.method = "POST"


def test_query_keeps_blank_values_and_repeats(server: SCIMServer) -> None:
    call(server, "GET", "/Users?filter=&attributes=a&attributes=b")
    assert server.requests[-1].query == {"filter": [""], "attributes": ["a", "b"]}


def test_json_is_none_for_an_empty_or_non_json_body(server: SCIMServer) -> None:
    call(server, "GET", "/Users")
    call(server, "POST", "/Users", b"<xml/>", headers={"Content-Type": "text/xml"})
    assert [r.json for r in server.requests] == [None, None]


def test_clear_requests_empties_the_log_and_requests_is_a_copy(server: SCIMServer) -> None:
    call(server, "GET", "/Users")
    log = server.requests
    server.clear_requests()
    assert server.requests == [] and len(log) == 1


def test_rejected_requests_are_logged_too(server: SCIMServer) -> None:
    call(server, "GET", "/Users", auth=False)
    assert [r.path for r in server.requests] == ["/scim/v2/Users"]


# -- fault injection -----------------------------------------------------------------------


def test_status_fault_answers_instead_and_then_the_server_is_normal_again(
    server: SCIMServer,
) -> None:
    server.inject(Fault.status(429, headers={"Retry-After": "2"}))
    limited = call(server, "POST", "/Users", {"userName": "bjensen"})
    error = assert_scim_error(limited, 429)
    assert limited.headers["Retry-After"] == "2" and error["detail"]
    assert server.resources("Users") == []  # not processed
    assert call(server, "POST", "/Users", {"userName": "bjensen"}).status == 201
    assert len(server.requests) == 2  # the faulted request is in the log


def test_status_fault_with_a_dict_or_text_body(server: SCIMServer) -> None:
    server.inject(Fault.status(503, body={"message": "maintenance"}))
    server.inject(Fault.status(500, body="oops", content_type="text/plain"))
    first = call(server, "GET", "/Users")
    assert first.status == 503 and first.json == {"message": "maintenance"}
    second = call(server, "GET", "/Users")
    assert second.status == 500 and second.body == b"oops"
    assert second.headers["Content-Type"] == "text/plain"


def test_faults_apply_times_then_run_out(server: SCIMServer) -> None:
    server.inject(Fault.status(503), times=2)
    assert [call(server, "GET", "/Users").status for _ in range(3)] == [503, 503, 200]


def test_faults_are_used_first_in_first_out(server: SCIMServer) -> None:
    server.inject(Fault.status(502))
    server.inject(Fault.status(503))
    assert [call(server, "GET", "/Users").status for _ in range(3)] == [502, 503, 200]


def test_clear_faults_and_reset(server: SCIMServer) -> None:
    server.inject(Fault.status(503), times=5)
    server.clear_faults()
    assert call(server, "GET", "/Users").status == 200
    create_user(server, "bjensen")
    server.inject(Fault.status(503))
    server.reset()
    assert server.requests == [] and server.resources("Users") == []
    assert call(server, "GET", "/Users").status == 200


def test_a_dropped_request_arrived_in_full_and_was_not_processed(server: SCIMServer) -> None:
    server.inject(Fault.drop(), method="POST")
    with pytest.raises(http.client.RemoteDisconnected):
        call(server, "POST", "/Users", {"userName": "bjensen"})
    assert server.resources("Users") == []
    assert server.requests[-1].json == {"userName": "bjensen"}  # it did arrive, in full


def test_delay_longer_than_the_client_timeout_times_out(server: SCIMServer) -> None:
    server.inject(Fault.delay(2))
    conn = http.client.HTTPConnection(server.host, server.port, timeout=0.2)
    try:
        with pytest.raises(socket.timeout):
            send(conn, server, "GET", "/Users")
    finally:
        conn.close()


def test_raw_fault_writes_exact_bytes_a_bad_status_line(server: SCIMServer) -> None:
    server.inject(Fault.raw(b"HTP/9 what\r\n\r\n"))
    with pytest.raises(http.client.BadStatusLine):
        call(server, "GET", "/Users")


def test_raw_fault_body_cut_short_of_content_length(server: SCIMServer) -> None:
    server.inject(
        Fault.raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n0123456789"
        )
    )
    with pytest.raises(http.client.IncompleteRead) as info:
        call(server, "GET", "/Users")
    assert info.value.partial == b"0123456789"


def raw_request(server: SCIMServer, method: str, path: str, body: Any = None) -> bytes:
    """A request's exact bytes, for a raw socket; a body is sent as SCIM JSON."""
    data = b"" if body is None else json.dumps(body).encode()
    return (
        f"{method} {server.base_path}{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {server.token}\r\nContent-Type: {SCIM_JSON}\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode() + data


def content_length(head: bytes) -> int:
    """The Content-Length an answer's head (status line and headers) declares."""
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    return int({name.lower(): value for name, value in fields.items()}[b"content-length"])


def read_answer(sock: socket.socket, received: bytes = b"") -> tuple[bytes, bytes]:
    """The head (without the blank line) and the Content-Length body of one answer."""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, f"closed after {received!r}"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    while len(body) < content_length(head):
        chunk = sock.recv(65536)
        assert chunk, f"closed after {head + body!r}"
        body += chunk
    return head, body


def test_trickle_fault_sends_the_usual_answer_a_few_bytes_at_a_time(server: SCIMServer) -> None:
    request = raw_request(server, "GET", "/Users")
    server.inject(Fault.trickle(0.02, chunk=10))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(request)
        first = sock.recv(65536)
        head, body = read_answer(sock, first)
        elapsed = time.monotonic() - started
        # The same connection, kept alive, answers the next request at once and in full.
        sock.sendall(request)
        usual_head, usual_body = read_answer(sock)
    assert b"\r\n\r\n" not in first  # the status line and headers trickle too
    assert body == usual_body

    def without_date(head: bytes) -> list[bytes]:
        return [line for line in head.split(b"\r\n") if not line.startswith(b"Date:")]

    assert without_date(head) == without_date(usual_head)
    pieces = -(-(len(head) + 4 + len(body)) // 10)
    assert elapsed >= (pieces - 1) * 0.02 * 0.9  # a pause before every piece but the first


def test_trickle_fault_body_only_sends_the_head_at_once_after_carrying_out_the_request(
    server: SCIMServer,
) -> None:
    server.inject(Fault.trickle(0.2, chunk=10, body_only=True))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(raw_request(server, "POST", "/Users", {"userName": "slow"}))
        first = sock.recv(65536)
    head, blank, body = first.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 Created\r\n") and blank
    assert len(body) < content_length(head)  # the body has only begun
    assert [u["userName"] for u in server.resources("Users")] == ["slow"]


def test_trickle_fault_with_data_trickles_those_bytes_unprocessed_then_closes(
    server: SCIMServer,
) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    server.inject(Fault.trickle(0.01, chunk=5, data=data), method="POST")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(raw_request(server, "POST", "/Users", {"userName": "never"}))
        received = b""
        while chunk := sock.recv(1024):
            received += chunk
    assert received == data
    assert server.resources("Users") == []


def test_trickle_fault_needs_a_connection_under_wsgi() -> None:
    server = SCIMServer(token=None)
    server.inject(Fault.trickle(0.1))
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/scim/v2/Users", "wsgi.input": io.BytesIO()}
    with pytest.raises(RuntimeError, match=r"Fault.trickle\(0.1, chunk=1\) needs a connection"):
        server(environ, lambda status, headers, exc_info=None: lambda data: None)


def test_body_fault_sends_a_non_json_body(server: SCIMServer) -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    server.inject(Fault.body(page, status=502))
    reply = call(server, "GET", "/Users")
    assert reply.status == 502 and reply.body == page
    assert reply.headers["Content-Type"] == "text/html"
    truncated = b'{"totalResults": 3, "Reso'
    server.inject(Fault.body(truncated, content_type=SCIM_JSON))
    reply = call(server, "GET", "/Users")
    assert reply.status == 200 and reply.body == truncated


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: Fault.status(99), ValueError),
        (lambda: Fault.delay(-1), ValueError),
        # Arguments of the wrong type, on purpose: they must be refused at run time.
        (lambda: Fault.raw("text"), TypeError),  # type: ignore[arg-type]
        (lambda: Fault.raw(b"x", close=1), TypeError),  # type: ignore[arg-type]
        (lambda: Fault.body("text"), TypeError),  # type: ignore[arg-type]
        (lambda: Fault.trickle(0), ValueError),
        (lambda: Fault.trickle(float("inf")), ValueError),
        (lambda: Fault.trickle(0.1, chunk=0), ValueError),
        (lambda: Fault.trickle("0.1"), TypeError),  # type: ignore[arg-type]
        (lambda: Fault.trickle(0.1, chunk=1.5), TypeError),  # type: ignore[arg-type]
        (lambda: Fault.trickle(0.1, body_only=1), TypeError),  # type: ignore[arg-type]
        (lambda: Fault.trickle(0.1, data="text"), TypeError),  # type: ignore[arg-type]
    ],
)
def test_bad_fault_arguments_fail_fast(make: Callable[[], object], error: type[Exception]) -> None:
    with pytest.raises(error):
        make()


def test_inject_checks_its_arguments(server: SCIMServer) -> None:
    with pytest.raises(TypeError):
        server.inject("503")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        server.inject(Fault.drop(), times=0)


# -- connections ---------------------------------------------------------------------------


def test_a_status_fault_keeps_the_connection_usable(server: SCIMServer) -> None:
    server.inject(Fault.status(429))
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        assert send(conn, server, "GET", "/Users").status == 429
        sock = conn.sock
        assert send(conn, server, "GET", "/Users").status == 200 and conn.sock is sock
    finally:
        conn.close()


def test_many_clients_at_once(server: SCIMServer) -> None:
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            create_user(server, f"user{number}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(server.resources("Users")) == 20


def test_a_client_that_hangs_up_mid_request_leaves_no_traceback(
    server: SCIMServer, capfd: pytest.CaptureFixture[str]
) -> None:
    with socket.create_connection((server.host, server.port)) as raw:
        raw.sendall(b'POST /scim/v2/Users HTTP/1.1\r\nContent-Length: 50\r\n\r\n{"user')
    with socket.create_connection((server.host, server.port)) as raw:
        raw.sendall(b"GET /scim/v2/Users HTTP/1.1\r\n")
    assert call(server, "GET", "/Users").status == 200
    time.sleep(0.1)
    assert capfd.readouterr().err == ""


def raw_exchange(server: SCIMServer, data: bytes) -> bytes:
    """Send `data` on a raw socket and read until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        raw.sendall(data)
        received = b""
        while chunk := raw.recv(4096):
            received += chunk
    return received


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"garbage\r\n\r\n", b"400"),
        (b"GET /scim/v2/Users HTTP/9.9\r\n\r\n", b"505"),
        (b"POST /scim/v2/Users HTTP/1.1\r\nContent-Length: lots\r\n\r\n", b"400"),
    ],
)
def test_requests_that_cannot_be_parsed_get_a_scim_error_and_a_close(
    server: SCIMServer, data: bytes, status: bytes
) -> None:
    head, _, body = raw_exchange(server, data).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 " + status)
    assert b"Connection: close" in head
    assert json.loads(body)["schemas"] == [_schemas.ERROR]


def test_a_bug_in_handling_is_a_500_scim_error_and_the_server_lives_on(
    server: SCIMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scimkit.testing._endpoints as endpoints_module

    def broken(*args: Any, **kwargs: Any) -> list[Any]:
        raise RuntimeError("sorting exploded")

    monkeypatch.setattr(endpoints_module, "sort_resources", broken)
    reply = call(server, "GET", "/Users?sortBy=userName")
    assert_scim_error(reply, 500)
    assert call(server, "GET", "/Users").status == 200


def test_unsupported_http_method_is_a_scim_error(server: SCIMServer) -> None:
    reply = call(server, "OPTIONS", "/Users")
    assert reply.status in (405, 501)
    assert reply.headers["Content-Type"] == SCIM_JSON


# -- direct data access --------------------------------------------------------------------


def test_add_resource_creates_as_a_post_would(server: SCIMServer) -> None:
    user = server.add_resource("Users", {"userName": "bjensen", "id": "ignored"})
    assert user["id"] != "ignored" and user["meta"]["version"] == 'W/"1"'
    assert call(server, "GET", f"/Users/{user['id']}").json == user
    with pytest.raises(ValueError, match="userName"):
        server.add_resource("Users", {"userName": "BJENSEN"})
    with pytest.raises(ValueError, match="resource_type"):
        server.add_resource("Widgets", {})


def test_resources_and_get_resource_return_copies(server: SCIMServer) -> None:
    user = server.add_resource("Users", {"userName": "bjensen"})
    server.resources("Users")[0]["userName"] = "changed"
    copy = server.get_resource("Users", user["id"])
    assert copy is not None
    copy["userName"] = "changed"
    again = server.get_resource("Users", user["id"])
    assert again is not None and again["userName"] == "bjensen"
    assert server.get_resource("Users", "nope") is None

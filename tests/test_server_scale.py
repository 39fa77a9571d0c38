"""The local server's indexes (id, userName, externalId, group members) stay in step with the
resources through create, replace, PATCH, delete and reset, and answer as a scan would."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from scimkit.filters import parse_filter
from scimkit.testing import SCIMServer
from scimkit.testing._engine import matches
from scimkit.testing._store import INDEXED, index_keys

DEVICE = "urn:example:2.0:Device"


class Wire:
    """One kept-alive connection to the server, speaking JSON."""

    def __init__(self, server: SCIMServer) -> None:
        parts = urllib.parse.urlsplit(server.url)
        self.base = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        self.headers = {"Authorization": f"Bearer {server.token}"}

    def call(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/scim+json"
        self.conn.request(method, self.base + path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)

    def ok(self, method: str, path: str, body: object = None) -> Any:
        status, answer = self.call(method, path, body)
        assert 200 <= status < 300, answer
        return answer

    def search(self, resource_type: str, filter: str, **params: str) -> list[str]:
        """The ids a filtered GET finds, in the order answered."""
        query = urllib.parse.urlencode({"filter": filter, **params})
        return [r["id"] for r in self.ok("GET", f"/{resource_type}?{query}")["Resources"]]

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def wire(server: SCIMServer) -> Iterator[Wire]:
    connection = Wire(server)
    yield connection
    connection.close()


def user_names(wire: Wire, name: str) -> list[str]:
    return wire.search("Users", f"userName eq {json.dumps(name)}")


def test_username_eq_ignores_case_both_ways(wire: Wire) -> None:
    user = wire.ok("POST", "/Users", {"userName": "BJensen@Example.com"})
    wire.ok("POST", "/Users", {"userName": "other"})
    assert user_names(wire, "bjensen@example.com") == [user["id"]]
    assert user_names(wire, "BJENSEN@EXAMPLE.COM") == [user["id"]]
    assert wire.search("Users", 'USERNAME EQ "bjensen@EXAMPLE.com"') == [user["id"]]
    assert user_names(wire, "bjensen") == []


def test_uniqueness_follows_a_replace_a_patch_and_a_delete(wire: Wire) -> None:
    user = wire.ok("POST", "/Users", {"userName": "alice"})
    path = f"/Users/{user['id']}"
    status, error = wire.call("POST", "/Users", {"userName": "ALICE"})
    assert status == 409 and error["scimType"] == "uniqueness"
    # Its own name in another case is no conflict with itself.
    wire.ok("PUT", path, {"userName": "Alice"})
    assert user_names(wire, "alice") == [user["id"]]
    wire.ok("PUT", path, {"userName": "alice2"})
    assert user_names(wire, "alice") == []
    assert user_names(wire, "ALICE2") == [user["id"]]
    freed = wire.ok("POST", "/Users", {"userName": "alice"})
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": "Carol"}],
    }
    wire.ok("PATCH", path, patch)
    assert user_names(wire, "alice2") == []
    assert user_names(wire, "carol") == [user["id"]]
    assert wire.call("POST", "/Users", {"userName": "cAROL"})[0] == 409
    assert wire.call("POST", "/Users", {"userName": "Alice2"})[0] == 201
    wire.ok("DELETE", path)
    assert user_names(wire, "carol") == []
    assert wire.call("POST", "/Users", {"userName": "carol"})[0] == 201
    assert user_names(wire, "alice") == [freed["id"]]


def test_patch_that_only_changes_the_case_of_a_username(wire: Wire) -> None:
    user = wire.ok("POST", "/Users", {"userName": "dave"})
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"userName": "DAVE"}}],
    }
    assert wire.ok("PATCH", f"/Users/{user['id']}", patch)["userName"] == "DAVE"
    assert user_names(wire, "Dave") == [user["id"]]
    assert wire.call("POST", "/Users", {"userName": "dave"})[0] == 409


def test_names_equal_only_when_casefolded_may_both_exist_and_are_both_found(wire: Wire) -> None:
    # Uniqueness compares lower case (as before the indexes); filters compare casefolded.
    first = wire.ok("POST", "/Users", {"userName": "Straße"})
    second = wire.ok("POST", "/Users", {"userName": "STRASSE"})
    assert user_names(wire, "strasse") == [first["id"], second["id"]]


def test_external_id_eq_is_case_exact_and_follows_changes(wire: Wire) -> None:
    user = wire.ok("POST", "/Users", {"userName": "e", "externalId": "Ext-1"})
    assert wire.search("Users", 'externalId eq "Ext-1"') == [user["id"]]
    assert wire.search("Users", 'externalId eq "ext-1"') == []
    wire.ok("PUT", f"/Users/{user['id']}", {"userName": "e", "externalId": "Ext-2"})
    assert wire.search("Users", 'externalId eq "Ext-1"') == []
    assert wire.search("Users", 'externalId eq "Ext-2"') == [user["id"]]
    wire.ok("PUT", f"/Users/{user['id']}", {"userName": "e"})
    assert wire.search("Users", 'externalId eq "Ext-2"') == []
    assert wire.search("Users", "externalId pr") == []


def test_id_eq_finds_exactly_that_resource(wire: Wire) -> None:
    user = wire.ok("POST", "/Users", {"userName": "i"})
    wire.ok("POST", "/Users", {"userName": "j"})
    assert wire.search("Users", f'id eq "{user["id"]}"') == [user["id"]]
    assert wire.search("Users", f'id eq "{user["id"].upper()}"') == []
    assert wire.search("Groups", f'id eq "{user["id"]}"') == []


def test_member_index_follows_groups_through_patch_replace_and_deletes(
    wire: Wire, server: SCIMServer
) -> None:
    alice = wire.ok("POST", "/Users", {"userName": "alice"})
    bob = wire.ok("POST", "/Users", {"userName": "bob"})
    staff = wire.ok(
        "POST", "/Groups", {"displayName": "staff", "members": [{"value": alice["id"]}]}
    )
    admins = wire.ok(
        "POST",
        "/Groups",
        {"displayName": "admins", "members": [{"value": alice["id"]}, {"value": bob["id"]}]},
    )
    assert wire.search("Groups", f'members[value eq "{alice["id"]}"]') == [
        staff["id"],
        admins["id"],
    ]
    assert wire.search("Groups", f'members.value eq "{bob["id"]}"') == [admins["id"]]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": bob["id"]}]}],
    }
    wire.ok("PATCH", f"/Groups/{staff['id']}", patch)
    assert wire.search("Groups", f'members.value eq "{bob["id"]}"') == [staff["id"], admins["id"]]
    assert [g["value"] for g in wire.ok("GET", f"/Users/{bob['id']}")["groups"]] == [
        staff["id"],
        admins["id"],
    ]
    wire.ok("PUT", f"/Groups/{admins['id']}", {"displayName": "admins"})
    assert wire.search("Groups", f'members.value eq "{alice["id"]}"') == [staff["id"]]
    assert [g["value"] for g in wire.ok("GET", f"/Users/{alice['id']}")["groups"]] == [staff["id"]]
    wire.ok("DELETE", f"/Users/{alice['id']}")
    assert wire.search("Groups", f'members.value eq "{alice["id"]}"') == []
    assert [m["value"] for m in wire.ok("GET", f"/Groups/{staff['id']}")["members"]] == [bob["id"]]
    wire.ok("DELETE", f"/Groups/{staff['id']}")
    assert "groups" not in wire.ok("GET", f"/Users/{bob['id']}")
    assert server.get_resource("Groups", staff["id"]) is None


def test_reset_and_add_resource_keep_the_indexes(wire: Wire, server: SCIMServer) -> None:
    added = server.add_resource("Users", {"userName": "Seeded", "externalId": "s-1"})
    assert user_names(wire, "SEEDED") == [added["id"]]
    assert wire.search("Users", 'externalId eq "s-1"') == [added["id"]]
    with pytest.raises(ValueError, match="userName"):
        server.add_resource("Users", {"userName": "seeded"})
    server.reset()
    assert user_names(wire, "seeded") == []
    assert wire.search("Users", 'externalId eq "s-1"') == []
    assert wire.ok("GET", "/Users")["totalResults"] == 0
    again = server.add_resource("Users", {"userName": "seeded"})
    assert user_names(wire, "Seeded") == [again["id"]]


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "u1" or userName eq "U3"',
        'userName eq "u1" and active eq true',
        'active eq true and (userName eq "u2" or externalId eq "x-4")',
        'not (userName eq "u1")',
        'userName eq "u1" or active eq false',
        'userName sw "u" and externalId eq "x-2"',
        '(userName eq "u1" or userName eq "u2") and (userName eq "u2" or userName eq "u3")',
    ],
)
def test_combined_filters_find_what_a_scan_finds(wire: Wire, server: SCIMServer, text: str) -> None:
    for number in range(1, 6):
        server.add_resource(
            "Users",
            {"userName": f"u{number}", "externalId": f"x-{number}", "active": number % 2 == 1},
        )
    node = parse_filter(text)
    core = "urn:ietf:params:scim:schemas:core:2.0:User"
    expected = [u["id"] for u in server.resources("Users") if matches(u, node, core_schema=core)]
    assert wire.search("Users", text) == expected


ODD_DEVICES: list[dict[str, Any]] = [
    {"userName": ["Alpha", "beta"], "externalId": "Mixed"},
    {"userName": {"value": "Gamma"}, "externalId": {"value": "mixed"}},
    {"userName": "alpha", "externalId": ["MIXED", 7]},
    {"members": ["plain", {"value": "Member"}, {"value": {"value": "nested"}}, None]},
    {"members": [{"value": "member", "type": "User"}], "userName": 12},
    {"members": {"value": "PLAIN"}},
]


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "ALPHA"',
        'userName eq "beta"',
        'userName eq "gamma"',
        'externalId eq "mixed"',
        'externalId eq "MIXED"',
        'externalId eq "Mixed"',
        'members[value eq "plain"]',
        'members[value eq "NESTED"]',
        'members.value eq "member"',
        'members.value eq "plain"',
        f'{DEVICE}:userName eq "alpha"',
        'urn:other:userName eq "alpha"',
        "userName eq 12",
    ],
)
def test_odd_shapes_are_indexed_as_filters_compare_them(text: str) -> None:
    # A type without validation stores anything; the index must still find each match.
    with SCIMServer(resource_types={"Devices": DEVICE}) as server:
        for device in ODD_DEVICES:
            server.store.put("Devices", device, location=server.url)
        connection = Wire(server)
        try:
            node = parse_filter(text)
            found = connection.search("Devices", text)
        finally:
            connection.close()
        everything = server.resources("Devices")
        assert found == [d["id"] for d in everything if matches(d, node, core_schema=DEVICE)]


def test_every_index_key_leads_back_to_its_resource(server: SCIMServer) -> None:
    users = [
        server.add_resource("Users", {"userName": f"n{i}", "externalId": f"E{i}"}) for i in range(6)
    ]
    group = server.add_resource(
        "Groups", {"displayName": "g", "members": [{"value": users[0]["id"]}]}
    )
    server.store.delete("Users", users[2]["id"])
    for resource_type, resource in [("Groups", group)] + [
        ("Users", u) for u in users if u is not users[2]
    ]:
        for attribute in INDEXED:
            for key in index_keys(resource, attribute):
                assert resource in server.store.lookup(resource_type, attribute, key)
    assert server.store.lookup("Users", "username", "N2") == []
    assert server.store.lookup("Users", "externalid", "e2") == []


def test_listing_pages_keep_creation_order_through_deletes_and_replaces(wire: Wire) -> None:
    ids = [wire.ok("POST", "/Users", {"userName": f"p{i:02d}"})["id"] for i in range(12)]
    for gone in (ids[0], ids[5], ids[11]):
        wire.ok("DELETE", f"/Users/{gone}")
    wire.ok("PUT", f"/Users/{ids[3]}", {"userName": "renamed"})
    ids = [i for i in ids if i not in (ids[0], ids[5], ids[11])]
    ids.append(wire.ok("POST", "/Users", {"userName": "late"})["id"])
    pages = [wire.ok("GET", f"/Users?startIndex={start}&count=4") for start in (1, 5, 9, 13)]
    assert [p["totalResults"] for p in pages] == [10] * 4
    assert [p["itemsPerPage"] for p in pages] == [4, 4, 2, 0]
    assert [r["id"] for p in pages for r in p["Resources"]] == ids
    walked: list[str] = []
    page = wire.ok("GET", "/Users?cursor=&count=3")
    while True:
        walked += [r["id"] for r in page["Resources"]]
        if "nextCursor" not in page:
            break
        page = wire.ok("GET", f"/Users?cursor={page['nextCursor']}&count=3")
    assert walked == ids


def test_a_root_search_pages_across_users_then_groups(wire: Wire) -> None:
    users = [wire.ok("POST", "/Users", {"userName": f"r{i}"})["id"] for i in range(3)]
    groups = [wire.ok("POST", "/Groups", {"displayName": f"g{i}"})["id"] for i in range(2)]
    found: list[str] = []
    for start in (1, 3, 5):
        status, page = wire.call("POST", "/.search", {"startIndex": start, "count": 2})
        assert status == 200 and page["totalResults"] == 5
        found += [r["id"] for r in page["Resources"]]
    assert found == users + groups


def test_a_listed_page_is_a_copy_of_the_store(wire: Wire, server: SCIMServer) -> None:
    user = wire.ok("POST", "/Users", {"userName": "copied", "password": "secret"})
    listed = wire.ok("GET", "/Users")["Resources"][0]
    assert "password" not in listed
    for query in ({}, {"filter": ['userName eq "COPIED"']}, {"sortBy": ["userName"]}):
        page = server._list("Users", query)
        page["Resources"][0]["name"] = {"givenName": "changed"}
        page["Resources"][0]["meta"]["version"] = "changed"
    stored = server.store.get("Users", user["id"])
    assert stored is not None and stored["password"] == "secret"
    assert "name" not in stored and stored["meta"]["version"] == 'W/"1"'

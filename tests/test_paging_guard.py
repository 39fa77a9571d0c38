"""Listings that cannot silently lose data: pages that contradict each other raise
`PagingError`; discovery's endpoints and listings are read as RFC 7644 §4 defines them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scimkit import PagingError, SCIMClient
from scimkit.testing import Fault, SCIMServer

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def page(names: list[str], **numbers: Any) -> Fault:
    """One ListResponse page, sent as exact JSON bytes."""
    body = {
        "schemas": [LIST_RESPONSE],
        **numbers,
        "Resources": [{"id": n, "userName": n} for n in names],
    }
    data = json.dumps(body).encode()
    return Fault.body(data, status=200, content_type="application/scim+json")


def answer(server: SCIMServer, *pages: Fault) -> None:
    for fault in pages:
        server.inject(fault, method="GET", path="/Users")


def read_until_error(client: SCIMClient, **kwargs: Any) -> tuple[list[str], PagingError]:
    """The ids yielded before the `PagingError`, and the error."""
    seen: list[str] = []
    with pytest.raises(PagingError) as caught:
        for user in client.iter_users(**kwargs):
            assert user.id is not None
            seen.append(user.id)
    return seen, caught.value


# -- index paging (RFC 7644 §3.4.2.4) ------------------------------------------------------


def test_a_first_page_sent_again_for_the_second_start_index_raises_paging_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    answer(
        server,
        page(["a", "b"], totalResults=4, startIndex=1),
        page(["a", "b"], totalResults=4),
    )
    seen, error = read_until_error(bare_client, page_size=2)
    assert seen == ["a", "b"]
    assert (error.read, error.total_results) == (2, 4)
    assert "page before again for startIndex=3" in str(error)
    assert "2 of 4 resources were read" in str(error)
    assert error.url.endswith("/Users?startIndex=3&count=2")


def test_an_answer_from_another_start_index_than_asked_raises_paging_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # A 0-based server: its second page starts at 2, the client asked for 3.
    answer(
        server,
        page(["a", "b"], totalResults=5, startIndex=1),
        page(["c", "d"], totalResults=5, startIndex=2),
    )
    seen, error = read_until_error(bare_client, page_size=2)
    assert seen == ["a", "b"]
    assert "asked for startIndex=3, the server answered from startIndex=2" in str(error)
    assert (error.read, error.total_results) == (2, 5)


def test_an_empty_page_before_total_results_raises_paging_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    answer(
        server,
        page(["a", "b"], totalResults=6, startIndex=1),
        page([], totalResults=6, startIndex=3),
    )
    seen, error = read_until_error(bare_client, page_size=2)
    assert seen == ["a", "b"]
    assert "empty page at startIndex=3, before its own totalResults=6" in str(error)
    assert (error.read, error.total_results) == (2, 6)


def test_an_empty_page_without_a_total_uses_the_latest_total(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    answer(server, page(["a", "b"], totalResults=3), page([]))
    seen, error = read_until_error(bare_client, page_size=2)
    assert seen == ["a", "b"]
    assert error.total_results == 3


def test_results_shrinking_while_paging_end_without_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # A user deleted between the pages: the empty page's own totalResults says 2.
    answer(
        server,
        page(["a", "b"], totalResults=3, startIndex=1),
        page([], totalResults=2, startIndex=3),
    )
    assert [u.id for u in bare_client.iter_users(page_size=2)] == ["a", "b"]
    assert len(server.requests) == 2


def test_results_growing_while_paging_are_read_on(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    answer(
        server,
        page(["a", "b"], totalResults=2, startIndex=1),
    )
    # A total reached ends the walk after one page; a larger total on the first page is
    # followed to the end, where the server's own count is met.
    assert [u.id for u in bare_client.iter_users(page_size=2)] == ["a", "b"]
    answer(
        server,
        page(["a", "b"], totalResults=3, startIndex=1),
        page(["c", "d"], totalResults=4, startIndex=3),
    )
    assert [u.id for u in bare_client.iter_users(page_size=2)] == ["a", "b", "c", "d"]


def test_the_local_server_pages_every_user_without_paging_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    for n in range(7):
        server.add_resource("Users", {"userName": f"u{n}"})
    names = [u.user_name for u in bare_client.iter_users(page_size=3, sort_by="userName")]
    assert names == [f"u{n}" for n in range(7)]


# -- cursor paging (RFC 9865) --------------------------------------------------------------


def test_a_repeated_cursor_raises_paging_error(bare_client: SCIMClient, server: SCIMServer) -> None:
    answer(
        server,
        page(["a"], totalResults=3, nextCursor="c1"),
        page(["b"], totalResults=3, nextCursor="c2"),
        page(["c"], totalResults=3, nextCursor="c1"),
    )
    seen, error = read_until_error(bare_client, pagination="cursor")
    assert seen == ["a", "b", "c"]
    assert "nextCursor 'c1' a second time" in str(error)
    assert [r.query["cursor"] for r in server.requests] == [[""], ["c1"], ["c2"]]


def test_cursor_paging_that_ends_before_total_results_raises_paging_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    answer(
        server,
        page(["a"], totalResults=3, nextCursor="c1"),
        page(["b"], totalResults=3),
    )
    seen, error = read_until_error(bare_client, pagination="cursor")
    assert seen == ["a", "b"]
    assert "(no nextCursor) before its own totalResults=3" in str(error)
    assert (error.read, error.total_results) == (2, 3)


def test_cursor_paging_that_shrinks_ends_without_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    answer(
        server,
        page(["a"], totalResults=3, nextCursor="c1"),
        page(["b"], totalResults=2),
    )
    assert [u.id for u in bare_client.iter_users(pagination="cursor")] == ["a", "b"]


# -- discovery: endpoints relative to the base URL, listings checked when strict -----------


def resource_types(endpoint: str, location: str | None) -> Fault:
    meta: dict[str, str] = {"resourceType": "ResourceType"}
    if location is not None:
        meta["location"] = location
    device = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": endpoint,
        "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
        "meta": meta,
    }
    body = {"schemas": [LIST_RESPONSE], "totalResults": 1, "Resources": [device]}
    return Fault.body(json.dumps(body).encode(), content_type="application/scim+json")


@pytest.mark.parametrize(
    ("endpoint", "with_location"),
    [
        ("/scim/v2/Users", True),
        ("{base}/Users", True),
        ("{base}/Users", False),
        ("/Users", False),
        ("Users", False),
    ],
)
def test_endpoint_for_is_relative_to_the_base_url_and_search_takes_it(
    bare_client: SCIMClient, server: SCIMServer, endpoint: str, with_location: bool
) -> None:
    server.add_resource("Users", {"userName": "bjensen"})
    location = f"{server.url}/ResourceTypes/User" if with_location else None
    server.inject(resource_types(endpoint.format(base=server.url), location), path="/ResourceTypes")
    found = bare_client.discover()
    assert found.endpoint_for("User") == "/Users"
    relative = found.endpoint_for("User")
    assert relative is not None
    resp = bare_client.search(relative, filter='userName eq "bjensen"')
    assert resp.status_code == 200
    assert [r["userName"] for r in resp.body["Resources"]] == ["bjensen"]
    assert [u.id for u in bare_client.iter_resources(relative)] == [resp.body["Resources"][0]["id"]]


def test_strict_discovery_of_the_local_server_finds_no_problem(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, strict=True) as strict:
        assert strict.resource_types().contract_problem is None
        assert strict.schemas().contract_problem is None
        assert strict.discover().endpoint_for("Group") == "/Groups"


@pytest.mark.parametrize(
    ("path", "body", "problem"),
    [
        ("/ResourceTypes", {"totalResults": 0, "Resources": []}, "schemas does not name"),
        (
            "/ResourceTypes",
            {"schemas": [LIST_RESPONSE], "totalResults": 1, "Resources": [{"name": "User"}]},
            "ResourceTypes[0] has no id",
        ),
        (
            "/ResourceTypes",
            {
                "schemas": [LIST_RESPONSE],
                "totalResults": 1,
                "Resources": [
                    {
                        "id": "User",
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                        "meta": {"resourceType": "ResourceType"},
                    }
                ],
            },
            "ResourceTypes[0].schemas does not name urn:ietf:params:scim:schemas:core:2.0:Reso",
        ),
        (
            "/Schemas",
            {
                "schemas": [LIST_RESPONSE],
                "totalResults": 1,
                "Resources": [
                    {
                        "id": "urn:ietf:params:scim:schemas:core:2.0:User",
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                        "meta": {"resourceType": "User"},
                    }
                ],
            },
            "Schemas[0].meta.resourceType is not 'Schema'",
        ),
        ("/Schemas", {"schemas": [LIST_RESPONSE], "Resources": []}, "totalResults is missing"),
    ],
)
def test_strict_checks_the_discovery_listings(
    server: SCIMServer, path: str, body: Any, problem: str
) -> None:
    data = json.dumps(body).encode()
    server.inject(Fault.body(data, content_type="application/scim+json"), path=path)
    with SCIMClient(server.url, token=server.token, strict=True, retry_handlers=[]) as strict:
        resp = strict.resource_types() if path == "/ResourceTypes" else strict.schemas()
    assert resp.contract_problem is not None
    assert problem in resp.contract_problem
    assert not resp.ok

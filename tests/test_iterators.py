"""iter_users / iter_groups: paging for the caller, against servers that page badly."""

from __future__ import annotations

import json

import pytest

from scimkit import NotFound, PagingError, SCIMClient
from scimkit.testing import Fault, SCIMServer


def page(names: list[str], **numbers: int) -> dict[str, object]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        **numbers,
        "Resources": [{"id": n, "userName": n} for n in names],
    }


def script(server: SCIMServer, *pages: dict[str, object]) -> None:
    for body in pages:
        server.inject(Fault.status(200, body=body), method="GET", path="/Users")


def test_iter_users_pages_through_every_user(bare_client: SCIMClient, server: SCIMServer) -> None:
    for n in range(25):
        server.add_resource("Users", {"userName": f"u{n:02d}"})
    names = [u.user_name for u in bare_client.iter_users(page_size=10, sort_by="userName")]
    assert names == [f"u{n:02d}" for n in range(25)]
    starts = [r.query["startIndex"][0] for r in server.requests]
    assert starts == ["1", "11", "21"]
    assert all(r.query["count"] == ["10"] for r in server.requests)


def test_iter_users_passes_the_filter_and_is_lazy(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    for n in range(5):
        server.add_resource("Users", {"userName": f"a{n}", "active": n % 2 == 0})
    iterator = bare_client.iter_users(filter="active eq true", page_size=2)
    assert server.requests == []
    assert next(iterator).user_name == "a0"
    assert len(server.requests) == 1
    assert [u.user_name for u in iterator] == ["a2", "a4"]
    assert server.requests[0].query["filter"] == ["active eq true"]


def test_a_server_that_ignores_count_is_read_once(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    script(server, page(["a", "b", "c", "d", "e"], totalResults=5, startIndex=1, itemsPerPage=5))
    assert [u.id for u in bare_client.iter_users(page_size=2)] == ["a", "b", "c", "d", "e"]
    assert len(server.requests) == 1


def test_missing_total_and_short_pages_read_until_an_empty_page(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    script(server, page(["a", "b", "c"]), page(["d", "e", "f"]), page([]))
    assert [u.id for u in bare_client.iter_users(page_size=10)] == ["a", "b", "c", "d", "e", "f"]
    assert [r.query["startIndex"] for r in server.requests] == [["1"], ["4"], ["7"]]


def test_a_server_that_ignores_start_index_raises_paging_error_without_duplicates(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    script(server, page(["a", "b"]), page(["a", "b"]))
    seen: list[str | None] = []
    with pytest.raises(PagingError, match="ignores startIndex") as caught:
        seen.extend(u.id for u in bare_client.iter_users(page_size=2))
    assert seen == ["a", "b"]
    assert caught.value.read == 2
    assert len(server.requests) == 2


def test_total_results_shrinking_during_iteration_ends_it(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    script(
        server,
        page(["a", "b", "c"], totalResults=30, startIndex=1),
        page(["d"], totalResults=4, startIndex=4),
    )
    assert [u.id for u in bare_client.iter_users(page_size=3)] == ["a", "b", "c", "d"]
    assert len(server.requests) == 2


def test_a_failing_page_raises_its_error(bare_client: SCIMClient, server: SCIMServer) -> None:
    server.inject(Fault.status(404), method="GET")
    with pytest.raises(NotFound):
        list(bare_client.iter_users())


def test_iter_groups_and_page_size_validation(bare_client: SCIMClient, server: SCIMServer) -> None:
    for n in range(3):
        server.add_resource("Groups", {"displayName": f"g{n}"})
    names = [g.display_name for g in bare_client.iter_groups(page_size=2)]
    assert sorted(names, key=str) == ["g0", "g1", "g2"]
    with pytest.raises(ValueError, match="page_size"):
        bare_client.iter_groups(page_size=0)
    with pytest.raises(ValueError, match="sort_order"):
        bare_client.iter_users(sort_order="sideways")


def test_cursor_pagination_follows_next_cursor(bare_client: SCIMClient, server: SCIMServer) -> None:
    for n in range(7):
        server.add_resource("Users", {"userName": f"c{n}"})
    names = [u.user_name for u in bare_client.iter_users(page_size=3, pagination="cursor")]
    assert sorted(names, key=str) == [f"c{n}" for n in range(7)]
    cursors = [r.query["cursor"][0] for r in server.requests]
    assert cursors[0] == "" and len(cursors) == 3 and len(set(cursors)) == 3
    assert all("startIndex" not in r.query for r in server.requests)


def test_auto_uses_cursors_when_the_server_says_they_are_its_default() -> None:
    from scimkit.testing import SCIMServer

    with SCIMServer(default_pagination="cursor") as server:
        for n in range(4):
            server.add_resource("Users", {"userName": f"a{n}"})
        client = SCIMClient(server.url, token=server.token)
        client.discover()
        assert len(list(client.iter_users(page_size=2))) == 4
        assert "cursor" in server.requests[-1].query


def test_a_cursor_that_repeats_raises_paging_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    body = {"totalResults": 9, "nextCursor": "same", "Resources": [{"id": "a", "userName": "a"}]}
    server.inject(Fault.status(200, body=body), times=3, method="GET")
    seen: list[str | None] = []
    with pytest.raises(PagingError, match="nextCursor 'same' a second time") as caught:
        seen.extend(u.id for u in bare_client.iter_users(pagination="cursor"))
    assert seen == ["a", "a"]
    assert (caught.value.read, caught.value.total_results) == (2, 9)
    assert len(server.requests) == 2


def cursor_page(names: list[str], next_cursor: str) -> Fault:
    body = {**page(names), "nextCursor": next_cursor}
    return Fault.body(json.dumps(body).encode(), content_type="application/scim+json")


def test_an_empty_page_ends_cursor_paging_even_with_a_fresh_next_cursor(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # A server that always hands out a new cursor, even with nothing behind it, would
    # otherwise be asked forever: the empty page is the end.
    server.inject(cursor_page(["a"], "c1"), times=1, method="GET")
    for n in range(2, 7):
        server.inject(cursor_page([], f"c{n}"), times=1, method="GET")
    assert [u.id for u in bare_client.iter_users(pagination="cursor")] == ["a"]
    assert [r.query["cursor"] for r in server.requests] == [[""], ["c1"]]


def test_an_unknown_cursor_is_invalid_cursor(bare_client: SCIMClient, server: SCIMServer) -> None:
    resp = bare_client.api_call("GET", "/Users", query_params={"cursor": "bogus"})
    assert resp.status_code == 400
    assert resp.errors is not None and resp.errors.scim_type == "invalidCursor"
    with pytest.raises(ValueError, match="pagination"):
        bare_client.iter_users(pagination="pages")

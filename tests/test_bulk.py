"""Bulk (RFC 7644 §3.7): bulkId references, per-operation results, splitting to server limits."""

from __future__ import annotations

import pytest

from scimkit import BulkOperation, PatchOp, PayloadTooLarge, SCIMClient
from scimkit.testing import SCIMServer


def users(n: int, prefix: str = "u") -> list[BulkOperation]:
    return [
        BulkOperation(
            method="POST", path="/Users", bulk_id=f"{prefix}{i}", data={"userName": f"{prefix}{i}"}
        )
        for i in range(n)
    ]


def test_a_group_refers_to_users_created_in_the_same_request(
    client: SCIMClient, server: SCIMServer
) -> None:
    result = client.bulk(
        [
            *users(2),
            BulkOperation(
                method="POST",
                path="/Groups",
                bulk_id="g",
                data={
                    "displayName": "G",
                    "members": [{"value": "bulkId:u0"}, {"value": "bulkId:u1"}],
                },
            ),
        ]
    )
    assert result.ok and result.status_code == 200 and len(result.responses) == 1
    assert set(result.ids) == {"u0", "u1", "g"}
    group = server.get_resource("Groups", result.ids["g"])
    assert group is not None
    assert sorted(m["value"] for m in group["members"]) == sorted(
        [result.ids["u0"], result.ids["u1"]]
    )
    sent = server.requests[-1].json
    assert sent["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]
    assert [op["bulkId"] for op in sent["Operations"]] == ["u0", "u1", "g"]


def test_each_operation_reports_its_own_status(client: SCIMClient, server: SCIMServer) -> None:
    client.create_user({"userName": "taken"})
    result = client.bulk(
        [
            BulkOperation(method="POST", path="/Users", bulk_id="a", data={"userName": "fresh"}),
            BulkOperation(method="POST", path="/Users", bulk_id="b", data={"userName": "taken"}),
            BulkOperation(method="DELETE", path="/Users/missing"),
        ]
    )
    assert [op.status_code for op in result.operations] == [201, 409, 404]
    assert not result.ok and [op.bulk_id for op in result.failed] == ["b", None]
    error = result.failed[0].error
    assert error is not None and error.scim_type == "uniqueness"


def test_fail_on_errors_stops_the_batch(client: SCIMClient, server: SCIMServer) -> None:
    client.create_user({"userName": "taken"})
    result = client.bulk(
        [
            BulkOperation(method="POST", path="/Users", bulk_id="x", data={"userName": "taken"}),
            *users(3),
        ],
        fail_on_errors=1,
    )
    assert [op.status_code for op in result.operations] == [409]
    assert len(server.resources("Users")) == 1


def test_a_large_batch_is_split_to_the_servers_max_operations_and_references_still_resolve() -> (
    None
):
    with SCIMServer(bulk_max_operations=3) as server:
        client = SCIMClient(server.url, token=server.token)
        ops = users(7) + [
            BulkOperation(
                method="PATCH",
                path="/Groups/bulkId:g",
                data=PatchOp.add_members(["bulkId:u0", "bulkId:u6"]).to_dict(),
            ),
        ]
        ops.insert(
            1, BulkOperation(method="POST", path="/Groups", bulk_id="g", data={"displayName": "G"})
        )
        result = client.bulk(ops)
        posts = [r for r in server.requests if r.path.endswith("/Bulk")]
        assert [len(r.json["Operations"]) for r in posts] == [3, 3, 3]
        assert result.ok and len(result.operations) == 9
        group = server.get_resource("Groups", result.ids["g"])
        assert group is not None
        assert sorted(m["value"] for m in group["members"]) == sorted(
            [result.ids["u0"], result.ids["u6"]]
        )
        # The reference in a later request was rewritten to the created id.
        assert posts[-1].json["Operations"][-1]["path"] == f"/Groups/{result.ids['g']}"


def test_payload_size_limit_splits_too() -> None:
    with SCIMServer(bulk_max_payload_size=700) as server:
        client = SCIMClient(server.url, token=server.token)
        result = client.bulk(users(8))
        posts = [r for r in server.requests if r.path.endswith("/Bulk")]
        assert len(posts) > 1 and all(len(r.body) <= 700 for r in posts)
        assert result.ok and len(server.resources("Users")) == 8


def test_a_refused_request_leaves_the_rest_unsent(server: SCIMServer) -> None:
    client = SCIMClient(server.url, token=server.token)
    server.bulk_max_operations = 2
    result = client.bulk(users(4), max_operations=10)
    assert result.status_code == 413 and not result.ok and len(result.not_sent) == 4
    with pytest.raises(PayloadTooLarge, match="HTTP 413") as info:
        result.raise_for_status()
    assert info.value.status == 413


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([], "empty"),
        ([{"method": "GET", "path": "/Users"}], "method"),
        ([{"method": "POST", "path": "/Users", "data": {"userName": "x"}}], "bulk_id"),
        ([{"method": "PUT", "path": "Users/1", "data": {}}], "path"),
        ([{"method": "PATCH", "path": "/Users/1"}], "data"),
        (["nope"], "operations"),
    ],
)
def test_bad_operations_fail_fast(client: SCIMClient, ops: list[object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        # Operations that are not dicts or models are in the table on purpose.
        client.bulk(ops)  # type: ignore[arg-type]

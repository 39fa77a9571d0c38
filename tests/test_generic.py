"""Any resource type, ETag preconditions and discovery, against the local server."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from scimkit import (
    PatchOperation,
    PreconditionFailed,
    Resource,
    SCIMClient,
    User,
    attribute,
)
from scimkit.testing import SCIMServer

from .checks import resource_id

DEVICE = "urn:example:schemas:2.0:Device"


class Device(Resource):
    """A custom resource type, declared in a few lines."""

    schema = DEVICE
    endpoint = "/Devices"

    serial_number: str | None = attribute()
    location: str | None = attribute()


@pytest.fixture
def device_server() -> Iterator[SCIMServer]:
    with SCIMServer(resource_types={"Devices": DEVICE}) as server:
        yield server


@pytest.fixture
def device_client(device_server: SCIMServer) -> Iterator[SCIMClient]:
    with SCIMClient(device_server.url, token=device_server.token) as client:
        yield client


def test_a_custom_resource_type_goes_through_every_operation(
    device_client: SCIMClient, device_server: SCIMServer
) -> None:
    created = device_client.create(Device(serial_number="X1", location="Rack 1"))
    assert created.status_code == 201
    device = created.resource
    assert isinstance(device, Device) and device.serial_number == "X1"
    assert device.id is not None
    assert device_server.requests[-1].json == {
        "schemas": [DEVICE],
        "serialNumber": "X1",
        "location": "Rack 1",
    }

    read = device_client.read(Device, device.id).resource
    assert read is not None and read.location == "Rack 1"
    page = device_client.search(Device, filter='serialNumber sw "X"', count=10)
    assert [d.serial_number for d in page.resources] == ["X1"]
    assert all(isinstance(d, Device) for d in page.resources)

    patched = device_client.patch(
        Device, device.id, [PatchOperation(op="replace", path="location", value="Rack 2")]
    )
    current = patched.resource
    assert current is not None and current.location == "Rack 2"
    current.location = "Rack 3"
    replaced = device_client.replace(current).resource
    assert replaced is not None and replaced.location == "Rack 3"
    assert [d.id for d in device_client.iter_resources(Device, page_size=1)] == [device.id]
    assert device_client.delete(Device, device.id).status_code == 204
    assert device_client.read(Device, device.id).status_code == 404


def test_plain_dicts_with_an_endpoint_work_like_models(
    device_client: SCIMClient, device_server: SCIMServer
) -> None:
    created = device_client.create({"schemas": [DEVICE], "serialNumber": "D1"}, endpoint="/Devices")
    assert created.status_code == 201
    device_id = resource_id(created)
    read = device_client.read("/Devices", device_id).resource
    assert read is not None and read["serialNumber"] == "D1"
    assert device_client.search("Devices").total_results == 1
    assert device_client.delete("/Devices", device_id).status_code == 204


def test_users_methods_and_generic_methods_share_one_path(
    client: SCIMClient, server: SCIMServer
) -> None:
    created = client.create(User(user_name="gen"))
    user = created.resource
    assert created.status_code == 201 and user is not None and user.user_name == "gen"
    assert user.id is not None
    read = client.read_user(user.id).user
    assert read is not None and read.user_name == "gen"
    generic = client.read(User, user.id).resource
    assert generic is not None and generic.user_name == "gen"


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda c: c.create({"serialNumber": "x"}), TypeError, "endpoint"),
        (lambda c: c.read(42, "id"), TypeError, "resource_type"),
        (lambda c: c.read("/Dev?ices", "id"), ValueError, "resource_type"),
        (lambda c: c.read(Resource, "id"), ValueError, "endpoint"),
        (lambda c: c.read_user("id", if_none_match=""), ValueError, "if_none_match"),
        (lambda c: c.delete_user("id", if_match='W/"1"\r\nX: y'), ValueError, "if_match"),
    ],
)
def test_generic_misuse_fails_fast(
    client: SCIMClient, call: Callable[[SCIMClient], object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        call(client)


def test_stale_etag_on_replace_patch_delete_is_precondition_failed(
    client: SCIMClient, server: SCIMServer
) -> None:
    user = client.create_user(User(user_name="etag")).user
    assert user is not None and user.id is not None
    stale = user.etag
    client.patch_user(user.id, User(title="changed"))
    resp = client.update_user(user, if_match=stale)
    assert resp.status_code == 412 and server.requests[-1].headers["If-Match"] == stale
    with pytest.raises(PreconditionFailed):
        resp.raise_for_status()
    assert client.patch_user(user.id, User(title="x"), if_match=stale).status_code == 412
    assert client.delete_user(user.id, if_match=stale).status_code == 412
    fresh = client.read_user(user.id)
    assert client.delete_user(user.id, if_match=fresh.etag).status_code == 204


def test_if_none_match_gives_not_modified(client: SCIMClient, server: SCIMServer) -> None:
    user = client.create_user(User(user_name="cache")).user
    assert user is not None and user.id is not None
    resp = client.read_user(user.id, if_none_match=user.etag)
    assert resp.status_code == 304 and resp.not_modified and resp.ok
    assert resp.user is None and resp.errors is None
    client.patch_user(user.id, User(title="new"))
    again = client.read_user(user.id, if_none_match=user.etag)
    assert again.status_code == 200 and not again.not_modified
    assert again.user is not None and again.user.title == "new"


def test_discovery_reads_config_types_and_schemas_once(
    device_client: SCIMClient, device_server: SCIMServer
) -> None:
    found = device_client.discover()
    assert found.supports("patch") and found.supports("etag") and found.supports("bulk")
    assert not found.supports("change_password")
    assert found.bulk_limits == (1000, 1048576)
    assert found.max_results == 1000
    assert found.endpoint_for("Device") == "/Devices"
    assert found.endpoint_for("urn:ietf:params:scim:schemas:core:2.0:User") == "/Users"
    user_schema = found.schema("urn:ietf:params:scim:schemas:core:2.0:User")
    assert user_schema is not None
    user_name = user_schema.attribute("USERNAME")
    assert user_name is not None and user_name.required is True
    seen = len(device_server.requests)
    assert device_client.discover() is found and len(device_server.requests) == seen
    device_client.discover(refresh=True)
    assert len(device_server.requests) == seen + 3
    with pytest.raises(ValueError, match="feature"):
        found.supports("teleport")


def test_discovery_calls_return_typed_models(client: SCIMClient) -> None:
    config = client.service_provider_config().config
    assert config is not None and config.filter is not None
    assert config.authentication_schemes is not None
    assert config.filter.max_results == 1000 and config.authentication_schemes[0].type
    types = client.resource_types().resource_types
    assert {t.endpoint for t in types} == {"/Users", "/Groups"}
    users = next(t for t in types if t.endpoint == "/Users")
    assert users.schema_extensions is not None
    extension = users.schema_extensions[0].schema
    assert extension is not None and extension.endswith("enterprise:2.0:User")
    assert {s.id for s in client.schemas().schemas} >= {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    }


def test_post_search_sends_a_search_request_body(client: SCIMClient, server: SCIMServer) -> None:
    for name in ("ann", "bob", "cat"):
        client.create_user(User(user_name=name))
    page = client.search(
        User,
        filter='userName ne "bob"',
        attributes=["userName"],
        sort_by="userName",
        count=5,
        use_post=True,
    )
    received = server.requests[-1]
    assert received.method == "POST" and received.path == "/scim/v2/Users/.search"
    assert received.query == {}
    assert received.json == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName ne "bob"',
        "count": 5,
        "attributes": ["userName"],
        "sortBy": "userName",
    }
    assert [u.user_name for u in page.resources] == ["ann", "cat"]


def test_root_search_returns_each_resource_as_its_own_model(
    device_client: SCIMClient, device_server: SCIMServer
) -> None:
    device_client.create_user(User(user_name="u1"))
    device_client.create(Device(serial_number="S1"))
    device_client.create_group({"displayName": "G1"})
    found = device_client.search_all()
    assert device_server.requests[-1].path == "/scim/v2/.search"
    kinds = sorted(type(r).__name__ for r in found.resources)
    assert kinds == ["Device", "Group", "User"] and found.total_results == 3
    only_users = device_client.search_all(filter='userName eq "u1"')
    assert [type(r).__name__ for r in only_users.resources] == ["User"]


def test_me_reads_and_changes_the_tokens_own_user(client: SCIMClient, server: SCIMServer) -> None:
    assert client.read_me().status_code == 501  # not set up on this server yet
    user_id = resource_id(client.create_user(User(user_name="me", title="Dev")))
    server.me = user_id
    me = client.read_me().user
    assert me is not None and me.id == user_id and server.requests[-1].path == "/scim/v2/Me"
    patched = client.patch_me(User(title="Lead")).user
    assert patched is not None and patched.title == "Lead"
    me = client.read_me().user
    assert me is not None
    me.display_name = "Me!"
    replaced = client.replace_me(me, if_match=me.etag).user
    assert replaced is not None and replaced.display_name == "Me!"
    assert client.delete_me().status_code == 204
    assert client.read_user(user_id).status_code == 404


def test_root_search_results_are_plain_users_not_me(client: SCIMClient, server: SCIMServer) -> None:
    client.create_user(User(user_name="plain"))
    assert [type(r) for r in client.search_all().resources] == [User]

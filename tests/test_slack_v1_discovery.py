"""SCIM 1.1 discovery where Slack's v1 API serves it: `/ServiceProviderConfigs` and one schema
per resource at `/Schemas/Users` and `/Schemas/Groups`, on the client and on the local server."""

from __future__ import annotations

import pytest

from scimkit import Group, SCIMClient, User
from scimkit.testing import SCIMServer

V1_CORE = "urn:scim:schemas:core:1.0"


def test_a_1_1_client_reads_the_service_provider_config_where_slack_serves_it(
    v1_server: SCIMServer, v1_client: SCIMClient
) -> None:
    config = v1_client.service_provider_config()
    assert config.ok and config.config is not None and config.config.patch is not None
    assert [r.path.rsplit("/", 1)[-1] for r in v1_server.requests] == ["ServiceProviderConfigs"]


def test_discover_on_1_1_reads_slacks_paths_and_knows_users_and_groups(
    v1_server: SCIMServer, v1_client: SCIMClient
) -> None:
    found = v1_client.discover()
    asked = [r.path.split("/scim/v1", 1)[-1] for r in v1_server.requests]
    assert asked == ["/ServiceProviderConfigs", "/Schemas/Users", "/Schemas/Groups"]
    assert [t.endpoint for t in found.resource_types] == ["/Users", "/Groups"]
    assert found.endpoint_for("User") == "/Users" and found.endpoint_for("Group") == "/Groups"
    assert found.supports("patch")
    user_schema = found.schema(V1_CORE, name="User")
    group_schema = found.schema(V1_CORE, name="Group")
    assert user_schema is not None and user_schema.id == f"{V1_CORE}:User"
    assert group_schema is not None and group_schema.id == f"{V1_CORE}:Group"
    assert [a.name for a in user_schema.attributes or []][:1] == ["userName"]


def test_a_strict_1_1_client_checks_each_resource_against_its_own_schema(
    v1_server: SCIMServer,
) -> None:
    client = SCIMClient(v1_server.url, token=v1_server.token, scim_version="1.1", strict=True)
    client.discover()
    user = client.create_user(User(user_name="strict-v1"))
    group = client.create_group(Group(display_name="Strict v1"))
    # With one URN for both schemas, a group checked against the User schema would miss
    # userName; each is checked against its own.
    assert user.ok, user.errors
    assert group.ok, group.errors


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"])
def test_the_local_1_1_server_does_not_serve_scim_2_discovery(
    v1_server: SCIMServer, v1_client: SCIMClient, path: str
) -> None:
    answer = v1_client.api_call("GET", path)
    assert answer.status_code == 404
    assert answer.errors is not None and "/ServiceProviderConfigs" in str(answer.errors.detail)


def test_a_2_0_client_and_server_keep_rfc_7644_paths(
    server: SCIMServer, client: SCIMClient
) -> None:
    found = client.discover()
    asked = [r.path.split("/scim/v2", 1)[-1] for r in server.requests]
    assert asked == ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"]
    assert found.endpoint_for("User") == "/Users"
    assert client.api_call("GET", "/ServiceProviderConfigs").status_code == 404

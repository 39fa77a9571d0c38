"""Another library's model object passed where scimkit sends a resource: a `TypeError` that
says how to convert it, raised before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from scimkit import SCIMClient, User
from scimkit.testing import SCIMServer


class ForeignUser:
    """Shaped like `slack_sdk.scim.User`: its own class, with a `to_dict()`."""

    def __init__(self, user_name: str) -> None:
        self.user_name = user_name

    def to_dict(self) -> dict[str, Any]:
        return {"userName": self.user_name}


def test_a_model_of_another_library_names_the_conversion(
    client: SCIMClient, server: SCIMServer
) -> None:
    foreign = ForeignUser("ann")
    with pytest.raises(TypeError) as caught:
        client.create_user(foreign)  # type: ignore[arg-type]
    message = str(caught.value)
    assert f"{__name__}.ForeignUser" in message
    assert "user.to_dict()" in message and "scimkit.User.from_dict(user.to_dict())" in message
    with pytest.raises(TypeError, match=r"partial_user\.to_dict\(\)"):
        client.patch_user("some-id", foreign)
    assert server.requests == []
    # Doing what the message says works.
    assert client.create_user(User.from_dict(foreign.to_dict())).raise_for_status().user
    assert client.create_user({**foreign.to_dict(), "userName": "bob"}).status_code == 201


def test_an_object_without_to_dict_keeps_the_plain_message(client: SCIMClient) -> None:
    with pytest.raises(TypeError, match=r"^user must be a model or a dict, not int$"):
        client.create_user(3)  # type: ignore[arg-type]


def test_a_real_slack_sdk_user_names_the_conversion(client: SCIMClient, server: SCIMServer) -> None:
    scim = pytest.importorskip("slack_sdk.scim")
    slack_user = scim.User(user_name="ann", emails=[{"value": "ann@example.com"}])
    with pytest.raises(TypeError, match=r"scimkit\.User\.from_dict\(user\.to_dict\(\)\)"):
        client.create_user(slack_user)
    assert server.requests == []
    created = client.create_user(User.from_dict(slack_user.to_dict())).raise_for_status()
    assert created.user is not None and created.user.user_name == "ann"

"""pytest fixtures for testing code that talks SCIM: a local server and a client on it.

Installed with scimkit (a `pytest11` entry point), so the fixtures are there in every test
suite of a project that depends on scimkit, with nothing to import:

    def test_offboarding_deactivates_the_user(scim_server, scim_client):
        scim_server.add_resource("Users", {"userName": "bjensen"})
        offboard(scim_client, "bjensen")              # the code under test
        assert scim_server.resources("Users")[0]["active"] is False
        assert [r.method for r in scim_server.requests] == ["GET", "PATCH"]

- `scim_server`: a fresh, empty `SCIMServer` on 127.0.0.1, started for the test and stopped
  after it. `scim_server.requests` is what it received, `scim_server.inject(Fault...)`
  makes requests fail, `scim_server.url` and `scim_server.token` are what your code needs.
- `scim_client`: a `SCIMClient` on that server (same SCIM version), closed after the test.

Options go in markers, or in an indirect parametrisation for the server:

    @pytest.mark.scim_server(scim_version="1.1", token=None)
    @pytest.mark.scim_client(raise_errors=True)
    def test_v1(scim_client): ...

    @pytest.mark.parametrize("scim_server", [{"scim_version": "1.1"}, {}], indirect=True)
    def test_both_versions(scim_client): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from scimkit import SCIMClient
    from scimkit.testing import SCIMServer

__all__ = ["scim_client", "scim_server"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scim_server(**options): keyword arguments for the `scim_server` fixture's "
        "scimkit.testing.SCIMServer (scim_version='1.1', token=None, max_results=...)",
    )
    config.addinivalue_line(
        "markers",
        "scim_client(**options): keyword arguments for the `scim_client` fixture's "
        "scimkit.SCIMClient (retry_handlers=[...], raise_errors=True, strict=True, ...)",
    )


def _options(request: pytest.FixtureRequest, marker_name: str) -> dict[str, Any]:
    """The marker's keyword arguments (the closest marker wins), then the indirect
    parametrisation's, which win over the marker's."""
    options: dict[str, Any] = {}
    marker = request.node.get_closest_marker(marker_name)
    if marker is not None:
        if marker.args:
            raise TypeError(f"@pytest.mark.{marker_name} takes keyword arguments only")
        options.update(marker.kwargs)
    param = getattr(request, "param", None)
    if param is not None:
        if not isinstance(param, dict):
            raise TypeError(
                f"parametrize the {marker_name} fixture with dicts of options, not {param!r}"
            )
        options.update(param)
    return options


@pytest.fixture
def scim_server(request: pytest.FixtureRequest) -> Iterator[SCIMServer]:
    """A fresh local SCIM server for this test, stopped after it."""
    from scimkit.testing import SCIMServer

    with SCIMServer(**_options(request, "scim_server")) as server:
        yield server


@pytest.fixture
def scim_client(request: pytest.FixtureRequest, scim_server: SCIMServer) -> Iterator[SCIMClient]:
    """A client on `scim_server` with its token and SCIM version, closed after the test."""
    from scimkit import SCIMClient

    options: dict[str, Any] = {"token": scim_server.token, "scim_version": scim_server.scim_version}
    options.update(_options(request, "scim_client"))
    with SCIMClient(scim_server.url, **options) as client:
        yield client

"""The pytest plugin: `scim_server` and `scim_client` fixtures, their markers.

Used directly here (the plugin is loaded from its `pytest11` entry point, as in any project
that installs scimkit), and in a separate pytest run by `pytester`, the way a user's suite
meets it.
"""

from __future__ import annotations

import pytest

from scimkit import SCIMClient, User
from scimkit.retry import ServerErrorRetryHandler
from scimkit.testing import Fault, SCIMServer

from .conftest import SleepRecorder
from .documents import ROOT, python_blocks

pytest_plugins = ["pytester"]


def test_fixtures_give_a_running_server_and_a_client_on_it(
    scim_server: SCIMServer, scim_client: SCIMClient
) -> None:
    assert scim_client.base_url == scim_server.url
    created = scim_client.create_user(User(user_name="bjensen"))
    assert created.status_code == 201
    assert [u["userName"] for u in scim_server.resources("Users")] == ["bjensen"]
    assert [(r.method, r.path) for r in scim_server.requests] == [("POST", "/scim/v2/Users")]


def test_each_test_gets_an_empty_server(scim_server: SCIMServer, scim_client: SCIMClient) -> None:
    # The previous test created a user; this server has never seen it.
    assert scim_server.resources("Users") == []
    assert scim_client.search_users().total_results == 0


def test_plugin_fixtures_are_independent_of_our_conftest(
    scim_server: SCIMServer, server: SCIMServer
) -> None:
    assert scim_server is not server
    assert scim_server.port != server.port


@pytest.mark.scim_server(scim_version="1.1", token=None)
def test_server_marker_sets_server_options_and_client_follows(
    scim_server: SCIMServer, scim_client: SCIMClient
) -> None:
    assert scim_server.scim_version == "1.1"
    assert scim_server.token is None
    assert scim_client.scim_version == "1.1"
    assert scim_client.create_user(User(user_name="slack")).status_code == 201
    assert "Authorization" not in scim_server.requests[-1].headers


@pytest.mark.scim_client(retry_handlers=[ServerErrorRetryHandler(max_retry_count=2)])
def test_client_marker_and_fault_injection_through_the_fixture(
    scim_server: SCIMServer, scim_client: SCIMClient, sleeps: SleepRecorder
) -> None:
    scim_server.inject(Fault.status(503), times=2, method="POST")
    assert scim_client.create_user(User(user_name="retried")).status_code == 201
    assert [r.method for r in scim_server.requests] == ["POST", "POST", "POST"]
    assert len(sleeps.calls) == 2


@pytest.mark.parametrize(
    ("scim_server", "version"),
    [({"scim_version": "1.1"}, "1.1"), ({}, "2.0")],
    indirect=["scim_server"],
)
def test_indirect_parametrisation_passes_server_options(
    scim_server: SCIMServer, scim_client: SCIMClient, version: str
) -> None:
    assert scim_server.scim_version == version == scim_client.scim_version
    assert scim_client.search_users().ok


@pytest.mark.scim_server(scim_version="1.1")
@pytest.mark.parametrize("scim_server", [{"scim_version": "2.0"}], indirect=True)
def test_parametrisation_wins_over_the_marker(scim_server: SCIMServer) -> None:
    assert scim_server.scim_version == "2.0"


def test_markers_are_registered(pytestconfig: pytest.Config) -> None:
    lines = pytestconfig.getini("markers")
    assert any(line.startswith("scim_server(") for line in lines)
    assert any(line.startswith("scim_client(") for line in lines)


USER_TEST_FILE = """
import pytest

from scimkit import User
from scimkit.testing import Fault


def test_creates_a_user(scim_server, scim_client):
    scim_client.create_user(User(user_name="bjensen"))
    assert scim_server.requests[-1].method == "POST"
    assert scim_server.resources("Users")[0]["userName"] == "bjensen"


def test_sees_an_injected_fault(scim_server, scim_client):
    scim_server.inject(Fault.status(429, headers={"Retry-After": "0"}))
    assert scim_client.search_users().status_code == 429


@pytest.mark.scim_server(scim_version="1.1")
def test_marker(scim_client):
    assert scim_client.scim_version == "1.1"
    assert scim_client.search_users().ok


@pytest.mark.parametrize("scim_server", [{"max_results": 1}], indirect=True)
def test_parametrised(scim_server, scim_client):
    for name in ("a", "b"):
        scim_server.add_resource("Users", {"userName": name})
    assert len(scim_client.search_users().users) == 1
"""


def test_a_users_suite_finds_the_fixtures_without_importing_anything(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_provisioning=USER_TEST_FILE)
    result = pytester.runpytest("--strict-markers", "-W", "error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_the_markers_pass_strict_markers_in_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scim_server(token=None)
        @pytest.mark.scim_client(raise_errors=True)
        def test_options(scim_server, scim_client):
            assert scim_server.token is None
            assert scim_client.raise_errors
        """
    )
    result = pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["@pytest.mark.scim_server(**options):*"])


def test_a_server_marker_with_positional_arguments_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scim_server("1.1")
        def test_wrong(scim_server):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])


def test_the_server_is_stopped_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from scimkit import ConnectError, SCIMClient

        seen = []

        def test_one(scim_server):
            seen.append(scim_server.url)

        def test_after():
            with SCIMClient(seen[0], timeout=2) as client:
                with pytest.raises(ConnectError):
                    client.search_users()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_examples_in_docs_testing_md_pass_as_a_pytest_suite(pytester: pytest.Pytester) -> None:
    # tests/test_docs.py runs the page's blocks as a script; here pytest collects the same
    # code as a test module, so the fixtures, markers and parametrisation shown really run.
    pytester.makeconftest(
        """
        import pytest
        from scimkit.testing import SCIMServer

        @pytest.fixture
        def app():
            return SCIMServer(token="test-token")
        """
    )
    source = "\n\n".join(python_blocks(ROOT / "docs" / "testing.md"))
    pytester.makepyfile(test_docs_testing=source)
    result = pytester.runpytest("--strict-markers", "-W", "error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)

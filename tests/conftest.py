"""Shared fixtures: a local SCIM server per test, clients on it, recorded sleeps, the
command-line runner and a loopback forward proxy."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import scimkit._clock
from scimkit import SCIMClient
from scimkit.testing import SCIMServer

from .cli_helpers import CLI, TOKEN
from .forwarding_proxy import ForwardingProxy
from .interop import SCIM2

PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
)


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the machine's proxy settings."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


class SleepRecorder:
    """Stands in for `scimkit._clock.sleep`: records each wait, returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    @property
    def total(self) -> float:
        return sum(self.calls)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepRecorder:
    recorder = SleepRecorder()
    monkeypatch.setattr(scimkit._clock, "sleep", recorder)
    return recorder


@pytest.fixture
def server() -> Iterator[SCIMServer]:
    with SCIMServer() as running:
        yield running


@pytest.fixture
def client(server: SCIMServer) -> Iterator[SCIMClient]:
    with SCIMClient(server.url, token=server.token) as scim:
        yield scim


@pytest.fixture
def bare_client(server: SCIMServer) -> Iterator[SCIMClient]:
    """A client that never retries, so each injected fault is seen exactly once."""
    with SCIMClient(server.url, token=server.token, retry_handlers=[]) as scim:
        yield scim


@pytest.fixture
def v1_server() -> Iterator[SCIMServer]:
    with SCIMServer(scim_version="1.1") as running:
        yield running


@pytest.fixture
def v1_client(v1_server: SCIMServer) -> Iterator[SCIMClient]:
    with SCIMClient(v1_server.url, token=v1_server.token, scim_version="1.1") as scim:
        yield scim


@pytest.fixture
def scim() -> Iterator[SCIMServer]:
    """The server the command-line tests talk to, with a token they know."""
    with SCIMServer(token=TOKEN) as running:
        yield running


@pytest.fixture
def cli(scim: SCIMServer) -> CLI:
    return CLI({"SCIM_BASE_URL": scim.url, "SCIM_TOKEN": TOKEN})


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    running = ForwardingProxy()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.shutdown()
        running.server_close()
        thread.join()


@pytest.fixture(params=["scimkit", SCIM2])
def kind(request: pytest.FixtureRequest) -> str:
    """Which server an interop test runs against: ours, then scim2-server (Python 3.11+)."""
    name: str = request.param
    if name == SCIM2:
        pytest.importorskip("scim2_server", reason="scim2-server is not installed (Python 3.11+)")
    return name

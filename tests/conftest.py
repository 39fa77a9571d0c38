"""Shared fixtures: a local SCIM server per test, a client on it, and recorded sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import scimkit._clock
from scimkit import SCIMClient
from scimkit.testing import SCIMServer

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
def v1_server() -> Iterator[SCIMServer]:
    with SCIMServer(scim_version="1.1") as running:
        yield running


@pytest.fixture
def v1_client(v1_server: SCIMServer) -> Iterator[SCIMClient]:
    with SCIMClient(v1_server.url, token=v1_server.token, scim_version="1.1") as scim:
        yield scim

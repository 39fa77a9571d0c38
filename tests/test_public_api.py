"""The public names: explicit, sorted `__all__` lists that match what each module exports."""

from __future__ import annotations

import importlib

import pytest

import scimkit

PUBLIC_MODULES = [
    "scimkit",
    "scimkit.errors",
    "scimkit.models",
    "scimkit.responses",
    "scimkit.retry",
    "scimkit.testing",
    "scimkit.filters",
    "scimkit.client",
    "scimkit.discovery",
    "scimkit.wsgi",
    "scimkit.testing.pytest_plugin",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    names = module.__all__
    assert names == sorted(names)
    for attribute in names:
        assert hasattr(module, attribute), f"{name}.{attribute} is listed but missing"


def test_package_exports_the_slack_familiar_surface() -> None:
    for name in (
        "SCIMClient",
        "User",
        "UserName",
        "UserEmail",
        "Group",
        "GroupMember",
        "SearchUsersResponse",
        "ReadUserResponse",
        "UserCreateResponse",
        "UserPatchResponse",
        "UserUpdateResponse",
        "UserDeleteResponse",
        "SCIMResponse",
        "SCIMError",
        "__version__",
    ):
        assert name in scimkit.__all__


def test_version_is_the_one_in_version_module() -> None:
    from scimkit._version import __version__

    assert scimkit.__version__ == __version__


def test_the_pytest_plugin_is_registered_under_pytest11() -> None:
    from importlib.metadata import entry_points

    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins.get("scimkit") == "scimkit.testing.pytest_plugin"

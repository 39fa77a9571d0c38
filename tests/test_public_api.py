"""The public names: explicit, sorted `__all__` lists that match what each module exports."""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import sys

import pytest

import scimkit


def public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with `_`."""
    found = ["scimkit"]
    for info in pkgutil.walk_packages(scimkit.__path__, "scimkit."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


PUBLIC_MODULES = public_modules()


def test_the_walk_finds_the_public_modules() -> None:
    assert {
        "scimkit",
        "scimkit.aio",
        "scimkit.cli",
        "scimkit.client",
        "scimkit.discovery",
        "scimkit.errors",
        "scimkit.filters",
        "scimkit.models",
        "scimkit.models.user",
        "scimkit.responses",
        "scimkit.retry",
        "scimkit.retry.handler",
        "scimkit.testing",
        "scimkit.testing.pytest_plugin",
        "scimkit.wsgi",
    } <= set(PUBLIC_MODULES)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    names = getattr(module, "__all__", None)
    assert isinstance(names, list), f"{name} has no __all__ list"
    assert all(isinstance(attribute, str) for attribute in names)
    assert names == sorted(names), f"{name}.__all__ is not sorted"
    assert len(set(names)) == len(names), f"{name}.__all__ repeats a name"
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


def test_version_is_the_installed_distributions() -> None:
    assert scimkit.__version__ == importlib.metadata.version("scimkit")


def test_the_pytest_plugin_is_registered_under_pytest11() -> None:
    if sys.version_info >= (3, 10):
        registered = importlib.metadata.entry_points(group="pytest11")
    else:  # 3.9: a dict of every group's entry points, no `group=` selection
        registered = importlib.metadata.entry_points().get("pytest11", [])
    plugins = {e.name: e.value for e in registered}
    assert plugins.get("scimkit") == "scimkit.testing.pytest_plugin"

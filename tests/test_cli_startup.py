"""What the `scimkit` command loads: `--version`, `--help` and usage errors only the parser,
a command only what it runs.

Admin tools shell out to `scimkit` once per call, so start-up is paid every time. Each check
runs `scimkit` as `python -m scimkit` does (runpy) in a fresh interpreter, which writes the
names of the modules it loaded as it exits. Timing is not asserted: `benchmarks/imports.py`
prints it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scimkit.testing import SCIMServer

from .cli_helpers import TOKEN, add_user

# What only a command (or `-v`) needs, never argument parsing.
NOT_FOR_PARSING = {
    "csv",  # export, import and `--format csv`
    "dataclasses",
    "getpass",  # the token prompt
    "inspect",
    "logging",  # `-v`
    "traceback",  # `-v` on an error
    "unicodedata",  # table widths
    "scimkit._cli.commands",
    "scimkit._cli.common",
    "scimkit._cli.connection",
    "scimkit._cli.dispatch",
    "scimkit._cli.inspection",
    "scimkit._cli.output",
    "scimkit._cli.progress",
    "scimkit._cli.service",
    "scimkit._cli.sync",
    "scimkit._cli.transfer",
    "scimkit._cli.verbose",
    "scimkit._paging",
    "scimkit.filters",
    "scimkit.sync",
    "scimkit.testing",
}

# The scimkit modules argument parsing adds to what `import scimkit` loads.
PARSER_MODULES = {
    "scimkit._cli",
    "scimkit._cli.console",
    "scimkit._cli.parser",
    "scimkit.cli",
}


# Runs `scimkit` as `python -m` does, then writes the names of the loaded modules to a file
# as the interpreter exits (`-X importtime` would miss those `importlib` loads).
HARNESS = """\
import atexit, sys
def record(path=sys.argv[1]):
    with open(path, "w", encoding="utf-8") as out:
        out.write("\\n".join(sorted(sys.modules)))
atexit.register(record)
del sys.argv[1]
if len(sys.argv) > 1 and sys.argv[1] == "--import-only":
    import scimkit
else:
    import runpy
    sys.argv[0] = "scimkit"
    runpy.run_module("scimkit", run_name="__main__", alter_sys=True)
"""


class Run:
    def __init__(self, done: subprocess.CompletedProcess[str], modules: set[str]) -> None:
        self.code = done.returncode
        self.out = done.stdout
        self.err = done.stderr
        self.modules = modules


def run_python(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> Run:
    """The harness in a fresh interpreter, with a clean SCIM environment."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SCIM_")}
    environ.update(env or {})
    record = tmp_path / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, str(record), *argv],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    return Run(done, set(record.read_text(encoding="utf-8").split()))


@pytest.fixture(scope="module")
def package_modules(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """What `import scimkit` alone loads."""
    done = run_python(tmp_path_factory.mktemp("package"), "--import-only")
    assert done.code == 0, done.err
    return done.modules


@pytest.fixture
def scimkit(tmp_path: Path) -> Callable[..., Run]:
    """`python -m scimkit ARGV...`, as a function of ARGV (and `env=`)."""

    def run(*argv: str, env: dict[str, str] | None = None) -> Run:
        return run_python(tmp_path, *argv, env=env)

    return run


def test_version_loads_the_parser_and_no_command_logging_or_dataclasses(
    scimkit: Callable[..., Run], package_modules: set[str]
) -> None:
    done = scimkit("--version")
    assert done.code == 0, done.err
    assert done.out.startswith("scimkit ")
    added = {name for name in done.modules - package_modules if name.startswith("scimkit")}
    assert added == PARSER_MODULES
    assert done.modules & NOT_FOR_PARSING == set()


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["users", "--help"],
        ["users", "list", "--help"],
        ["groups", "add-member", "--help"],
        ["sync", "--help"],
        ["serve", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_only_the_parser(
    scimkit: Callable[..., Run], argv: list[str], package_modules: set[str]
) -> None:
    done = scimkit(*argv)
    assert done.code == 0, done.err
    assert done.out.startswith("usage: scimkit")
    assert "examples:" in done.out
    added = {name for name in done.modules - package_modules if name.startswith("scimkit")}
    assert added == PARSER_MODULES
    assert done.modules & NOT_FOR_PARSING == set()


@pytest.mark.parametrize(
    "argv",
    [[], ["users"], ["users", "lst"], ["nothing"], ["users", "list", "--limit", "zero"]],
    ids=lambda argv: " ".join(argv) or "(none)",
)
def test_a_usage_error_loads_only_the_parser(scimkit: Callable[..., Run], argv: list[str]) -> None:
    done = scimkit(*argv)
    assert done.code == 2
    assert "usage: scimkit" in done.err
    assert done.modules & NOT_FOR_PARSING == set()


@pytest.fixture
def server() -> Iterator[SCIMServer]:
    with SCIMServer(token=TOKEN) as running:
        add_user(running, "ann")
        yield running


def test_users_list_loads_its_command_and_not_the_others(
    scimkit: Callable[..., Run], server: SCIMServer
) -> None:
    done = scimkit("users", "list", env={"SCIM_BASE_URL": server.url, "SCIM_TOKEN": TOKEN})
    assert done.code == 0, done.err
    assert [user["userName"] for user in json.loads(done.out)] == ["ann"]
    assert {"scimkit._cli.commands", "scimkit._cli.connection"} <= done.modules
    others = {
        "csv",
        "logging",
        "dataclasses",
        "inspect",
        "scimkit._cli.inspection",
        "scimkit._cli.service",
        "scimkit._cli.sync",
        "scimkit._cli.transfer",
        "scimkit._cli.verbose",
        "scimkit.filters",
        "scimkit.sync",
        "scimkit.testing",
    }
    assert done.modules & others == set()


def test_verbose_loads_logging_and_logs_each_request(
    scimkit: Callable[..., Run], server: SCIMServer
) -> None:
    done = scimkit("-v", "users", "list", env={"SCIM_BASE_URL": server.url, "SCIM_TOKEN": TOKEN})
    assert done.code == 0, done.err
    assert {"logging", "scimkit._cli.verbose"} <= done.modules
    assert "DEBUG scimkit" in done.err and "GET " in done.err
    assert TOKEN not in done.err

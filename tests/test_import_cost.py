"""What `import scimkit` loads: the client and its models, and nothing only some programs need.

Each check runs in a fresh interpreter (a subprocess), since this one has long imported
everything. Timing is not asserted here: `benchmarks/imports.py` prints the ratio to the
standard-library floor (`docs/architecture.md`, "Import cost").
"""

from __future__ import annotations

import functools
import importlib
import json
import subprocess
import sys
import textwrap

import pytest

from scimkit._lazy_re import LazyPattern
from scimkit.testing import SCIMServer

# Every module `import scimkit` loads of scimkit: the client's path, from the models up.
# Not in it: `_proxy` and the retry handlers (the first client), `_bulk` (bulk
# calls), `_paging` (the iterators), `discovery` (`discover()`), `_sentinel` (the local
# server's `NOT_GIVEN`), the retry interval calculators and jitter (the first retry).
CLIENT_MODULES = {
    "scimkit",
    "scimkit._args",
    "scimkit._clock",
    "scimkit._lazy_re",
    "scimkit._operations",
    "scimkit._pool",
    "scimkit._request",
    "scimkit._schemas",
    "scimkit._send",
    "scimkit._version",
    "scimkit._watchdog",
    "scimkit._wire",
    "scimkit.client",
    "scimkit.errors",
    "scimkit.models",
    "scimkit.models._base",
    "scimkit.models.group",
    "scimkit.models.messages",
    "scimkit.models.resource",
    "scimkit.models.user",
    "scimkit.responses",
    "scimkit.retry",
    "scimkit.retry.state",
    "scimkit.transports",
}

# Standard-library modules scimkit imports only when a program uses what needs them.
NOT_LOADED = {
    "argparse",  # the CLI
    "asyncio",  # scimkit.aio
    "concurrent.futures",  # scimkit.aio
    "csv",  # the CLI's export and import
    "dataclasses",
    "difflib",  # a "Did you mean" hint
    "inspect",
    "logging",  # only once the program imports it
    "numbers",  # an argument that is neither int nor float
    "platform",  # os.uname() names the system
    "textwrap",
    "threading",  # the deadline watchdog's first exchange
    "traceback",
    "wsgiref",  # scimkit.wsgi
}

LAZY_SUBMODULES = ("aio", "cli", "discovery", "filters", "sync", "testing", "wsgi")


def fresh(code: str) -> dict[str, object]:
    """Run `code` in a fresh interpreter; it leaves its findings in the dict `out`."""
    script = "import json, sys\nout = {}\n" + textwrap.dedent(code)
    script += "\nout['modules'] = sorted(sys.modules)\nprint(json.dumps(out))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def scimkit_modules(found: dict[str, object]) -> set[str]:
    modules = found["modules"]
    assert isinstance(modules, list)
    return {name for name in modules if name == "scimkit" or name.startswith("scimkit.")}


@functools.cache
def floor_modules() -> frozenset[str]:
    """What the standard library the client needs loads by itself: on Python 3.9,
    `urllib.request` already brings `threading` (through `tempfile`, `shutil` and `bz2`)."""
    modules = fresh("import json, http.client, ssl, urllib.request")["modules"]
    assert isinstance(modules, list)
    return frozenset(modules)


def stdlib_loaded(found: dict[str, object]) -> set[str]:
    """The modules of NOT_LOADED that `found` shows loaded, beyond what the floor loads."""
    modules = found["modules"]
    assert isinstance(modules, list)
    return (NOT_LOADED - floor_modules()) & set(modules)


@pytest.mark.parametrize("statement", ["import scimkit", "from scimkit import SCIMClient"])
def test_import_loads_the_client_modules_and_nothing_else(statement: str) -> None:
    found = fresh(statement)
    assert scimkit_modules(found) == CLIENT_MODULES
    assert stdlib_loaded(found) == set()


def test_making_a_client_imports_neither_platform_nor_logging() -> None:
    found = fresh(
        """
        from scimkit import SCIMClient
        client = SCIMClient("https://scim.example.com/scim/v2", token="t0ken")
        out["user_agent"] = client.user_agent
        out["before"] = sorted({"platform", "logging", "threading"} & set(sys.modules))
        import platform
        out["system"] = f"{platform.system()}/{platform.release()}"
        """
    )
    before = found["before"]
    assert isinstance(before, list) and set(before) <= floor_modules()
    # The User-Agent names the system as platform does, without importing it.
    assert isinstance(found["user_agent"], str) and isinstance(found["system"], str)
    assert found["user_agent"].endswith(" " + found["system"])


def test_calls_log_once_the_program_imports_logging(server: SCIMServer) -> None:
    found = fresh(
        f"""
        from scimkit import SCIMClient, User
        client = SCIMClient({server.url!r}, token={server.token!r})
        created = client.create_user(User(user_name="lazy.logging"))
        out["status"] = created.status_code
        out["logging_after_call"] = "logging" in sys.modules
        out["threading_after_call"] = "threading" in sys.modules

        import io, logging
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        logging.getLogger("scimkit").addHandler(handler)
        logging.getLogger("scimkit").setLevel(logging.DEBUG)
        read = client.read_user(created.user.id)
        out["read_status"] = read.status_code
        out["log"] = stream.getvalue()
        """
    )
    assert found["status"] == 201 and found["read_status"] == 200
    # Nothing could have shown a record, and none was made; the watchdog needed its thread.
    assert found["logging_after_call"] is False
    assert found["threading_after_call"] is True
    log = found["log"]
    assert isinstance(log, str)
    assert "sending GET" in log and "received 200 for GET" in log
    assert server.token and server.token not in log  # redaction as before


def test_lazy_submodules_import_on_first_use() -> None:
    names = list(LAZY_SUBMODULES)
    found = fresh(
        f"""
        import scimkit
        out["before"] = [n for n in {names!r} if "scimkit." + n in sys.modules]
        out["listed"] = [n for n in {names!r} if n in dir(scimkit)]
        out["resolved"] = [getattr(scimkit, n).__name__ for n in {names!r}]
        out["server"] = scimkit.testing.SCIMServer.__name__
        try:
            scimkit.no_such_thing
        except AttributeError as error:
            out["missing"] = str(error)
        """
    )
    assert found["before"] == []
    assert found["listed"] == names
    assert found["resolved"] == [f"scimkit.{name}" for name in names]
    assert found["server"] == "SCIMServer"
    assert found["missing"] == "module 'scimkit' has no attribute 'no_such_thing'"


@pytest.mark.parametrize("package", ["scimkit", "scimkit.models"])
def test_every_public_name_is_importable_and_listed(package: str) -> None:
    names = list(importlib.import_module(package).__all__)
    found = fresh(
        f"""
        import {package} as package
        out["lazy"] = "scimkit.models.discovery" not in sys.modules
        out["dir"] = [n for n in {names!r} if n not in dir(package)]
        for name in {names!r}:
            exec(f"from {package} import {{name}}")
        out["count"] = len({names!r})
        out["discovery_models"] = "scimkit.models.discovery" in sys.modules
        """
    )
    # Listed and importable although part of them is loaded only now, on first use.
    assert found["lazy"] is True
    assert found["dir"] == []
    assert found["count"] == len(names) > 30
    assert found["discovery_models"] is True  # `Schema` and the others, loaded on first use


def test_discovery_models_load_on_first_use() -> None:
    found = fresh(
        """
        import scimkit
        out["before"] = "scimkit.models.discovery" in sys.modules
        config = scimkit.ServiceProviderConfig.from_dict({"patch": {"supported": True}})
        out["patch"] = config.patch.supported
        out["same"] = scimkit.models.Schema is scimkit.Schema
        """
    )
    assert found == {**found, "before": False, "patch": True, "same": True}


@pytest.mark.parametrize(
    ("method", "text", "span"),
    [
        ("fullmatch", "abc", (0, 3)),
        ("fullmatch", "abc1", None),
        ("match", "ab1", (0, 2)),
        ("search", "1ab", (1, 3)),
    ],
)
def test_lazy_pattern_matches_as_re_does(
    method: str, text: str, span: tuple[int, int] | None
) -> None:
    pattern = LazyPattern(r"[a-z]+")
    assert "fullmatch" not in vars(pattern)  # not compiled yet
    found = getattr(pattern, method)(text)
    assert (found.span() if found else None) == span
    # Compiled once: from now on each call goes straight to the compiled pattern's method.
    assert vars(pattern)["fullmatch"].__self__.pattern == r"[a-z]+"
    again = getattr(pattern, method)(text)
    assert (again.span() if again else None) == span


def test_what_only_some_calls_need_loads_with_the_first_such_call(server: SCIMServer) -> None:
    found = fresh(
        f"""
        from scimkit import BulkOperation, SCIMClient, User
        lazy = {{
            "paging": "scimkit._paging",
            "bulk": "scimkit._bulk",
            "discovery": "scimkit.discovery",
            "calculators": "scimkit.retry.interval_calculator",
            "jitter": "scimkit.retry.jitter",
            "sentinel": "scimkit._sentinel",
        }}
        def loaded():
            return sorted(key for key, module in lazy.items() if module in sys.modules)

        out["before_a_client"] = [
            m for m in ("_proxy", "retry.handler", "retry.builtin_handlers")
            if "scimkit." + m in sys.modules
        ]
        client = SCIMClient({server.url!r}, token={server.token!r})
        out["with_a_client"] = [type(h).__name__ for h in client.retry_handlers]
        client.create_user(User(user_name="lazy.modules"))
        from scimkit.retry import RateLimitErrorRetryHandler
        handler = RateLimitErrorRetryHandler(max_retry_count=2)
        out["after_a_call"] = loaded()
        out["users"] = [user.user_name for user in client.iter_users(page_size=10)]
        out["after_paging"] = loaded()
        post = BulkOperation(method="POST", path="/Users", bulk_id="b", data={{"userName": "b"}})
        out["bulk_failed"] = client.bulk([post]).failed
        out["after_bulk"] = loaded()
        out["patch_supported"] = client.discover().supports("patch")
        out["after_discover"] = loaded()
        out["calculator"] = type(handler.interval_calculator).__name__
        out["after_calculator"] = loaded()
        """
    )
    assert found["before_a_client"] == []
    assert found["with_a_client"] == ["ConnectionErrorRetryHandler"]
    assert found["after_a_call"] == []
    assert found["users"] == ["lazy.modules"]
    assert found["after_paging"] == ["paging"]
    assert found["bulk_failed"] == []
    assert found["after_bulk"] == ["bulk", "discovery", "paging"]  # its limits: bulk_limits
    assert found["patch_supported"] is True
    assert found["after_discover"] == ["bulk", "discovery", "paging"]
    assert found["calculator"] == "BackoffRetryIntervalCalculator"
    assert found["after_calculator"] == ["bulk", "calculators", "discovery", "jitter", "paging"]


def test_retry_names_are_listed_and_importable_before_their_modules_load() -> None:
    import scimkit.retry

    names = list(scimkit.retry.__all__)
    found = fresh(
        f"""
        import scimkit.retry as retry
        out["before"] = [
            m for m in ("handler", "builtin_handlers", "interval_calculator", "jitter")
            if "scimkit.retry." + m in sys.modules
        ]
        out["dir"] = [n for n in {names!r} if n not in dir(retry)]
        for name in {names!r}:
            exec(f"from scimkit.retry import {{name}}")
        handler = retry.RetryHandler(
            interval_calculator=retry.FixedValueRetryIntervalCalculator(2.0)
        )
        out["given"] = repr(handler.interval_calculator)
        try:
            retry.RetryHandler(interval_calculator=2.0)
        except TypeError as error:
            out["refused"] = "interval_calculator" in str(error)
        try:
            retry.NoSuchCalculator
        except AttributeError as error:
            out["missing"] = str(error)
        """
    )
    assert found["before"] == []
    assert found["dir"] == []
    assert found["given"] == "FixedValueRetryIntervalCalculator(2.0)"
    assert found["refused"] is True
    assert found["missing"] == "module 'scimkit.retry' has no attribute 'NoSuchCalculator'"


def test_not_given_is_one_falsy_object_that_copies_and_pickles_as_itself() -> None:
    import copy
    import pickle

    from scimkit import NOT_GIVEN, NotGiven

    assert NotGiven() is NOT_GIVEN and NotGiven.NOT_GIVEN is NOT_GIVEN
    assert copy.copy(NOT_GIVEN) is NOT_GIVEN and copy.deepcopy([NOT_GIVEN])[0] is NOT_GIVEN
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(NOT_GIVEN, protocol)) is NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN" and not NOT_GIVEN
    assert isinstance(NOT_GIVEN, NotGiven) and not isinstance(None, NotGiven)

"""`python -m scimkit demo` runs the whole flow in a fresh process."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("version", ["2.0", "1.1"])
def test_demo_runs_every_step_and_exits_zero(version: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scimkit", "demo", "--scim-version", version],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for step in (
        "1. Create users",
        "2. Search",
        "3. Patch",
        "4. Groups",
        "5. Paging",
        "6. A rate-limited call",
        "7. Delete",
        "done.",
    ):
        assert step in out
    assert "POST" in out and "-> 201" in out and "-> 204" in out
    assert "the server saw 2 attempts: 429, then 200" in out
    assert "totalResults=0" in out
    assert "Bearer" not in out and done.stderr == ""

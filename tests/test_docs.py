"""The Python examples in README.md and docs/ run, in order, against a local SCIM server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scimkit.testing import SCIMServer

from .documents import ROOT, python_blocks

ALL_DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTS = [path for path in ALL_DOCUMENTS if python_blocks(path)]


def test_readme_has_examples_to_run() -> None:
    assert len(python_blocks(ROOT / "README.md")) >= 5


def test_readme_shows_the_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -e . && python -m scimkit demo" in text
    assert "pip install -e '.[test]' && python -m pytest" in text


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_examples_in_document_run(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = python_blocks(path)
    # Paths in examples (the test certificate in tests/data) are relative to the repository.
    monkeypatch.chdir(ROOT)
    with SCIMServer() as server:
        monkeypatch.setenv("SCIM_BASE_URL", server.url)
        assert server.token is not None
        monkeypatch.setenv("SCIM_TOKEN", server.token)
        namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
        for number, code in enumerate(blocks, 1):
            try:
                exec(compile(code, f"{path.name}[block {number}]", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{path.name} block {number} failed: {exc!r}\n{code}")
    capsys.readouterr()


def test_every_test_named_in_the_reliability_page_exists() -> None:
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", text)
    assert len(named) >= 30
    for file, test in named:
        source = (ROOT / "tests" / file).read_text(encoding="utf-8")
        assert f"def {test}(" in source, f"docs/reliability.md names {file}::{test}"

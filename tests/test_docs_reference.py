"""The reference pages are complete: every exception in docs/errors.md."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import scimkit.errors

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def headings(path: Path) -> list[str]:
    """The `### ` headings of a page, as written."""
    text = path.read_text(encoding="utf-8")
    return re.findall(r"^### (.+)$", text, re.MULTILINE)


def test_every_exception_class_in_scimkit_errors_has_a_reference_entry() -> None:
    classes = {
        name
        for name, value in inspect.getmembers(scimkit.errors, inspect.isclass)
        if issubclass(value, BaseException) and value.__module__ == "scimkit.errors"
    }
    assert classes <= set(scimkit.errors.__all__), "an exception class is missing from __all__"
    documented = {
        match.group(1) for h in headings(DOCS / "errors.md") if (match := re.match(r"`(\w+)", h))
    }
    missing = sorted(set(scimkit.errors.__all__) - documented)
    assert not missing, f"docs/errors.md has no '### `Name`' entry for {missing}"


def test_the_error_tree_in_the_page_names_every_exception_class() -> None:
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    tree = text.split("```text", 1)[1].split("```", 1)[0]
    for name, value in inspect.getmembers(scimkit.errors, inspect.isclass):
        if issubclass(value, BaseException) and value.__module__ == "scimkit.errors":
            assert re.search(rf"\b{name}\b", tree), f"the tree in docs/errors.md lacks {name}"

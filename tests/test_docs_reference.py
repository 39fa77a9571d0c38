"""The reference pages are complete and current: every exception in docs/errors.md, and the
generated API reference in docs/api/ as `docs/api/generate.py` writes it today."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import scimkit.errors

from .documents import ROOT

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


GENERATOR = DOCS / "api" / "generate.py"


def run_generator(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_committed_api_reference_is_what_the_generator_writes_today(tmp_path: Path) -> None:
    result = run_generator(tmp_path)
    assert result.returncode == 0, result.stderr
    fresh = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.md")}
    committed = {
        path.name: path.read_text(encoding="utf-8") for path in (DOCS / "api").glob("*.md")
    }
    assert sorted(committed) == sorted(fresh), "run: python docs/api/generate.py"
    stale = sorted(name for name in fresh if fresh[name] != committed[name])
    assert not stale, f"docs/api is stale ({stale}); run: python docs/api/generate.py"


def test_every_public_name_has_a_docstring(tmp_path: Path) -> None:
    result = run_generator(tmp_path)
    missing = [line for line in result.stderr.splitlines() if line.startswith("no docstring")]
    assert not missing, "\n".join(missing)
    assert result.returncode == 0, result.stderr


def test_the_api_reference_is_deterministic_and_holds_no_addresses_or_local_paths(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert run_generator(first).returncode == 0
    assert run_generator(second).returncode == 0
    for page in first.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert text == (second / page.name).read_text(encoding="utf-8")
        assert not re.search(r" at 0x[0-9a-fA-F]+", text), page.name
        assert str(ROOT) not in text, page.name
        assert not re.search(r"(?<![\w.:/])/[\w.-]+/[\w./-]*\.py\b", text), page.name


def test_every_public_module_has_a_page_listed_in_the_api_index() -> None:
    index = (DOCS / "api" / "index.md").read_text(encoding="utf-8")
    pages = sorted(path.name for path in (DOCS / "api").glob("*.md") if path.name != "index.md")
    assert "scimkit.md" in pages and "scimkit.errors.md" in pages
    for name in pages:
        assert f"]({name})" in index, f"docs/api/index.md does not link {name}"


def test_the_documentation_index_links_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w./-]+\.md)(?:#[\w-]*)?\)", index))
    pages = {path.name for path in DOCS.glob("*.md") if path.name != "index.md"}
    missing = sorted(pages - linked)
    assert not missing, f"docs/index.md does not link {missing}"
    assert "api/index.md" in linked


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings (repeats get `-1`, `-2`...)."""
    text = re.sub(r"^(```|````).*?^\1", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, number = slug, 0
        while candidate in found:
            number += 1
            candidate = f"{slug}-{number}"
        found.add(candidate)
    return found


def test_links_between_pages_point_at_pages_and_headings_that_exist() -> None:
    pages = [ROOT / "README.md", *DOCS.glob("*.md"), *(DOCS / "api").glob("*.md")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target, fragment in re.findall(r"\]\(([\w./-]*\.md|)(?:#([\w-]+))?\)", text):
            linked = (page.parent / target).resolve() if target else page
            assert linked.is_file(), f"{page.name} links {target}"
            if fragment:
                assert fragment in anchors(linked), f"{page.name} links {target}#{fragment}"

"""CI packaging check: build the sdist and wheel, look inside, and run the wheel in a fresh venv.

    python .ci/package.py

`python -m build` makes the sdist, then the wheel from that sdist (so the sdist is known to
build). The wheel is installed with `--no-index --no-deps` into a new virtual environment:
scimkit needs nothing but the standard library at run time, so nothing else may be fetched.
`python -m scimkit demo` then runs from a directory outside the repository, so that only the
installed copy can be imported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from email.parser import HeaderParser
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent

#: What the sdist must hold besides the package: enough to build the wheel and run the tests.
SDIST_MUST_HOLD = [
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "src/scimkit/__init__.py",
    "src/scimkit/py.typed",
    "tests/conftest.py",
    "tests/test_docs.py",
    "tests/data/localhost-cert.pem",
    "docs/index.md",
]


def fail(message: str) -> NoReturn:
    sys.exit(f"package check failed: {message}")


def run(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    capture: bool = False,
    timeout: float | None = None,
) -> str:
    """Run a command, failing the check if it fails; its standard output when captured."""
    print("+", " ".join(command), flush=True)
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=capture, text=True, timeout=timeout
    )
    if done.returncode != 0:
        fail(
            f"{' '.join(command)} exited {done.returncode}\n{done.stdout or ''}{done.stderr or ''}"
        )
    return done.stdout or ""


def only(paths: list[Path], kind: str) -> Path:
    if len(paths) != 1:
        fail(f"expected one {kind}, found {[p.name for p in paths]}")
    return paths[0]


def check_wheel(wheel: Path) -> str:
    """The version in the wheel's metadata, after checking what the wheel holds."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = only(
            [Path(n) for n in names if n.endswith(".dist-info/METADATA")], "METADATA"
        )
        metadata = HeaderParser().parsestr(archive.read(str(metadata_name)).decode())
    if "scimkit/py.typed" not in names:
        fail(f"{wheel.name} has no scimkit/py.typed")
    strays = sorted({n.split("/")[0] for n in names} - {"scimkit", metadata_name.parts[0]})
    if strays:
        fail(f"{wheel.name} holds more than the package: {strays}")
    # Run time is the standard library only: every requirement must belong to an extra.
    required = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    if required:
        fail(f"{wheel.name} requires {required} outside any extra")
    return str(metadata["Version"])


def check_sdist(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        held = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = [name for name in SDIST_MUST_HOLD if name not in held]
    if missing:
        fail(f"{sdist.name} lacks {missing}")
    stray = sorted(name for name in held if "__pycache__" in name or name.endswith(".pyc"))
    if stray:
        fail(f"{sdist.name} holds compiled files: {stray[:5]}")


def pyproject_version() -> str | None:
    """The version pyproject.toml gives: `[project] version`, or the string assigned to the
    module attribute named by `[tool.setuptools.dynamic] version = {attr = ...}`, read from
    its source as setuptools reads it. None before Python 3.11 (no tomllib)."""
    try:
        import tomllib
    except ImportError:
        return None
    with open(ROOT / "pyproject.toml", "rb") as file:
        config = tomllib.load(file)
    if "version" in config["project"]:
        return str(config["project"]["version"])
    dynamic = config.get("tool", {}).get("setuptools", {}).get("dynamic", {})
    module, _, name = str(dynamic.get("version", {}).get("attr", "")).rpartition(".")
    if not module:
        fail("pyproject.toml gives no version and no version attr")
    source = (ROOT / "src" / Path(*module.split("."))).with_suffix(".py").read_text()
    found = re.search(rf"^{re.escape(name)}\s*=\s*[\"']([^\"']+)[\"']", source, re.MULTILINE)
    if found is None:
        fail(f"no {name} = '...' in the source of {module}")
    return found.group(1)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="scimkit-package-"))
    try:
        dist = work / "dist"
        run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], capture=True)
        wheel = only(sorted(dist.glob("*.whl")), "wheel")
        sdist = only(sorted(dist.glob("*.tar.gz")), "sdist")
        built_version = check_wheel(wheel)
        check_sdist(sdist)
        stated = pyproject_version()
        if stated is not None and stated != built_version:
            fail(f"pyproject.toml says version {stated}, the wheel says {built_version}")

        env_dir = work / "venv"
        venv.create(env_dir, with_pip=True)
        python = str(env_dir / ("Scripts" if os.name == "nt" else "bin") / "python")
        run([python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel)])

        outside = work / "elsewhere"
        outside.mkdir()
        clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        where = run(
            [python, "-c", "import scimkit; print(scimkit.__file__); print(scimkit.__version__)"],
            cwd=outside,
            env=clean_env,
            capture=True,
        ).split()
        if not where[0].startswith(str(env_dir)):
            fail(f"scimkit was imported from {where[0]}, not from the fresh venv")
        if where[1] != built_version:
            fail(f"installed scimkit.__version__ is {where[1]}, the wheel says {built_version}")
        run(
            [python, "-m", "scimkit", "demo"], cwd=outside, env=clean_env, capture=True, timeout=120
        )
        print(f"package check: {wheel.name} and {sdist.name} are fine (version {built_version})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

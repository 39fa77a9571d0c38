"""What importing scimkit costs a fresh interpreter, next to the standard library it needs.

    python benchmarks/imports.py [--runs 21]

The floor is `import json, http.client, ssl, urllib.request`: the standard-library modules
the client cannot do without. Each case runs in its own fresh interpreter, with bytecode
caches present (a private `PYTHONPYCACHEPREFIX`, warmed once, because the project's
environment sets `PYTHONDONTWRITEBYTECODE`), and times itself from its first statement to its
last, so interpreter start-up is left out of every figure. The clock is the process's CPU
time (`time.process_time`): with the bytecode cached an import is CPU work, and CPU time does
not grow when other processes share the machine. The cases run in turn, round after round,
and each figure is the median of its rounds.

- `import scimkit`: the package;
- `from scimkit import SCIMClient`: what a script does;
- the CLI: `python -m scimkit --version` and `users --help` (runpy, as `-m` does, through
  argument parsing), and what a `users list` run loads before its first request: the
  arguments parsed, the handler and its modules imported (`--version` and `--help` load only
  the parser; tests/test_cli_startup.py checks which modules).

Prints the figures; asserts nothing (`tests/test_import_cost.py` checks which modules load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
FLOOR = "import json, http.client, ssl, urllib.request"
CASES = {
    "floor": FLOOR,
    "import scimkit": "import scimkit",
    "from scimkit import SCIMClient": "from scimkit import SCIMClient",
    "python -m scimkit --version": (
        "import runpy, sys\n"
        "    sys.argv = ['scimkit', '--version']\n"
        "    try:\n"
        "        runpy.run_module('scimkit', run_name='__main__', alter_sys=True)\n"
        "    except SystemExit:\n"
        "        pass"
    ),
    "python -m scimkit users --help": (
        "import runpy, sys\n"
        "    sys.argv = ['scimkit', 'users', '--help']\n"
        "    try:\n"
        "        runpy.run_module('scimkit', run_name='__main__', alter_sys=True)\n"
        "    except SystemExit:\n"
        "        pass"
    ),
    "scimkit users list, up to its first request": (
        "from scimkit.cli import build_parser\n"
        "    from scimkit._cli.connection import Session\n"
        "    from scimkit._cli.dispatch import handler\n"
        "    import scimkit._paging\n"
        "    args = build_parser().parse_args(['users', 'list', '--base-url', 'http://x/'])\n"
        "    handler(args.command, args.action)"
    ),
}
# The timing goes to stderr as the last line: the CLI case prints its version on stdout.
TIMED = """\
import time
start = time.process_time()
try:
    {body}
finally:
    import sys
    sys.stderr.write("\\n%r\\n" % (time.process_time() - start))
"""
TARGET = 1.3
#: Cases with a target of their own (argparse and the parser come on top of the package).
TARGETS = {"python -m scimkit --version": 1.5}


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "scimkit-bench-pyc")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    return env


def run_once(code: str, env: dict[str, str]) -> float:
    """Seconds the code took in a fresh interpreter, as it measured itself."""
    done = subprocess.run(
        [sys.executable, "-c", TIMED.format(body=code)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stderr.strip().splitlines()[-1])


def measure(runs: int = 21) -> dict[str, float]:
    """Median milliseconds of each case over `runs` rounds, the cases alternating."""
    env = environment()
    for code in CASES.values():
        run_once(code, env)  # writes the bytecode caches
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, code in CASES.items():
            times[name].append(run_once(code, env))
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def report(runs: int = 21) -> None:
    """Print the ratio of each case to the floor."""
    figures = measure(runs)
    floor = figures.pop("floor")
    for name, ms in figures.items():
        target = TARGETS.get(name, TARGET if name.startswith(("import", "from")) else None)
        print(
            f"  {name}: {ms:.1f} ms over a floor of {floor:.1f} ms = {ms / floor:.2f}x"
            + (f" (target <= {target}x)" if target else "")
        )
    print(f"  (fresh interpreters, bytecode cached, median of {runs} alternating runs;")
    print(f"   floor = {FLOOR})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="rounds (the median is shown)")
    args = parser.parse_args(argv)
    report(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What a command talks to (streams, environment, prompt, clock) and how it ends (exit codes).

Commands never touch `sys` directly: `Console.system()` wraps the real process, and tests pass
a `Console` of `io.StringIO` streams that may claim to be terminals.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import Callable, TextIO

__all__ = [
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "FORMATS",
    "CommandFailed",
    "Console",
    "UsageError",
]

EXIT_OK = 0
#: The server answered, and the answer was no (or an import row failed).
EXIT_REFUSED = 1
#: The command line is wrong: argparse's own code for usage errors.
EXIT_USAGE = 2
#: The exchange itself failed: connection, timeout, TLS, proxy, a broken answer.
EXIT_NETWORK = 3

#: What `--format` accepts (the writers are in `output`; the parser needs only the names).
FORMATS = ("table", "json", "jsonl", "csv")


class UsageError(Exception):
    """The command cannot run as given (exit 2): a missing option, bad JSON, a file that will
    not open. The message is shown as one line."""


class CommandFailed(Exception):
    """The command ran and could not do what was asked (exit 1), without a server error to
    show: no user has that userName, two do."""


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _getpass(prompt: str) -> str:
    # getpass (and the termios it loads) only when a token is actually asked for.
    import getpass

    return getpass.getpass(prompt)


class Console:
    """The outside world of one command run.

    A plain slotted class rather than a dataclass: `scimkit --version` builds one, and
    `dataclasses` (with the `inspect` it loads) cost more than the rest of start-up.
    """

    __slots__ = (
        "clock",
        "environ",
        "prompt",
        "stderr",
        "stderr_is_tty",
        "stdin",
        "stdin_is_tty",
        "stdout",
        "stdout_is_tty",
    )

    def __init__(
        self,
        stdout: TextIO,
        stderr: TextIO,
        stdin: TextIO,
        environ: Mapping[str, str] | None = None,
        stdout_is_tty: bool = False,
        stderr_is_tty: bool = False,
        stdin_is_tty: bool = False,
        prompt: Callable[[str], str] = _getpass,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self.environ: Mapping[str, str] = {} if environ is None else environ
        self.stdout_is_tty = stdout_is_tty
        self.stderr_is_tty = stderr_is_tty
        self.stdin_is_tty = stdin_is_tty
        #: Asks for a secret without echoing it; only called when stdin is a terminal.
        self.prompt = prompt
        #: Monotonic seconds, for progress rates.
        self.clock = clock

    @classmethod
    def system(cls) -> Console:
        """The real process: `sys` streams, `os.environ`, `getpass`."""
        return cls(
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin=sys.stdin,
            environ=os.environ,
            stdout_is_tty=_isatty(sys.stdout),
            stderr_is_tty=_isatty(sys.stderr),
            stdin_is_tty=_isatty(sys.stdin),
        )

    def error(self, text: str) -> None:
        """One line on stderr."""
        print(text, file=self.stderr, flush=True)

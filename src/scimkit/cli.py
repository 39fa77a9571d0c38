"""The `scimkit` command line (also `python -m scimkit`).

    scimkit users list --filter 'active eq true'
    scimkit groups add-member GROUP_ID --user-name ann
    scimkit export users --out users.csv
    scimkit import users users.csv --dry-run

Connection: `--base-url` or `$SCIM_BASE_URL`; the token from `$SCIM_TOKEN` (or the variable
`--token-env` names), or a prompt when stdin is a terminal, never from the command line.

Exit codes: 0 success; 1 the server refused (its status, `scimType` and `detail` are shown)
or an import row failed; 2 usage; 3 network (connection, timeout, TLS, proxy). An error is
one line on stderr; `-v` adds the traceback and a log of every request (tokens redacted).

The commands live in `scimkit._cli`; see docs/cli.md for the reference.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ._cli.console import (
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    CommandFailed,
    Console,
    UsageError,
)
from ._cli.parser import build_parser, hide_secret_values, secret_values
from .errors import SCIMResponseError, TransportError

if TYPE_CHECKING:
    import argparse

    from ._cli.connection import Session

__all__ = ["main", "run"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on the real process; returns the exit code.

    sys.exit(main(["users", "list", "--limit", "5"]))
    """
    console = Console.system()
    try:
        return run(argv, console)
    except KeyboardInterrupt:
        # Ctrl+C outside a command (while the parser is built, or as a command's error was
        # being reported): still one line and 130, never a traceback.
        console.error("scimkit: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `scimkit users list | head`: the reader left. Point stdout at /dev/null so that
        # the interpreter's final flush does not raise again, and end quietly.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def run(argv: Sequence[str] | None, console: Console) -> int:
    """Run the command line with `console` as the outside world; returns the exit code."""
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(parser, words, console)
    except SystemExit as exc:  # --help, --version, or a usage error argparse reported
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(console.stderr)
        return EXIT_USAGE
    # Only now what the command needs: `--version`, `--help` and usage errors stop above,
    # having loaded argparse and the parser alone (tests/test_cli_startup.py).
    from ._cli.connection import Session
    from ._cli.dispatch import handler as find_handler

    handler = find_handler(args.command, getattr(args, "action", None))
    session = Session(args, console)
    with _logging(session):
        try:
            return handler(session)
        except UsageError as exc:
            return _fail(session, exc, EXIT_USAGE, f"scimkit: error: {exc}")
        except CommandFailed as exc:
            return _fail(session, exc, EXIT_REFUSED, f"scimkit: {exc}")
        except SCIMResponseError as exc:
            return _fail(session, exc, EXIT_REFUSED, _describe_refusal(exc))
        except TransportError as exc:
            return _fail(session, exc, EXIT_NETWORK, _describe_network_error(exc))
        except ValueError as exc:
            # The library refuses a bad argument (a filter, a path, an id) before sending.
            return _fail(session, exc, EXIT_USAGE, f"scimkit: error: {exc}")
        except BrokenPipeError:
            raise  # the reader of stdout left; `main` ends quietly
        except OSError as exc:
            # A local file: --out on a full disk, an import file that went away.
            return _fail(session, exc, EXIT_USAGE, f"scimkit: error: {exc}")
        except KeyboardInterrupt as exc:
            # A command that drew a progress line took it off the screen before this line.
            return _fail(session, exc, EXIT_INTERRUPTED, f"scimkit: {str(exc) or 'interrupted'}")
        finally:
            session.close()


def _parse(
    parser: argparse.ArgumentParser, words: list[str], console: Console
) -> argparse.Namespace:
    """The parsed command line. argparse's errors repeat words it did not understand, so
    what it prints is held back and shown without the value of any option that looks
    like a secret (`--tok VALUE`, `--password=VALUE`)."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stdout(console.stdout), contextlib.redirect_stderr(errors):
            return parser.parse_args(words)
    finally:
        if errors.getvalue():
            console.stderr.write(hide_secret_values(errors.getvalue(), secret_values(words)))
            console.stderr.flush()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _describe_refusal(error: SCIMResponseError) -> str:
    """`scimkit: the server refused: HTTP 409 Conflict, scimType uniqueness: <detail>
    (POST <url>)`."""
    from http import HTTPStatus  # loaded already, by http.client

    try:
        phrase = " " + HTTPStatus(error.status).phrase
    except ValueError:
        phrase = ""
    text = f"scimkit: the server refused: HTTP {error.status}{phrase}"
    if error.scim_type:
        text += f", scimType {error.scim_type}"
    if error.detail:
        text += f": {_one_line(error.detail)}"
    if error.method:
        text += f" ({error.method} {error.url})"
    return text


def _describe_network_error(error: TransportError) -> str:
    """`scimkit: network error (ConnectError): <what> (GET <url>)`, and whether a write may
    have happened anyway."""
    text = f"scimkit: network error ({type(error).__name__}): {_one_line(str(error))}"
    if error.request_sent is not False and error.method in ("POST", "PATCH", "PUT", "DELETE"):
        text += "; the request may have reached the server: check before repeating it"
    return text


def _fail(session: Session, error: BaseException, code: int, line: str) -> int:
    from ._cli.output import redact_token, terminal_safe

    console = session.console
    if session.args.verbose:
        import traceback

        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        console.stderr.write(redact_token(trace, session.token))
    console.error(terminal_safe(redact_token(line, session.token)))
    return code


@contextlib.contextmanager
def _logging(session: Session) -> Iterator[None]:
    """`-v`: scimkit's DEBUG log on stderr for this run; without it `logging` stays unloaded."""
    if not session.args.verbose:
        yield
        return
    from ._cli.verbose import debug_log

    with debug_log(session):
        yield


if __name__ == "__main__":
    sys.exit(main())

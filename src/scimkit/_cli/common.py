"""What every command module shares: the output format, `--data` JSON, and saying what a
command did.

The command modules (`commands`, `inspection`, `service`, and any new one) import these from
here, below them all, so that none of them needs another to share a helper.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .connection import Session
from .console import UsageError
from .output import Column, choose_format, terminal_safe, write_resource

__all__ = ["json_object", "load_json", "output_format", "say", "show"]


def output_format(session: Session) -> str:
    """`--format`, or what suits stdout: a table on a terminal, JSON in a pipe."""
    return choose_format(session.args.format, session.console.stdout_is_tty)


def load_json(text: str, session: Session, option: str = "--data") -> Any:
    """The JSON an option gives: inline, `@FILE`, or `-` for stdin."""
    if text == "-":
        raw = session.console.stdin.read()
    elif text.startswith("@"):
        try:
            with open(text[1:], encoding="utf-8-sig") as stream:
                raw = stream.read()
        except OSError as exc:
            raise UsageError(f"{option}: cannot read {text[1:]!r}: {exc.strerror}") from None
    else:
        raw = text
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"{option} is not valid JSON: {exc}") from None


def json_object(text: str | None, session: Session, option: str = "--data") -> dict[str, Any]:
    """The JSON object an option gives (see `load_json`); `{}` when it was not given."""
    if text is None:
        return {}
    value = load_json(text, session, option)
    if not isinstance(value, dict):
        raise UsageError(f"{option} must be a JSON object, not a {type(value).__name__}")
    return value


def say(session: Session, message: Mapping[str, Any], text: str) -> None:
    """A command's outcome: `text` for a person, `message` for a program."""
    fmt = output_format(session)
    out = session.console.stdout
    if fmt == "table":
        out.write(terminal_safe(text) + "\n")
    else:
        write_resource(message, fmt, out)


def show(session: Session, resource: Mapping[str, Any], columns: Sequence[Column]) -> None:
    """One resource on stdout, in the output format."""
    write_resource(resource, output_format(session), session.console.stdout, columns=columns)

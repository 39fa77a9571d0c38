"""`-v`: scimkit's DEBUG log on stderr for one run, with the token scrubbed from every line.

Its own module so that `logging` is imported only by a run that asks for the log: the
library makes no record until the program loads `logging` (docs/logging.md), and `scimkit
--version`, `--help` or a command without `-v` never does.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from .connection import Session
from .output import redact_token

__all__ = ["debug_log"]


class _ScrubbingFormatter(logging.Formatter):
    def __init__(self, session: Session) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.session = session

    def format(self, record: logging.LogRecord) -> str:
        return redact_token(super().format(record), self.session.token)


@contextlib.contextmanager
def debug_log(session: Session) -> Iterator[None]:
    """scimkit's DEBUG log (headers already redacted) on the session's stderr, for this run."""
    logger = logging.getLogger("scimkit")
    handler = logging.StreamHandler(session.console.stderr)
    handler.setFormatter(_ScrubbingFormatter(session))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)

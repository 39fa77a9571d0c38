"""The one place scimkit reads the clock or sleeps.

Retry waits and deadlines go through these two names, looked up at call time, so a test (or a
user's own test) can replace `scimkit._clock.sleep` and check that a 30-second `Retry-After`
was honoured without waiting 30 seconds.
"""

from __future__ import annotations

import time

__all__ = ["monotonic", "sleep"]


def sleep(seconds: float) -> None:
    """Block for `seconds` (never negative)."""
    if seconds > 0:
        time.sleep(seconds)


def monotonic() -> float:
    """Seconds from an arbitrary start that never go backwards."""
    return time.monotonic()

"""The one place scimkit reads the clock or sleeps, and the deadline of a call.

Retry waits and deadlines go through these two names, looked up at call time, so a test (or a
user's own test) can replace `scimkit._clock.sleep` and check that a 30-second `Retry-After`
was honoured without waiting 30 seconds.
"""

from __future__ import annotations

import time

__all__ = ["Deadline", "monotonic", "sleep"]


def sleep(seconds: float) -> None:
    """Block for `seconds` (never negative)."""
    if seconds > 0:
        time.sleep(seconds)


def monotonic() -> float:
    """Seconds from an arbitrary start that never go backwards."""
    return time.monotonic()


class Deadline:
    """The moment a call must be over by: `seconds` from its start, read on this clock.

    The send loop makes one per call and hands it to the transport with each attempt, so
    that a transport can cut an exchange off (`remaining()`) and say which limit it hit.
    """

    __slots__ = ("ends_at", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.ends_at - monotonic())

    def expired(self, after: float = 0.0) -> bool:
        """Whether the deadline has passed, or will have once `after` more seconds pass."""
        return monotonic() + after >= self.ends_at

    def __repr__(self) -> str:
        return f"Deadline(seconds={self.seconds}, remaining={self.remaining():.3f})"

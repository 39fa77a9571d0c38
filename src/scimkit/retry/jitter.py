"""Jitter spreads retries of many clients apart so that they do not return in lockstep."""

from __future__ import annotations

import random

__all__ = ["Jitter", "RandomJitter"]


class Jitter:
    """Turns a computed wait into the wait actually used."""

    def recalculate(self, duration: float) -> float:
        """The wait to use instead of the computed `duration` (seconds)."""
        raise NotImplementedError


class RandomJitter(Jitter):
    """Adds between 0 and 1 second, at random."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def recalculate(self, duration: float) -> float:
        """`duration` plus a random fraction of a second in [0, 1)."""
        return duration + self._rng.random()

    def __repr__(self) -> str:
        return "RandomJitter()"

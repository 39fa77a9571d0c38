"""Jitter spreads retries of many clients apart so that they do not return in lockstep."""

from __future__ import annotations

import random

__all__ = ["Jitter", "RandomJitter"]


class Jitter:
    """Turns a computed wait into the wait actually used."""

    def recalculate(self, duration: float) -> float:
        raise NotImplementedError


class RandomJitter(Jitter):
    """Adds between 0 and 1 second, at random."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def recalculate(self, duration: float) -> float:
        return duration + self._rng.random()

    def __repr__(self) -> str:
        return "RandomJitter()"

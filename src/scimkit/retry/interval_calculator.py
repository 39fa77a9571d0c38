"""How long to wait before the next attempt when the server did not say."""

from __future__ import annotations

from .._args import non_negative as _non_negative
from .jitter import Jitter, RandomJitter

__all__ = [
    "BackoffRetryIntervalCalculator",
    "FixedValueRetryIntervalCalculator",
    "RetryIntervalCalculator",
]


class RetryIntervalCalculator:
    """Maps the number of retries so far to a wait in seconds."""

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        """Seconds to wait after `current_attempt` retries (0 before the first retry)."""
        raise NotImplementedError


class BackoffRetryIntervalCalculator(RetryIntervalCalculator):
    """`backoff_factor * 2 ** attempt` seconds, jittered, never more than `max_interval`."""

    def __init__(
        self,
        backoff_factor: float = 0.5,
        jitter: Jitter | None = None,
        *,
        max_interval: float = 60.0,
    ) -> None:
        self.backoff_factor = _non_negative("backoff_factor", backoff_factor)
        self.max_interval = _non_negative("max_interval", max_interval)
        if jitter is not None and not isinstance(jitter, Jitter):
            raise TypeError("jitter must be a Jitter")
        self.jitter = jitter if jitter is not None else RandomJitter()

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        """`backoff_factor * 2 ** current_attempt`, jittered, capped at `max_interval`."""
        duration = self.backoff_factor * (2 ** min(current_attempt, 32))
        duration = self.jitter.recalculate(duration)
        return min(max(duration, 0.0), self.max_interval)

    def __repr__(self) -> str:
        return (
            f"BackoffRetryIntervalCalculator(backoff_factor={self.backoff_factor}, "
            f"jitter={self.jitter!r}, max_interval={self.max_interval})"
        )


class FixedValueRetryIntervalCalculator(RetryIntervalCalculator):
    """The same wait before every retry."""

    def __init__(self, fixed_interval_value: float = 0.5) -> None:
        self.fixed_interval_value = _non_negative("fixed_interval_value", fixed_interval_value)

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        """`fixed_interval_value`, whatever the attempt."""
        return self.fixed_interval_value

    def __repr__(self) -> str:
        return f"FixedValueRetryIntervalCalculator({self.fixed_interval_value})"

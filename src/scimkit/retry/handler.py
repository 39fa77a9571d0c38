"""`RetryHandler`: decides whether a failed attempt is tried again, and waits before it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _args, _clock
from .._wire import HttpRequest, HttpResponse
from ..errors import TransportError
from .state import RetryState

if TYPE_CHECKING:
    from .interval_calculator import RetryIntervalCalculator

__all__ = ["RetryHandler"]


class RetryHandler:
    """The base of every retry handler.

    A subclass overrides `_can_retry` (and, to wait differently, `wait_for`):

        class RetryOnConflict(RetryHandler):
            def _can_retry(self, *, state, request, response=None, error=None) -> bool:
                return response is not None and response.status_code == 409

    `max_retry_count` bounds the retries of one call; the count is shared by all the
    client's handlers (`state.current_attempt`), as in `slack_sdk`.
    """

    def __init__(
        self,
        max_retry_count: int = 1,
        interval_calculator: RetryIntervalCalculator | None = None,
        *,
        retry_non_idempotent: bool = False,
    ) -> None:
        self.max_retry_count: int = _args.int_at_least(
            "max_retry_count", max_retry_count, minimum=0
        )
        if interval_calculator is not None:
            from .interval_calculator import RetryIntervalCalculator

            _args.instance("interval_calculator", interval_calculator, RetryIntervalCalculator)
        self._interval_calculator = interval_calculator or None
        self.retry_non_idempotent = bool(retry_non_idempotent)

    @property
    def interval_calculator(self) -> RetryIntervalCalculator:
        """What `wait_for` asks for the wait; by default `BackoffRetryIntervalCalculator()`."""
        calculator = self._interval_calculator
        if calculator is None:
            # Made (and its module imported) at the first retry or look: most programs never
            # retry, and `import scimkit` need not load the calculators and their jitter.
            from .interval_calculator import BackoffRetryIntervalCalculator

            calculator = self._interval_calculator = BackoffRetryIntervalCalculator()
        return calculator

    @interval_calculator.setter
    def interval_calculator(self, calculator: RetryIntervalCalculator) -> None:
        self._interval_calculator = calculator

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> bool:
        """False once `max_retry_count` retries were made; otherwise `_can_retry` decides."""
        if state.current_attempt >= self.max_retry_count:
            return False
        return self._can_retry(state=state, request=request, response=response, error=error)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> bool:
        """Override: whether this outcome should be tried again."""
        return False

    def _may_repeat(self, request: HttpRequest) -> bool:
        """A request that may have been processed is repeated only if that is harmless."""
        return request.is_idempotent or self.retry_non_idempotent

    def wait_for(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> float:
        """Seconds to wait before the next attempt; by default the interval calculator's."""
        return self.interval_calculator.calculate_sleep_duration(state.current_attempt)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> None:
        """Wait, then count the retry.

        The wait is `state.next_wait` when the send loop computed it (the value it checked
        against the deadline), else `wait_for(...)`.
        """
        state.next_attempt_requested = True
        duration = state.next_wait
        if duration is None:
            duration = self.wait_for(state=state, request=request, response=response, error=error)
        _clock.sleep(max(0.0, duration))
        state.increment_current_attempt()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(max_retry_count={self.max_retry_count}, "
            f"interval_calculator={self.interval_calculator!r})"
        )

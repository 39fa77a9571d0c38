"""The retry handlers scimkit ships: connection errors, rate limits, server errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._args import non_negative
from .._wire import HttpRequest, HttpResponse, parse_retry_after
from ..errors import ConnectError, ConnectTimeout, ReadTimeout, RemoteProtocolError, TransportError
from .handler import RetryHandler
from .state import RetryState

if TYPE_CHECKING:
    from .interval_calculator import RetryIntervalCalculator

__all__ = [
    "ConnectionErrorRetryHandler",
    "RateLimitErrorRetryHandler",
    "ServerErrorRetryHandler",
    "default_retry_handlers",
]


def _max_wait(value: object) -> float:
    return non_negative("max_wait", value)


class ConnectionErrorRetryHandler(RetryHandler):
    """Retries refused, reset, dropped and timed-out connections, when that is safe.

    A request that never reached the server (`error.request_sent is False`) is retried for
    any method. One that may have reached it (the connection dropped after the body went out,
    a read timeout) is retried only for idempotent methods, or with
    `retry_non_idempotent=True`: a replayed POST can create a user twice. TLS failures are
    not retried: they do not heal by themselves.
    """

    def __init__(
        self,
        max_retry_count: int = 1,
        interval_calculator: RetryIntervalCalculator | None = None,
        *,
        retry_non_idempotent: bool = False,
        error_types: tuple[type[TransportError], ...] = (
            ConnectError,
            ConnectTimeout,
            ReadTimeout,
            RemoteProtocolError,
        ),
    ) -> None:
        super().__init__(
            max_retry_count, interval_calculator, retry_non_idempotent=retry_non_idempotent
        )
        self.error_types = tuple(error_types)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> bool:
        if error is None or not isinstance(error, self.error_types):
            return False
        return error.request_sent is False or self._may_repeat(request)


class _RetryAfterHandler(RetryHandler):
    """Waits what `Retry-After` says, and refuses to wait longer than `max_wait`."""

    def __init__(
        self,
        max_retry_count: int = 1,
        interval_calculator: RetryIntervalCalculator | None = None,
        *,
        retry_non_idempotent: bool = False,
        max_wait: float = 120.0,
    ) -> None:
        super().__init__(
            max_retry_count, interval_calculator, retry_non_idempotent=retry_non_idempotent
        )
        self.max_wait = _max_wait(max_wait)

    def _server_delay(self, response: HttpResponse | None) -> float | None:
        if response is None:
            return None
        return parse_retry_after(response.headers.get("Retry-After"))

    def _within_max_wait(self, response: HttpResponse | None) -> bool:
        # Sleeping less than the server asked only earns another refusal, and a script must
        # never sleep for an hour because a server said so: give the answer back instead.
        delay = self._server_delay(response)
        return delay is None or delay <= self.max_wait

    def wait_for(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> float:
        delay = self._server_delay(response)
        if delay is not None:
            return min(delay, self.max_wait)
        computed = super().wait_for(state=state, request=request, response=response, error=error)
        return min(computed, self.max_wait)


class RateLimitErrorRetryHandler(_RetryAfterHandler):
    """Retries `429 Too Many Requests` (RFC 6585 §4) after the wait the server asks for.

    A 429 was not processed, so any method is retried. `Retry-After` in seconds or as an HTTP
    date is honoured; without it the interval calculator decides. A `Retry-After` longer than
    `max_wait` is not waited for: the 429 is returned (or raised) so the caller can decide.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> bool:
        return (
            response is not None and response.status_code == 429 and self._within_max_wait(response)
        )


class ServerErrorRetryHandler(_RetryAfterHandler):
    """Retries 500, 502, 503 and 504 answers.

    503 Service Unavailable means the request was not processed, so any method is retried
    (honouring `Retry-After`). After 500, 502 or 504 the server may have done the work, so
    only idempotent methods are retried unless `retry_non_idempotent=True`.
    """

    def __init__(
        self,
        max_retry_count: int = 1,
        interval_calculator: RetryIntervalCalculator | None = None,
        *,
        status_codes: tuple[int, ...] = (500, 502, 503, 504),
        retry_non_idempotent: bool = False,
        max_wait: float = 120.0,
    ) -> None:
        super().__init__(
            max_retry_count,
            interval_calculator,
            retry_non_idempotent=retry_non_idempotent,
            max_wait=max_wait,
        )
        self.status_codes = frozenset(status_codes)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> bool:
        if response is None or response.status_code not in self.status_codes:
            return False
        if not self._within_max_wait(response):
            return False
        if response.status_code in (429, 503):
            return True
        return self._may_repeat(request)


def default_retry_handlers() -> list[RetryHandler]:
    """What a new client retries: connection errors, once. A new list each call."""
    return [ConnectionErrorRetryHandler()]

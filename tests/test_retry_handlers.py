"""Retry handlers as pure decisions: data in, yes/no and seconds out."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

import pytest

import scimkit._clock
from scimkit.errors import (
    ConnectError,
    ConnectTimeout,
    ReadTimeout,
    RemoteProtocolError,
    TLSError,
    TransportError,
)
from scimkit.retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    FixedValueRetryIntervalCalculator,
    HttpRequest,
    HttpResponse,
    RandomJitter,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
    ServerErrorRetryHandler,
    default_retry_handlers,
    parse_retry_after,
)

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def request(method: str = "GET") -> HttpRequest:
    return HttpRequest(
        method=method,
        url="https://h/scim/Users",
        headers={"Authorization": "Bearer secret-token-123"},
    )


def response(status: int, **headers: str) -> HttpResponse:
    return HttpResponse(
        status_code=status, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("Thu, 01 Jan 2026 12:00:45 GMT", 45.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after_reads_seconds_and_http_dates(
    value: str | None, expected: float | None
) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("error", "method", "expected"),
    [
        (ConnectError("refused", request_sent=False), "POST", True),
        (ConnectTimeout("slow", request_sent=False), "PATCH", True),
        (RemoteProtocolError("dropped", request_sent=None), "GET", True),
        (RemoteProtocolError("dropped", request_sent=None), "PUT", True),
        (RemoteProtocolError("dropped", request_sent=None), "DELETE", True),
        (RemoteProtocolError("dropped", request_sent=None), "POST", False),
        (ReadTimeout("slow", request_sent=True), "PATCH", False),
        (ReadTimeout("slow", request_sent=True), "GET", True),
        (TLSError("bad cert", request_sent=False), "GET", False),
        (None, "GET", False),
    ],
)
def test_connection_errors_are_retried_only_when_safe(
    error: TransportError | None, method: str, expected: bool
) -> None:
    handler = ConnectionErrorRetryHandler()
    assert handler.can_retry(state=RetryState(), request=request(method), error=error) is expected


def test_non_idempotent_retry_can_be_asked_for() -> None:
    handler = ConnectionErrorRetryHandler(retry_non_idempotent=True)
    error = RemoteProtocolError("dropped", request_sent=None)
    assert handler.can_retry(state=RetryState(), request=request("POST"), error=error)


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (503, "POST", True),
        (503, "GET", True),
        (500, "GET", True),
        (500, "POST", False),
        (502, "PATCH", False),
        (504, "DELETE", True),
        (501, "GET", False),
        (429, "GET", False),
        (200, "GET", False),
    ],
)
def test_server_errors_are_retried_by_status_and_method(
    status: int, method: str, expected: bool
) -> None:
    handler = ServerErrorRetryHandler()
    got = handler.can_retry(state=RetryState(), request=request(method), response=response(status))
    assert got is expected


@pytest.mark.parametrize(("status", "expected"), [(429, True), (503, False), (200, False)])
def test_rate_limit_handler_retries_only_429(status: int, expected: bool) -> None:
    handler = RateLimitErrorRetryHandler()
    got = handler.can_retry(state=RetryState(), request=request("POST"), response=response(status))
    assert got is expected


def test_rate_limit_handler_refuses_a_wait_beyond_max_wait() -> None:
    handler = RateLimitErrorRetryHandler(max_wait=60)
    state = RetryState()
    assert not handler.can_retry(
        state=state, request=request(), response=response(429, Retry_After="61")
    )
    assert handler.can_retry(
        state=state, request=request(), response=response(429, Retry_After="60")
    )


def test_max_retry_count_is_the_limit_on_shared_attempts() -> None:
    handler = RateLimitErrorRetryHandler(max_retry_count=2)
    state = RetryState(current_attempt=2)
    assert not handler.can_retry(state=state, request=request(), response=response(429))
    assert not RateLimitErrorRetryHandler(max_retry_count=0).can_retry(
        state=RetryState(), request=request(), response=response(429)
    )


def test_prepare_sleeps_the_retry_after_and_counts_the_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(scimkit._clock, "sleep", slept.append)
    handler = RateLimitErrorRetryHandler()
    state = RetryState()
    handler.prepare_for_next_attempt(
        state=state, request=request(), response=response(429, Retry_After="7")
    )
    assert slept == [7.0] and state.current_attempt == 1 and state.next_attempt_requested


def test_prepare_without_retry_after_uses_the_interval_calculator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(scimkit._clock, "sleep", slept.append)
    handler = RateLimitErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(2))
    handler.prepare_for_next_attempt(state=RetryState(), request=request(), response=response(429))
    assert slept == [2.0]


class _NoJitter(RandomJitter):
    def recalculate(self, duration: float) -> float:
        return duration


@pytest.mark.parametrize(
    ("attempt", "expected"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (10, 60.0)]
)
def test_backoff_doubles_and_is_capped(attempt: int, expected: float) -> None:
    calculator = BackoffRetryIntervalCalculator(backoff_factor=0.5, jitter=_NoJitter())
    assert calculator.calculate_sleep_duration(attempt) == expected


def test_random_jitter_adds_up_to_one_second() -> None:
    jitter = RandomJitter(random.Random(7))
    values = [jitter.recalculate(1.0) for _ in range(100)]
    assert all(1.0 <= v < 2.0 for v in values) and len(set(values)) > 50


def test_fixed_value_calculator_takes_its_value_positionally() -> None:
    assert FixedValueRetryIntervalCalculator(1.25).calculate_sleep_duration(9) == 1.25


@pytest.mark.parametrize(
    ("factory", "error", "name"),
    [
        (lambda: RetryHandler(max_retry_count=-1), ValueError, "max_retry_count"),
        (lambda: RetryHandler(max_retry_count=True), TypeError, "max_retry_count"),
        # Arguments of the wrong type, on purpose: they must be refused at run time.
        (lambda: RetryHandler(max_retry_count=1.5), TypeError, "max_retry_count"),  # type: ignore[arg-type]
        (lambda: RetryHandler(interval_calculator=0.5), TypeError, "interval_calculator"),  # type: ignore[arg-type]
        (lambda: RateLimitErrorRetryHandler(max_wait=-1), ValueError, "max_wait"),
        (lambda: BackoffRetryIntervalCalculator(backoff_factor="1"), TypeError, "backoff_factor"),  # type: ignore[arg-type]
        (lambda: FixedValueRetryIntervalCalculator(-0.1), ValueError, "fixed_interval_value"),
    ],
)
def test_bad_handler_arguments_fail_fast_naming_them(
    factory: Callable[[], object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        factory()


def test_request_repr_hides_credentials() -> None:
    shown = repr(
        HttpRequest(
            method="get",
            url="http://user:pw-123@proxy:3128/x",
            headers={
                "Authorization": "Bearer secret-token-123",
                "Proxy-Authorization": "Basic abc",
            },
        )
    )
    assert "secret-token-123" not in shown and "pw-123" not in shown and "abc" not in shown
    assert "[secure]" in shown and "GET" in shown


def test_response_data_never_raises() -> None:
    assert HttpResponse(status_code=200, headers={}, body=b"<html>").data == {}
    assert HttpResponse(status_code=200, headers={}, body=b"[1]").data == {}
    assert HttpResponse(status_code=200, headers={}, body=b'{"a": 1}').data == {"a": 1}


def test_base_handler_retries_nothing_and_default_is_one_connection_handler() -> None:
    assert not RetryHandler().can_retry(
        state=RetryState(), request=request(), response=response(500)
    )
    handlers = default_retry_handlers()
    assert [type(h) for h in handlers] == [ConnectionErrorRetryHandler]
    assert handlers is not default_retry_handlers()

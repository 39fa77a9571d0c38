"""The send loop (`scimkit._send`): retry handlers in the real loop, the deadline, the attempt
history; faults injected by the local server, attempts counted there."""

from __future__ import annotations

import email.utils
import time

import pytest

from scimkit import RateLimited, RemoteProtocolError, SCIMClient, TransportError, User
from scimkit.errors import ConnectError
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
)
from scimkit.testing import Fault, SCIMServer

from .checks import resource_id
from .conftest import SleepRecorder

no_wait = FixedValueRetryIntervalCalculator(0)


def attempts_for(server: SCIMServer, path_part: str) -> int:
    return sum(1 for r in server.requests if path_part in r.path)


def test_rate_limited_call_waits_retry_after_seconds(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    server.inject(Fault.status(429, headers={"Retry-After": "30"}), times=2)
    resp = client.search_users()
    assert resp.status_code == 200
    assert len(server.requests) == 3
    assert sleeps.calls == [30.0, 30.0]


def test_rate_limited_call_waits_retry_after_http_date(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    when = email.utils.formatdate(time.time() + 40, usegmt=True)
    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    server.inject(Fault.status(429, headers={"Retry-After": when}))
    resp = client.search_users()
    assert resp.status_code == 200 and len(server.requests) == 2
    assert len(sleeps.calls) == 1 and 35 <= sleeps.calls[0] <= 41


def test_rate_limit_retries_run_out_and_the_last_429_is_returned(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    server.inject(Fault.status(429, headers={"Retry-After": "1"}), times=5)
    resp = client.search_users()
    assert resp.status_code == 429 and len(server.requests) == 3
    error = resp.to_error()
    assert isinstance(error, RateLimited) and error.retry_after == 1.0


def test_retry_after_beyond_max_wait_is_not_slept(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3, max_wait=60)],
    )
    server.inject(Fault.status(429, headers={"Retry-After": "3600"}))
    resp = client.search_users()
    assert resp.status_code == 429 and len(server.requests) == 1 and sleeps.calls == []


@pytest.mark.parametrize(
    ("handler_class", "status"),
    [(RateLimitErrorRetryHandler, 429), (ServerErrorRetryHandler, 503)],
)
def test_a_computed_wait_without_retry_after_is_capped_at_max_wait(
    server: SCIMServer,
    sleeps: SleepRecorder,
    handler_class: type[RateLimitErrorRetryHandler | ServerErrorRetryHandler],
    status: int,
) -> None:
    # No Retry-After: the interval calculator asks for 100 s, max_wait still bounds the sleep.
    handler = handler_class(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(100), max_wait=1
    )
    client = SCIMClient(server.url, token=server.token, retry_handlers=[handler])
    server.inject(Fault.status(status))
    resp = client.search_users()
    assert resp.status_code == 200 and len(server.requests) == 2
    assert sleeps.calls == [1.0]


def test_service_unavailable_is_retried_for_a_create(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    handler = ServerErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.25)
    )
    client = SCIMClient(server.url, token=server.token, retry_handlers=[handler])
    server.inject(Fault.status(503), times=2)
    resp = client.create_user(User(user_name="cal"))
    assert resp.status_code == 201
    assert len(server.requests) == 3 and sleeps.calls == [0.25, 0.25]
    assert len(server.resources("Users")) == 1


def test_internal_server_error_on_a_create_is_not_retried_blindly(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url, token=server.token, retry_handlers=[ServerErrorRetryHandler(max_retry_count=2)]
    )
    server.inject(Fault.status(500))
    resp = client.create_user(User(user_name="cal"))
    assert resp.status_code == 500 and len(server.requests) == 1


def test_dropped_connection_on_a_read_is_retried(server: SCIMServer, sleeps: SleepRecorder) -> None:
    client = SCIMClient(server.url, token=server.token)  # default: one ConnectionErrorRetryHandler
    user_id = resource_id(client.create_user(User(user_name="cal")))
    server.clear_requests()
    server.inject(Fault.drop())
    resp = client.read_user(user_id)
    assert resp.status_code == 200 and len(server.requests) == 2


def test_dropped_connection_on_a_create_is_raised_not_replayed(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(server.url, token=server.token)
    server.inject(Fault.drop_after_processing())
    with pytest.raises(RemoteProtocolError) as info:
        client.create_user(User(user_name="cal"))
    assert len(server.requests) == 1
    assert info.value.request_sent is not False
    assert isinstance(info.value.__cause__, Exception)
    # The create did happen: retrying blindly would have made a duplicate or a 409.
    assert len(server.resources("Users")) == 1


def test_retries_run_out_and_the_network_error_is_raised_with_its_cause(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
    )
    server.inject(Fault.drop(), times=5)
    with pytest.raises(RemoteProtocolError) as info:
        client.search_users()
    assert len(server.requests) == 3
    assert info.value.__cause__ is not None
    assert server.token is not None and server.token not in str(info.value)


def test_connection_refused_is_retried_for_any_method_and_then_raised(
    sleeps: SleepRecorder,
) -> None:
    with SCIMServer() as server:
        url, token = server.url, server.token
    client = SCIMClient(
        url, token=token, retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=3)]
    )
    with pytest.raises(ConnectError) as info:
        client.create_user(User(user_name="cal"))
    assert info.value.request_sent is False
    assert len(sleeps.calls) == 3


def test_a_subclass_that_only_overrides_can_retry_works(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    class RetryOnConflict(RetryHandler):
        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: TransportError | None = None,
        ) -> bool:
            return response is not None and response.status_code == 409

    client = SCIMClient(
        server.url, token=server.token, retry_handlers=[RetryOnConflict(max_retry_count=2)]
    )
    server.inject(Fault.status(409))
    resp = client.search_users()
    assert resp.status_code == 200 and len(server.requests) == 2 and len(sleeps.calls) == 1


def test_handlers_are_asked_in_order_and_share_the_attempt_count(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    seen = []

    class Recorder(RetryHandler):
        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: TransportError | None = None,
        ) -> bool:
            seen.append(state.current_attempt)
            return response is not None and response.status_code == 503

    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[Recorder(max_retry_count=5), ServerErrorRetryHandler(max_retry_count=5)],
    )
    server.inject(Fault.status(503), times=2)
    assert client.search_users().status_code == 200
    assert seen == [0, 1, 2]


def test_a_handler_that_always_says_yes_is_still_bounded(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    class Always(RetryHandler):
        def can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: TransportError | None = None,
        ) -> bool:
            return True

    client = SCIMClient(server.url, token=server.token, retry_handlers=[Always(max_retry_count=3)])
    assert client.search_users().status_code == 200
    assert len(server.requests) == 4


def test_a_handler_that_raises_leaves_the_client_usable(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    class Broken(RetryHandler):
        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: TransportError | None = None,
        ) -> bool:
            raise RuntimeError("handler bug")

    client = SCIMClient(server.url, token=server.token, retry_handlers=[Broken()])
    server.inject(Fault.status(503))
    with pytest.raises(RuntimeError, match="handler bug"):
        client.search_users()
    client.retry_handlers.clear()
    assert client.search_users().status_code == 200


def test_retry_handlers_list_is_appendable(server: SCIMServer, sleeps: SleepRecorder) -> None:
    client = SCIMClient(server.url, token=server.token)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    server.inject(Fault.status(429, headers={"Retry-After": "2"}))
    assert client.search_users().status_code == 200 and sleeps.calls == [2.0]


class RecordedBackoff(BackoffRetryIntervalCalculator):
    """A jittered backoff that remembers every wait it computed."""

    def __init__(self) -> None:
        super().__init__(backoff_factor=1.0, jitter=RandomJitter())
        self.computed: list[float] = []

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        wait = super().calculate_sleep_duration(current_attempt)
        self.computed.append(wait)
        return wait


def test_the_jittered_wait_checked_against_the_deadline_is_the_one_slept(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    backoff = RecordedBackoff()
    client = SCIMClient(
        server.url,
        token=server.token,
        deadline=60,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=3, interval_calculator=backoff)],
    )
    server.inject(Fault.status(503), times=3)
    resp = client.search_users()
    assert resp.ok and len(server.requests) == 4
    # One jittered wait computed per retry, and exactly that wait slept: with two
    # computations per retry (one for the deadline, one to sleep) the lists would differ.
    assert len(backoff.computed) == 3
    assert sleeps.calls == backoff.computed
    assert [attempt.wait for attempt in resp.attempts] == [*backoff.computed, 0.0]


def test_a_wait_that_would_end_past_the_deadline_is_neither_computed_twice_nor_slept(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    backoff = RecordedBackoff()
    backoff.backoff_factor = 100.0  # past the 60 s deadline whatever the jitter
    client = SCIMClient(
        server.url,
        token=server.token,
        deadline=60,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=3, interval_calculator=backoff)],
    )
    server.inject(Fault.status(503))
    resp = client.search_users()
    assert resp.status_code == 503 and len(server.requests) == 1
    assert len(backoff.computed) == 1 and sleeps.calls == []


def test_the_history_of_a_call_retried_twice_is_on_the_response(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[
            # The count is shared: the second retry is the rate-limit handler's second.
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=no_wait),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )
    server.inject(Fault.drop(), method="GET")
    server.inject(Fault.status(429, headers={"Retry-After": "7"}), method="GET")
    resp = client.search_users(filter='userName eq "x"')
    assert resp.ok
    url = f"{server.url}/Users?filter=userName%20eq%20%22x%22"
    assert [(a.number, a.method, a.url, a.outcome, a.wait) for a in resp.attempts] == [
        (1, "GET", url, "RemoteProtocolError", 0.0),
        (2, "GET", url, "HTTP 429", 7.0),
        (3, "GET", url, "HTTP 200", 0.0),
    ]
    assert resp.attempts[0].status_code is None and resp.attempts[0].error == "RemoteProtocolError"
    assert resp.attempts[1].status_code == 429 and resp.attempts[1].error is None
    assert sleeps.calls == [0.0, 7.0]


def test_the_history_is_on_a_transport_error_and_on_a_response_error(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=no_wait)
        ],
    )
    server.inject(Fault.drop(), method="GET", times=3)
    with pytest.raises(RemoteProtocolError) as caught:
        client.search_users()
    assert [(a.number, a.outcome) for a in caught.value.attempts] == [
        (1, "RemoteProtocolError"),
        (2, "RemoteProtocolError"),
        (3, "RemoteProtocolError"),
    ]
    server.inject(Fault.status(404), method="GET")
    error = client.search_users().to_error()
    assert [(a.number, a.outcome) for a in error.attempts] == [(1, "HTTP 404")]


def test_a_handler_that_declines_while_preparing_ends_the_call(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    class ChangesItsMind(RetryHandler):
        """slack_sdk's contract: no `next_attempt_requested`, no next attempt."""

        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: TransportError | None = None,
        ) -> bool:
            return response is not None and response.status_code == 503

        def prepare_for_next_attempt(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: TransportError | None = None,
        ) -> None:
            state.custom_values["asked"] = True

    client = SCIMClient(server.url, token=server.token, retry_handlers=[ChangesItsMind(3)])
    server.inject(Fault.status(503))
    assert client.search_users().status_code == 503 and len(server.requests) == 1

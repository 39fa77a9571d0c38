"""Hard limits: timeouts, the per-call deadline, and the largest answer a client reads."""

from __future__ import annotations

import time

import pytest

from scimkit import ReadTimeout, ResponseTooLarge, SCIMClient
from scimkit.retry import RateLimitErrorRetryHandler
from scimkit.testing import Fault, SCIMServer

from .conftest import SleepRecorder

# The empty ListResponse's body is 139 bytes and its head about 150: trickled one byte every
# 0.1 s, the body alone takes 14 s and the whole answer 29 s. Every byte comes well within the
# 2 s read timeout, so only the 0.5 s deadline can end the call; a limit of 5 s proves that it
# did, without timing anything more finely.
TRICKLE_INTERVAL = 0.1


def assert_cut_off_by_the_deadline(server: SCIMServer, trickle: Fault) -> None:
    # The default retry handler would resend a GET after a read timeout; not past the deadline.
    client = SCIMClient(server.url, token=server.token, timeout=2, deadline=0.5)
    server.inject(trickle)
    started = time.monotonic()
    with pytest.raises(ReadTimeout, match="deadline of 0.5s") as info:
        client.search_users()
    assert time.monotonic() - started < 5
    assert info.value.request_sent is True
    assert len(server.requests) == 1
    assert client.search_users().ok  # the cut connection was dropped, the client is fine


def test_a_server_trickling_its_headers_is_cut_off_by_the_deadline(server: SCIMServer) -> None:
    # The status line itself trickles: the headers are still incomplete at the deadline.
    assert_cut_off_by_the_deadline(server, Fault.trickle(TRICKLE_INTERVAL))


def test_a_server_trickling_its_body_is_cut_off_by_the_deadline(server: SCIMServer) -> None:
    # Complete headers, then a body that never ends within the deadline.
    assert_cut_off_by_the_deadline(server, Fault.trickle(TRICKLE_INTERVAL, body_only=True))


def test_read_timeout_is_separate_from_connect_timeout(server: SCIMServer) -> None:
    client = SCIMClient(server.url, token=server.token, timeout=(5, 0.2), retry_handlers=[])
    # The answer comes after 1 s: only the 0.2 s read timeout, not the 5 s connect timeout,
    # can raise ReadTimeout here, so the error itself proves which limit applied (no timing).
    server.inject(Fault.delay(1.0))
    with pytest.raises(ReadTimeout, match="read timeout of 0.2s") as info:
        client.search_users()
    assert info.value.request_sent is True
    assert client.timeout == (5.0, 0.2)


def test_an_answer_larger_than_max_response_bytes_is_refused(server: SCIMServer) -> None:
    client = SCIMClient(server.url, token=server.token, max_response_bytes=1000, retry_handlers=[])
    server.inject(Fault.body(b"x" * 5000, status=200, content_type="application/json"))
    with pytest.raises(ResponseTooLarge, match="max_response_bytes"):
        client.search_users()
    assert client.search_users().ok  # the connection was dropped, the client is fine


def test_a_chunked_answer_without_length_is_refused_past_the_limit(server: SCIMServer) -> None:
    client = SCIMClient(server.url, token=server.token, max_response_bytes=100, retry_handlers=[])
    chunk = b"40\r\n" + b"y" * 64 + b"\r\n"
    server.inject(
        Fault.raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 3 + b"0\r\n\r\n"
        )
    )
    with pytest.raises(ResponseTooLarge):
        client.search_users()


def test_a_content_length_past_the_limit_is_refused_without_reading_the_body(
    server: SCIMServer,
) -> None:
    # The body never comes: reading it would wait for the read timeout, then fail otherwise.
    client = SCIMClient(
        server.url, token=server.token, max_response_bytes=1000, timeout=30, retry_handlers=[]
    )
    server.inject(Fault.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n{", close=False))
    with pytest.raises(ResponseTooLarge, match="max_response_bytes"):
        client.search_users()


CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunked(body: bytes, piece: int) -> bytes:
    parts = [body[i : i + piece] for i in range(0, len(body), piece)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_a_chunked_answer_at_the_limit_is_read(server: SCIMServer) -> None:
    body = b'{"totalResults": 0, "Resources": [], "pad": "' + b"p" * 300 + b'"}'
    client = SCIMClient(
        server.url, token=server.token, max_response_bytes=len(body), retry_handlers=[]
    )
    server.inject(Fault.raw(CHUNKED + chunked(body, 7)))
    resp = client.search_users()
    assert resp.ok and resp.raw_body == body
    server.inject(Fault.raw(CHUNKED + chunked(body + b" ", 7)))
    with pytest.raises(ResponseTooLarge):
        client.search_users()


def test_an_answer_delimited_by_the_close_is_read_up_to_the_limit(server: SCIMServer) -> None:
    body = b'{"totalResults": 0, "Resources": []}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    client = SCIMClient(
        server.url, token=server.token, max_response_bytes=len(body), retry_handlers=[]
    )
    server.inject(Fault.raw(head + body))
    assert client.search_users().raw_body == body
    server.inject(Fault.raw(head + body + b"\n"))
    with pytest.raises(ResponseTooLarge):
        client.search_users()


def test_an_answer_at_the_limit_is_read(server: SCIMServer) -> None:
    body = b'{"totalResults": 0, "Resources": []}'
    client = SCIMClient(
        server.url, token=server.token, max_response_bytes=len(body), retry_handlers=[]
    )
    server.inject(Fault.body(body, status=200, content_type="application/scim+json"))
    assert client.search_users().total_results == 0


def test_a_retry_that_would_outlast_the_deadline_is_not_waited_for(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        deadline=5,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )
    server.inject(Fault.status(429, headers={"Retry-After": "10"}))
    resp = client.search_users()
    assert resp.status_code == 429 and sleeps.calls == [] and len(server.requests) == 1


def test_retries_within_the_deadline_still_happen(
    server: SCIMServer, sleeps: SleepRecorder
) -> None:
    client = SCIMClient(
        server.url,
        token=server.token,
        deadline=60,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )
    server.inject(Fault.status(429, headers={"Retry-After": "10"}))
    assert client.search_users().ok and sleeps.calls == [10.0]


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"timeout": (1,)}, ValueError, "timeout"),
        ({"timeout": (1, 0)}, ValueError, "timeout"),
        ({"timeout": float("inf")}, ValueError, "timeout"),
        ({"timeout": float("nan")}, ValueError, "timeout"),
        ({"timeout": ("1", 2)}, TypeError, "timeout"),
        ({"deadline": 0}, ValueError, "deadline"),
        ({"deadline": "5"}, TypeError, "deadline"),
        ({"max_response_bytes": 0}, ValueError, "max_response_bytes"),
        ({"max_response_bytes": 1.5}, TypeError, "max_response_bytes"),
        ({"max_connections": 0}, ValueError, "max_connections"),
        ({"max_connections": "2"}, TypeError, "max_connections"),
    ],
)
def test_limit_arguments_are_validated(
    kwargs: dict[str, object], error: type[Exception], name: str
) -> None:
    """A wrong type is a TypeError, a wrong value a ValueError, each naming the argument."""
    with pytest.raises(error, match=name):
        # Values of the wrong type are part of the table: they must be refused at run time.
        SCIMClient("https://example.com/scim/v2", **kwargs)  # type: ignore[arg-type]


def test_no_deadline_and_no_size_limit_can_be_asked_for(server: SCIMServer) -> None:
    client = SCIMClient(server.url, token=server.token, deadline=None, max_response_bytes=None)
    assert client.search_users().ok

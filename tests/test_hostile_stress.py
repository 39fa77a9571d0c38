"""Sixteen threads share one client while the server misbehaves in every way it can.

Resets, garbage instead of HTTP, stalls, interim `1xx` answers before the real one, 429 and
503 with odd `Retry-After` values: each thread reads users by id and checks that every answer
is the one its own request asked for. A pooled connection that kept the bytes of an earlier
answer would hand a thread another user; an exception from outside `SCIMError` would end it.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest

from scimkit import SCIMClient, SCIMError
from scimkit.retry import (
    ConnectionErrorRetryHandler,
    FixedValueRetryIntervalCalculator,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from scimkit.testing import Fault, SCIMServer

from .conftest import SleepRecorder

THREADS = 16
USERS = 64
READS_PER_THREAD = 60
# A thread gives up on one user after this many answers that were not it: far more than the
# retry handlers and the fault schedule can cause for one read.
PATIENCE = 25

EARLY_HINTS_THEN_503 = (
    b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    b"HTTP/1.1 102 Processing\r\n\r\n"
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: soon\r\n\r\n"
)


@pytest.fixture
def hostile_server() -> Iterator[SCIMServer]:
    with SCIMServer() as server:
        schedule = [
            (Fault.drop(), 7),
            (Fault.raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), 11),
            (Fault.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n{}"), 13),
            (Fault.raw(EARLY_HINTS_THEN_503, close=False), 5),
            (Fault.delay(0.02), 17),
            (Fault.status(429, headers={"Retry-After": "-3"}), 9),
            (Fault.status(429, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}), 23),
            (Fault.status(503, headers={"Retry-After": "1e400"}), 19),
            (Fault.status(503), 29),
        ]
        for fault, every in schedule:
            server.inject(fault, method="GET", every=every)
        yield server


def test_sixteen_threads_under_hostile_faults_each_get_their_own_answers(
    hostile_server: SCIMServer, sleeps: SleepRecorder
) -> None:
    server = hostile_server
    ids = [server.add_resource("Users", {"userName": f"user-{n}"})["id"] for n in range(USERS)]
    no_wait = FixedValueRetryIntervalCalculator(0)
    client = SCIMClient(
        server.url,
        token=server.token,
        max_connections=THREADS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=4, interval_calculator=no_wait),
            RateLimitErrorRetryHandler(max_retry_count=4, max_wait=5),
            ServerErrorRetryHandler(max_retry_count=4, interval_calculator=no_wait),
        ],
    )
    mixed_up: list[str] = []
    foreign: list[BaseException] = []
    gave_up: list[str] = []
    reads = [0] * THREADS

    def worker(number: int) -> None:
        chooser = random.Random(number)
        try:
            for _ in range(READS_PER_THREAD):
                wanted = chooser.choice(ids)
                for _ in range(PATIENCE):
                    try:
                        resp = client.read_user(wanted)
                    except SCIMError:
                        continue  # a scimkit error: the read is tried again
                    if not resp.ok:
                        continue
                    got = resp.user.id if resp.user is not None else None
                    if got != wanted:
                        mixed_up.append(f"asked for {wanted}, got {got}")
                    reads[number] += 1
                    break
                else:
                    gave_up.append(wanted)
        except BaseException as exc:  # anything outside SCIMError fails the test
            foreign.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert foreign == []
    assert mixed_up == []
    assert gave_up == []
    assert reads == [READS_PER_THREAD] * THREADS
    # The faults were met: every fault kind fired at least once.
    assert len(server.requests) > THREADS * READS_PER_THREAD

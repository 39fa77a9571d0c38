"""The transport seam (`scimkit.transports`): transports of one's own plugged into
`SCIMClient(transport=...)`, with the send loop's retries, redirects and typed responses
working over them; the network transport used on its own."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from scimkit import ReadUserResponse, SCIMClient, User
from scimkit.errors import ConnectError, ResponseTooLarge
from scimkit.retry import (
    ConnectionErrorRetryHandler,
    FixedValueRetryIntervalCalculator,
    HttpRequest,
    HttpResponse,
    ServerErrorRetryHandler,
)
from scimkit.testing import Fault, SCIMServer
from scimkit.transports import BaseTransport, Deadline, HTTPTransport
from scimkit.wsgi import WSGITransport

from .checks import resource_id, returned
from .conftest import SleepRecorder

BASE = "https://scim.example.test/v2"
USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "u-1",
    "userName": "bjensen",
    "meta": {"resourceType": "User", "version": 'W/"1"'},
}
no_wait = FixedValueRetryIntervalCalculator(0)


class ScriptedTransport(BaseTransport):
    """Answers each request with the next of a script: no network at all."""

    def __init__(self, *answers: HttpResponse | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, str | None, float | None]] = []
        self.closed = False

    def send(self, request: HttpRequest, *, deadline: Deadline | None = None) -> HttpResponse:
        seconds = deadline.seconds if deadline is not None else None
        self.sent.append(
            (request.method, request.url, request.headers.get("Authorization"), seconds)
        )
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        self.closed = True


def json_answer(status: int, body: object, **headers: str) -> HttpResponse:
    return HttpResponse(
        status_code=status,
        headers={"Content-Type": "application/scim+json", **headers},
        body=json.dumps(body).encode(),
    )


def test_a_transport_of_ones_own_gets_retries_redirects_and_typed_responses(
    sleeps: SleepRecorder,
) -> None:
    transport = ScriptedTransport(
        json_answer(503, {"status": "503", "detail": "busy"}),
        HttpResponse(status_code=307, headers={"Location": f"{BASE}/Users/u-1?moved=1"}),
        json_answer(200, USER, ETag='W/"1"'),
    )
    with SCIMClient(
        BASE,
        token="t0ken",
        transport=transport,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=1, interval_calculator=no_wait)],
    ) as client:
        resp = client.read_user("u-1")
        assert isinstance(resp, ReadUserResponse) and resp.ok
        assert returned(resp).user_name == "bjensen" and resp.etag == 'W/"1"'
    assert transport.closed  # the client closes the transport it was given
    assert transport.sent == [
        ("GET", f"{BASE}/Users/u-1", "Bearer t0ken", 300.0),
        ("GET", f"{BASE}/Users/u-1", "Bearer t0ken", 300.0),
        ("GET", f"{BASE}/Users/u-1?moved=1", "Bearer t0ken", 300.0),
    ]
    assert [(a.number, a.outcome) for a in resp.attempts] == [
        (1, "HTTP 503"),
        (2, "HTTP 307"),
        (2, "HTTP 200"),
    ]
    assert sleeps.calls == [0.0]


def test_the_history_never_shows_credentials_from_a_url() -> None:
    moved = "https://admin:pa55word@scim.example.test/v2/Users/u-1"
    transport = ScriptedTransport(
        HttpResponse(status_code=308, headers={"Location": moved}),
        json_answer(200, USER),
    )
    resp = SCIMClient(BASE, transport=transport).read_user("u-1")
    assert transport.sent[1][1] == moved  # followed: the same origin
    shown = [a.url for a in resp.attempts]
    assert shown == [f"{BASE}/Users/u-1", "https://[secure]@scim.example.test/v2/Users/u-1"]
    assert "pa55word" not in repr(resp.attempts)


def test_a_transport_error_of_ones_own_transport_is_retried_and_raised() -> None:
    refused = [
        ConnectError("refused", method="POST", url=f"{BASE}/Users", request_sent=False)
        for _ in range(2)
    ]
    transport = ScriptedTransport(*refused)
    client = SCIMClient(
        BASE,
        transport=transport,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=no_wait)
        ],
    )
    with pytest.raises(ConnectError) as caught:
        client.create_user(User(user_name="bjensen"))
    assert len(transport.sent) == 2 and caught.value.request_sent is False
    assert [a.outcome for a in caught.value.attempts] == ["ConnectError", "ConnectError"]


def test_the_client_holds_a_transport_to_max_response_bytes() -> None:
    transport = ScriptedTransport(json_answer(200, USER))
    client = SCIMClient(BASE, transport=transport, max_response_bytes=50, retry_handlers=[])
    with pytest.raises(ResponseTooLarge, match="max_response_bytes"):
        client.read_user("u-1")


def test_an_exception_outside_the_error_tree_reaches_the_caller_unchanged() -> None:
    transport = ScriptedTransport(KeyError("a bug in the transport"))
    client = SCIMClient(BASE, transport=transport)
    with pytest.raises(KeyError, match="a bug in the transport"):
        client.read_user("u-1")


class Recording(BaseTransport):
    """Wraps another transport and keeps the request line of each exchange."""

    def __init__(self, inner: BaseTransport) -> None:
        self.inner = inner
        self.lines: list[str] = []

    def send(self, request: HttpRequest, *, deadline: Deadline | None = None) -> HttpResponse:
        answer = self.inner.send(request, deadline=deadline)
        self.lines.append(f"{request.method} {request.url.rsplit('/', 1)[-1]} {answer.status_code}")
        return answer

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def recording(server: SCIMServer) -> Iterator[tuple[SCIMClient, Recording]]:
    transport = Recording(HTTPTransport(timeout=5, max_connections=2))
    with SCIMClient(
        server.url,
        token=server.token,
        transport=transport,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=2, interval_calculator=no_wait)],
    ) as client:
        yield client, transport


def test_a_recording_transport_over_the_network_sees_every_exchange(
    server: SCIMServer, recording: tuple[SCIMClient, Recording]
) -> None:
    client, transport = recording
    user_id = resource_id(client.create_user(User(user_name="rec")))
    server.inject(Fault.status(503), method="GET", times=2)
    assert returned(client.read_user(user_id)).user_name == "rec"
    assert transport.lines == [
        "POST Users 201",
        f"GET {user_id} 503",
        f"GET {user_id} 503",
        f"GET {user_id} 200",
    ]


def test_the_client_uses_the_given_network_transports_settings(server: SCIMServer) -> None:
    transport = HTTPTransport(keep_alive=False)
    client = SCIMClient(server.url, token=server.token, transport=transport)
    assert client.transport is transport
    client.search_users()
    client.search_users()
    assert transport.pool.opened == 2 and transport.pool.idle_count() == 0


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("timeout", 5),
        ("ssl", object()),
        ("proxy", ""),
        ("keep_alive", False),
        ("max_connections", 3),
    ],
)
def test_connection_settings_beside_a_transport_are_refused_naming_them(
    setting: str, value: object
) -> None:
    with pytest.raises(ValueError, match=f"{setting} is a setting of the network transport"):
        SCIMClient(BASE, transport=ScriptedTransport(), **{setting: value})  # type: ignore[arg-type]


def test_a_transport_that_is_not_one_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="transport must be a scimkit BaseTransport"):
        SCIMClient(BASE, transport=object())  # type: ignore[arg-type]


def test_the_base_transport_says_send_is_missing() -> None:
    with pytest.raises(NotImplementedError, match="Half must implement send"):

        class Half(BaseTransport):
            pass

        SCIMClient(BASE, transport=Half()).read_user("u-1")


def test_a_wsgi_transport_plugs_in_like_any_other(server: SCIMServer) -> None:
    with SCIMClient(
        "http://localhost/scim/v2", token=server.token, transport=WSGITransport(server)
    ) as client:
        created = client.create_user(User(user_name="in-process"))
        assert created.status_code == 201
        assert returned(client.read_user(resource_id(created))).user_name == "in-process"


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"timeout": "5"}, TypeError, "timeout"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"ssl": "yes"}, TypeError, "ssl"),
        ({"proxy": 3128}, TypeError, "proxy"),
        ({"max_connections": 0}, ValueError, "max_connections"),
        ({"max_response_bytes": "1"}, TypeError, "max_response_bytes"),
    ],
)
def test_network_transport_arguments_fail_fast_naming_them(
    kwargs: dict[str, object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        HTTPTransport(**kwargs)  # type: ignore[arg-type]

"""`SCIMClient.for_wsgi` and `scimkit.wsgi.WSGIHandler`: a WSGI application in-process.

Against our own `SCIMServer` (which is a WSGI application too), `scim2-server`'s WSGI
application when it is installed, and small applications written here that check the
environ, the PEP 3333 calling conventions, exceptions, retries and limits. Most of them run
behind `wsgiref.validate.validator`, which checks both sides of the interface; its warnings are
errors in this suite.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.validate import validator

import pytest

from scimkit import (
    BulkOperation,
    Group,
    GroupMember,
    PatchOp,
    ReadTimeout,
    ResponseTooLarge,
    SCIMClient,
    User,
    UserEmail,
)
from scimkit.retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from scimkit.testing import Fault, SCIMServer
from scimkit.wsgi import WSGIHandler

from .conftest import SleepRecorder

Environ = dict[str, Any]
StartResponse = Any
SCIM_JSON = [("Content-Type", "application/scim+json")]


def json_app(
    status: str = "200 OK",
    body: dict[str, Any] | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Any:
    """An application that answers every request with the same status and JSON body."""
    data = json.dumps(body if body is not None else {"schemas": [], "Resources": []}).encode()

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response(status, [*SCIM_JSON, *(headers or [])])
        return [data]

    return app


class Recorder:
    """An application that keeps every environ it was called with (and the body it read)."""

    def __init__(self, answer: Any = None) -> None:
        self.environs: list[Environ] = []
        self.bodies: list[bytes] = []
        self.answer = answer or json_app()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        self.bodies.append(environ["wsgi.input"].read(int(length)) if length else b"")
        self.environs.append(dict(environ))
        result: Iterable[bytes] = self.answer(environ, start_response)
        return result


# -- our own server, in-process -----------------------------------------------------------


@pytest.fixture
def wsgi_server() -> SCIMServer:
    """A server that is never started: only its WSGI side is used."""
    return SCIMServer()


@pytest.fixture
def wsgi_client(wsgi_server: SCIMServer) -> Iterator[SCIMClient]:
    with SCIMClient.for_wsgi(
        validator(wsgi_server), wsgi_server.base_path, token=wsgi_server.token
    ) as client:
        yield client


def test_users_lifecycle_through_the_local_server_as_wsgi_app(
    wsgi_server: SCIMServer, wsgi_client: SCIMClient
) -> None:
    created = wsgi_client.create_user(
        User(user_name="bjensen", emails=[UserEmail(value="b@example.com", type="work")])
    )
    assert created.status_code == 201
    user = created.user
    assert user is not None and user.id is not None
    # Locations name the host the request was sent to, not a socket that does not exist.
    assert created.headers["Location"] == f"http://localhost/scim/v2/Users/{user.id}"
    assert wsgi_client.read_user(user.id).user == user
    found = wsgi_client.search_users(filter='emails[type eq "work" and value co "example"]')
    assert [u.user_name for u in found.users] == ["bjensen"]
    patched = wsgi_client.patch_user(user.id, User(active=False))
    assert patched.ok and patched.user is not None and patched.user.active is False
    replaced = wsgi_client.update_user(User(id=user.id, user_name="bjensen", title="Boss"))
    assert replaced.ok and replaced.user is not None and replaced.user.title == "Boss"
    assert wsgi_client.delete_user(user.id).status_code == 204
    assert wsgi_client.read_user(user.id).status_code == 404
    assert [(r.method, r.path) for r in wsgi_server.requests] == [
        ("POST", "/scim/v2/Users"),
        ("GET", f"/scim/v2/Users/{user.id}"),
        ("GET", "/scim/v2/Users"),
        ("PATCH", f"/scim/v2/Users/{user.id}"),
        ("PUT", f"/scim/v2/Users/{user.id}"),
        ("DELETE", f"/scim/v2/Users/{user.id}"),
        ("GET", f"/scim/v2/Users/{user.id}"),
    ]


def created_id(client: SCIMClient, user_name: str) -> str:
    user = client.create_user(User(user_name=user_name)).user
    assert user is not None and user.id is not None
    return user.id


def test_groups_paging_bulk_etags_and_discovery_through_the_wsgi_app(
    wsgi_server: SCIMServer, wsgi_client: SCIMClient
) -> None:
    ids = [created_id(wsgi_client, f"user{n}") for n in range(5)]
    group = wsgi_client.create_group(
        Group(display_name="Team", members=[GroupMember(value=ids[0])])
    ).group
    assert group is not None and group.id is not None
    assert wsgi_client.patch_group(group.id, PatchOp.add_members(ids[1:3])).ok
    read_group = wsgi_client.read_group(group.id).group
    assert read_group is not None
    assert sorted(str(m.value) for m in read_group.members or []) == sorted(ids[:3])
    paged = list(wsgi_client.iter_users(page_size=2, sort_by="userName"))
    assert [u.user_name for u in paged] == [f"user{n}" for n in range(5)]
    posted = wsgi_client.search(User, filter='userName sw "user"', count=2, use_post=True)
    assert posted.total_results == 5 and len(posted.resources) == 2
    assert wsgi_server.requests[-1].path == "/scim/v2/Users/.search"
    read = wsgi_client.read_user(ids[0])
    assert read.etag is not None
    assert wsgi_client.read_user(ids[0], if_none_match=read.etag).not_modified
    result = wsgi_client.bulk(
        [
            BulkOperation(method="POST", path="/Users", bulk_id="ann", data={"userName": "ann"}),
            BulkOperation(
                method="PATCH",
                path=f"/Groups/{group.id}",
                data=PatchOp.add_members(["bulkId:ann"]).to_dict(),
            ),
        ]
    )
    assert result.ok, result.failed
    discovery = wsgi_client.discover()
    assert all(discovery.supports(f) for f in ("patch", "bulk", "filter", "etag"))
    assert wsgi_client.service_provider_config().ok
    assert len(wsgi_server.resources("Users")) == 6


def test_scim_1_1_dialect_through_the_wsgi_app() -> None:
    server = SCIMServer(scim_version="1.1")
    with SCIMClient.for_wsgi(
        validator(server), server.base_path, token=server.token, scim_version="1.1"
    ) as client:
        created = client.create_user(User(user_name="slack"))
        assert created.status_code == 201 and created.user is not None
        assert client.search_users(filter='userName eq "slack"').total_results == 1
    assert server.requests[0].path == "/scim/v1/Users"
    assert server.requests[0].headers["Content-Type"] == "application/json"


def test_the_same_server_answers_on_its_socket_and_in_process() -> None:
    with SCIMServer() as server:
        in_process = SCIMClient.for_wsgi(server, server.base_path, token=server.token)
        over_tcp = SCIMClient(server.url, token=server.token)
        created = in_process.create_user(User(user_name="both")).user
        assert created is not None and created.id is not None
        assert over_tcp.read_user(created.id).user == created
        # The socket side's own URL is untouched by the in-process requests.
        assert server.url.startswith("http://127.0.0.1:")
        over_tcp.close()
        in_process.close()


def test_request_log_and_status_faults_work_in_process(
    wsgi_server: SCIMServer, wsgi_client: SCIMClient, sleeps: SleepRecorder
) -> None:
    wsgi_client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    wsgi_server.inject(Fault.status(429, headers={"Retry-After": "7"}), times=2)
    assert wsgi_client.search_users(filter='userName eq "x"').ok
    assert sleeps.calls == [7.0, 7.0]
    received = wsgi_server.requests
    assert len(received) == 3
    assert received[-1].query == {"filter": ['userName eq "x"']}
    assert received[-1].raw_path == "/scim/v2/Users?filter=userName%20eq%20%22x%22"
    assert received[-1].headers["Authorization"] == f"Bearer {wsgi_server.token}"


@pytest.mark.parametrize("fault", [Fault.drop(), Fault.drop_after_processing(), Fault.raw(b"x")])
def test_connection_faults_need_a_socket_and_say_so(
    wsgi_server: SCIMServer, wsgi_client: SCIMClient, fault: Fault
) -> None:
    wsgi_server.inject(fault)
    with pytest.raises(RuntimeError, match="needs a connection"):
        wsgi_client.search_users()


def test_wsgi_app_under_a_path_prefix_sees_the_full_path() -> None:
    server = SCIMServer(base_path="/tenant-a/scim/v2")
    with SCIMClient.for_wsgi(server, "/tenant-a/scim/v2", token=server.token) as client:
        assert client.create_user(User(user_name="a")).status_code == 201
    assert server.requests[0].path == "/tenant-a/scim/v2/Users"


# -- scim2-server's WSGI application --------------------------------------------------------


@pytest.fixture
def scim2_client() -> Iterator[SCIMClient]:
    pytest.importorskip("scim2_server", reason="scim2-server is not installed (Python 3.11+)")
    from .interop import _application

    # Not behind wsgiref's validator: it refuses the Content-Type scim2-server puts on a 204.
    with SCIMClient.for_wsgi(_application("t0ken", None), "/v2", token="t0ken") as c:
        yield c


def test_scim2_server_wsgi_application_in_process(scim2_client: SCIMClient) -> None:
    created = scim2_client.create_user(User(user_name="bjensen", display_name="Barbara"))
    assert created.status_code == 201, created.body
    user = created.user
    assert user is not None and user.id is not None
    assert created.headers["Location"] == f"http://localhost/v2/Users/{user.id}"
    assert scim2_client.read_user(user.id).user.user_name == "bjensen"  # type: ignore[union-attr]
    assert scim2_client.search_users(filter='userName eq "bjensen"').total_results == 1
    assert scim2_client.patch_user(user.id, User(display_name="Babs")).ok
    group = scim2_client.create_group(
        Group(display_name="Team", members=[GroupMember(value=user.id)])
    )
    assert group.status_code == 201, group.body
    discovery = scim2_client.discover()
    assert discovery.supports("patch") and discovery.supports("filter")
    assert scim2_client.delete_user(user.id).status_code == 204
    assert scim2_client.read_user(user.id).status_code == 404


def test_scim2_server_refuses_a_wrong_token_in_process() -> None:
    pytest.importorskip("scim2_server", reason="scim2-server is not installed (Python 3.11+)")
    from .interop import _application

    with SCIMClient.for_wsgi(_application("t0ken", None), "/v2", token="wrong") as client:
        assert client.search_users().status_code == 401


# -- what the application is given ----------------------------------------------------------


def test_environ_carries_method_path_query_headers_and_body() -> None:
    app = Recorder()
    with SCIMClient.for_wsgi(validator(app), "/scim/v2", token="secret") as client:
        client.api_call(
            "POST",
            "/Users/caf%C3%A9%20x",
            query_params={"attributes": "userName,emails", "q": "a b"},
            body_params={"userName": "bjensen"},
        )
    environ = app.environs[0]
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == ""
    # PEP 3333: the path percent-decoded, its UTF-8 bytes carried as latin-1 characters.
    assert environ["PATH_INFO"] == "/scim/v2/Users/café x".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "attributes=userName%2Cemails&q=a%20b"
    assert environ["CONTENT_TYPE"] == "application/scim+json"
    assert environ["CONTENT_LENGTH"] == str(len(app.bodies[0]))
    assert json.loads(app.bodies[0]) == {"userName": "bjensen"}
    assert environ["HTTP_AUTHORIZATION"] == "Bearer secret"
    assert environ["HTTP_ACCEPT"].startswith("application/scim+json")
    assert environ["HTTP_USER_AGENT"].startswith("scimkit/")
    assert environ["HTTP_HOST"] == "localhost"
    assert "HTTP_CONTENT_TYPE" not in environ and "HTTP_CONTENT_LENGTH" not in environ
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("localhost", "80")
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.version"] == (1, 0)


def test_a_get_has_no_body_and_no_content_length() -> None:
    app = Recorder()
    with SCIMClient.for_wsgi(validator(app)) as client:
        client.search_users()
    assert "CONTENT_LENGTH" not in app.environs[0] and app.bodies == [b""]
    assert app.environs[0]["PATH_INFO"] == "/scim/v2/Users"


def test_full_base_url_sets_scheme_host_and_port() -> None:
    app = Recorder()
    with SCIMClient.for_wsgi(validator(app), "https://scim.example.com:8443/v2") as client:
        assert client.base_url == "https://scim.example.com:8443/v2"
        client.search_users()
    environ = app.environs[0]
    assert environ["wsgi.url_scheme"] == "https"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("scim.example.com", "8443")
    assert environ["HTTP_HOST"] == "scim.example.com:8443"


def test_a_proxy_is_refused_and_proxy_variables_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="proxy"):
        SCIMClient.for_wsgi(json_app(), proxy="http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    app = Recorder()
    with SCIMClient.for_wsgi(validator(app)) as client:
        assert client.search_users().ok
    assert app.environs[0]["SERVER_NAME"] == "localhost"


# -- PEP 3333 calling conventions -----------------------------------------------------------


def test_write_callable_and_iterable_body_are_joined_in_order() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        write = start_response("200 OK", SCIM_JSON)
        write(b'{"schemas": [], ')
        return [b'"totalResults": 0', b"", b"}"]

    with SCIMClient.for_wsgi(app) as client:
        resp = client.search_users()
    assert resp.body == {"schemas": [], "totalResults": 0}


def test_start_response_may_come_with_the_first_chunk_of_a_generator() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", SCIM_JSON)
        yield b'{"totalResults": '
        yield b"3}"

    with SCIMClient.for_wsgi(validator(app)) as client:
        assert client.search_users().body == {"totalResults": 3}


def test_exc_info_before_the_body_replaces_the_answer() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", SCIM_JSON)
        try:
            raise KeyError("lookup failed")
        except KeyError:
            import sys

            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
            return [b"oops"]

    with SCIMClient.for_wsgi(validator(app)) as client:
        resp = client.search_users()
    assert resp.status_code == 500
    assert resp.raw_body == b"oops"
    assert resp.headers["Content-Type"] == "text/plain"


def test_exc_info_after_the_body_started_reraises_the_applications_error() -> None:
    class Boom(Exception):
        pass

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", SCIM_JSON)
        yield b"{"
        try:
            raise Boom("half way")
        except Boom:
            import sys

            start_response("500 Internal Server Error", SCIM_JSON, sys.exc_info())
        yield b"}"  # pragma: no cover - never reached

    with SCIMClient.for_wsgi(app) as client:
        with pytest.raises(Boom, match="half way"):
            client.search_users()


def test_iterable_close_is_called_after_a_complete_body_and_after_a_failure() -> None:
    closed: list[str] = []

    class Body:
        def __init__(self, chunks: list[Any]) -> None:
            self.chunks = chunks

        def __iter__(self) -> Iterator[Any]:
            for chunk in self.chunks:
                if isinstance(chunk, Exception):
                    raise chunk
                yield chunk

        def close(self) -> None:
            closed.append("closed")

    answers = [Body([b"{}"]), Body([b"{", LookupError("mid-body")])]

    def app(environ: Environ, start_response: StartResponse) -> Body:
        start_response("200 OK", SCIM_JSON)
        return answers.pop(0)

    with SCIMClient.for_wsgi(app) as client:
        assert client.search_users().ok
        assert closed == ["closed"]
        with pytest.raises(LookupError, match="mid-body"):
            client.search_users()
        assert closed == ["closed", "closed"]


def test_repeated_response_headers_are_kept() -> None:
    app = json_app(headers=[("X-Trace", "a"), ("X-Trace", "b")])
    with SCIMClient.for_wsgi(app) as client:
        assert client.search_users().headers["X-Trace"] == "a, b"


def test_a_head_answer_has_no_body() -> None:
    with SCIMClient.for_wsgi(json_app()) as client:
        resp = client.api_call("HEAD", "/Users")
    assert resp.status_code == 200 and resp.raw_body == b""


@pytest.mark.parametrize(
    ("app_body", "message"),
    [
        ("no_start_response", "without calling start_response"),
        ("twice", "start_response twice"),
        ("str_chunk", "must be bytes"),
        ("bad_status", "3-digit code"),
        ("bad_header", r"\(str, str\) tuples"),
    ],
)
def test_applications_that_break_pep_3333_fail_loudly(app_body: str, message: str) -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[Any]:
        if app_body == "no_start_response":
            return [b""]
        if app_body == "twice":
            start_response("200 OK", SCIM_JSON)
            start_response("200 OK", SCIM_JSON)
        if app_body == "str_chunk":
            start_response("200 OK", SCIM_JSON)
            return ["{}"]
        if app_body == "bad_status":
            start_response("OK", SCIM_JSON)
        if app_body == "bad_header":
            start_response("200 OK", [("Content-Type", 1)])
        return [b"{}"]

    with SCIMClient.for_wsgi(app) as client:
        with pytest.raises((RuntimeError, TypeError, ValueError), match=message):
            client.search_users()


# -- exceptions in the application surface as they are -------------------------------------


class AppBug(Exception):
    pass


@pytest.mark.parametrize(
    "error",
    [
        AppBug("the app is broken"),
        ConnectionResetError("looks like a network error"),
        TimeoutError("looks like a timeout"),
        urllib.error.URLError("looks like urllib's"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_exception_in_the_application_reaches_the_test_unchanged(error: Exception) -> None:
    calls: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        calls.append(environ["PATH_INFO"])
        raise error

    # The default ConnectionErrorRetryHandler retries connection failures: not this.
    with SCIMClient.for_wsgi(app, retry_handlers=[ConnectionErrorRetryHandler()]) as client:
        with pytest.raises(type(error)) as caught:
            client.search_users()
    assert caught.value is error
    assert calls == ["/scim/v2/Users"]
    # The application's own frame is in the traceback, and nothing of scimkit's is chained.
    assert any(entry.name == "app" for entry in caught.traceback)
    assert error.__cause__ is None and error.__context__ is None


def test_an_exception_in_close_reaches_the_test() -> None:
    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"{}"

        def close(self) -> None:
            raise AppBug("close failed")

    def app(environ: Environ, start_response: StartResponse) -> Body:
        start_response("200 OK", SCIM_JSON)
        return Body()

    with SCIMClient.for_wsgi(app) as client:
        with pytest.raises(AppBug, match="close failed"):
            client.search_users()


# -- retries, redirects, limits, logging: the client's own machinery -------------------------


def test_server_errors_are_retried_by_the_retry_handlers(sleeps: SleepRecorder) -> None:
    answers = iter(["500 Internal Server Error", "503 Service Unavailable", "200 OK"])
    calls: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        status = next(answers)
        calls.append(status)
        start_response(status, SCIM_JSON)
        return [b'{"totalResults": 0, "Resources": []}']

    handlers = [ServerErrorRetryHandler(max_retry_count=2)]
    with SCIMClient.for_wsgi(validator(app), retry_handlers=handlers) as client:
        resp = client.search_users()
    assert resp.status_code == 200
    assert len(calls) == 3 and len(sleeps.calls) == 2


def test_rate_limited_answers_wait_retry_after(sleeps: SleepRecorder) -> None:
    statuses = ["429 Too Many Requests", "200 OK"]

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response(statuses.pop(0), [*SCIM_JSON, ("Retry-After", "12")])
        return [b"{}"]

    handlers = [RateLimitErrorRetryHandler(max_retry_count=1)]
    with SCIMClient.for_wsgi(app, retry_handlers=handlers) as client:
        assert client.search_users().ok
    assert sleeps.calls == [12.0]


def test_same_origin_redirect_is_followed() -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        if environ["PATH_INFO"] == "/old/Users":
            start_response("307 Temporary Redirect", [("Location", "/scim/v2/Users")])
            return [b""]
        start_response("200 OK", SCIM_JSON)
        return [b'{"totalResults": 1}']

    with SCIMClient.for_wsgi(app, "/old") as client:
        assert client.search_users().body == {"totalResults": 1}


def test_max_response_bytes_stops_reading_an_endless_body() -> None:
    produced: list[int] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", SCIM_JSON)
        while True:
            produced.append(1)
            yield b"x" * 1000

    with SCIMClient.for_wsgi(app, max_response_bytes=10_000) as client:
        with pytest.raises(ResponseTooLarge):
            client.search_users()
    assert len(produced) == 11


def test_debug_log_redacts_the_token_and_passwords(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="scimkit")
    with SCIMClient.for_wsgi(Recorder(), token="very-secret") as client:
        client.create_user(User(user_name="x", password="hunter2"))
    assert "sending POST http://localhost/scim/v2/Users" in caplog.text
    assert "very-secret" not in caplog.text and "hunter2" not in caplog.text


def test_timeouts_and_deadline_do_not_apply_in_process() -> None:
    calls: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        # Three times longer than both limits: a timeout or deadline applied to the
        # application itself would cut this call off.
        time.sleep(0.3)
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", SCIM_JSON)
        return [b"{}"]

    # Nothing to time out: the application runs in the calling thread for as long as it takes.
    with SCIMClient.for_wsgi(app, timeout=0.1, deadline=0.1) as client:
        try:
            assert client.search_users().ok
        except ReadTimeout:  # pragma: no cover - the assertion is the point
            pytest.fail("an in-process call was cut off by a timeout or deadline")
    assert calls == ["/scim/v2/Users"]


def test_a_client_can_be_shared_between_threads() -> None:
    server = SCIMServer()
    errors: list[BaseException] = []
    with SCIMClient.for_wsgi(server, token=server.token) as client:

        def work(n: int) -> None:
            try:
                for i in range(10):
                    assert client.create_user(User(user_name=f"t{n}-{i}")).status_code == 201
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(server.resources("Users")) == 40
    assert {u["meta"]["location"].split("/Users/")[0] for u in server.resources("Users")} == {
        "http://localhost/scim/v2"
    }


# -- WSGIHandler on its own -------------------------------------------------------------------


def test_handler_in_an_ordinary_urllib_opener() -> None:
    server = SCIMServer(token=None)
    opener = urllib.request.build_opener(WSGIHandler(validator(server)))
    request = urllib.request.Request(
        "http://testserver/scim/v2/Users",
        data=json.dumps({"userName": "plain"}).encode(),
        headers={"Content-Type": "application/scim+json"},
        method="POST",
    )
    with opener.open(request) as answer:
        assert answer.status == 201
        assert answer.headers["Location"].startswith("http://testserver/scim/v2/Users/")
        assert json.loads(answer.read())["userName"] == "plain"


def test_handler_reads_file_and_iterable_request_bodies() -> None:
    app = Recorder()
    opener = urllib.request.OpenerDirector()
    opener.add_handler(WSGIHandler(app))
    for data in (io.BytesIO(b"from a file"), [b"from ", b"chunks"]):
        request = urllib.request.Request(
            "http://localhost/x", data=data, headers={"Content-Length": "11"}, method="PUT"
        )
        opener.open(request).close()
    assert app.bodies == [b"from a file", b"from chunks"]


def test_handler_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="WSGI application"):
        WSGIHandler("not an app")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_response_bytes"):
        WSGIHandler(json_app(), max_response_bytes=0)
    with pytest.raises(TypeError, match="max_response_bytes"):
        WSGIHandler(json_app(), max_response_bytes="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="base_url"):
        SCIMClient.for_wsgi(json_app(), base_url=None)  # type: ignore[arg-type]

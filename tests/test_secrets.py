"""No secret ever leaks: a full session's logs, reprs and errors are scanned for credentials."""

from __future__ import annotations

import base64
import logging
import urllib.parse

import pytest

from scimkit import (
    Group,
    PatchOperation,
    SCIMClient,
    SCIMError,
    SCIMResponse,
    TransportError,
    User,
)
from scimkit.retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
    ServerErrorRetryHandler,
)
from scimkit.testing import Fault, SCIMServer

from .checks import resource_id
from .conftest import SleepRecorder
from .forwarding_proxy import ForwardingProxy

TOKEN = "tok-S3CRET-7f3a9c1e5b"
PROXY_PASSWORD = "pr0xy-S3CRET-pw"


class Spy(RetryHandler):
    """Retries nothing; writes down everything a handler is shown."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__(max_retry_count=0)
        self.seen = seen

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: TransportError | None = None,
    ) -> bool:
        self.seen.extend([repr(state), repr(request), repr(response), repr(error), str(error)])
        return False


def test_a_full_session_never_shows_the_token_or_proxy_credentials(
    proxy: ForwardingProxy,
    caplog: pytest.LogCaptureFixture,
    sleeps: SleepRecorder,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    host = urllib.parse.urlsplit(proxy.url).netloc
    proxy_url = f"http://ops:{PROXY_PASSWORD}@{host}"
    with SCIMServer(token=TOKEN) as server:
        client = SCIMClient(
            server.url,
            token=TOKEN,
            proxy=proxy_url,
            retry_handlers=[
                Spy(seen),
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=2),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )
        seen.append(repr(client))
        responses: list[SCIMResponse] = []
        user = client.create_user(User(user_name="cal", password="user-S3CRET-pw")).user
        assert user is not None and user.id is not None
        responses.append(client.search_users(filter='userName eq "cal"'))
        responses.append(client.patch_user(user.id, User(password="user-S3CRET-pw2")))
        read = client.read_user(user.id).user
        assert read is not None
        responses.append(client.update_user(read))
        group_id = resource_id(client.create_group(Group(display_name="G")))
        responses.append(
            client.patch_group(
                group_id, [PatchOperation(op="add", path="members", value=[{"value": user.id}])]
            )
        )
        responses.append(client.create_user(User(user_name="cal")))  # 409
        responses.append(client.read_user("missing"))  # 404
        server.inject(Fault.status(429, headers={"Retry-After": "1"}))
        responses.append(client.search_users())
        server.inject(Fault.status(503), times=3)
        responses.append(client.search_users())
        server.inject(Fault.drop(), times=10)
        with pytest.raises(SCIMError) as dropped:
            client.search_users()
        server.clear_faults()
        seen.extend([str(dropped.value), repr(dropped.value)])
        for resp in responses:
            seen.extend([repr(resp), repr(resp.request), repr(resp.errors), repr(resp.headers)])
            if not resp.ok:
                error = resp.to_error()
                seen.extend([str(error), repr(error)])
        seen.append(repr(user))
        seen.append(repr(server))
        client.delete_group(group_id)
        client.delete_user(user.id)
    text = "\n".join(seen) + "\n" + caplog.text
    assert "Authorization" in caplog.text  # the headers were logged...
    basic = base64.b64encode(f"ops:{PROXY_PASSWORD}".encode()).decode()
    for secret in (TOKEN, PROXY_PASSWORD, basic, "user-S3CRET-pw"):
        assert secret not in text, f"{secret!r} leaked"
    assert len(caplog.records) > 20 and len(seen) > 50


def test_a_bad_base_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError) as info:
        SCIMClient(f"https://admin:{PROXY_PASSWORD}@example.com/scim")
    assert PROXY_PASSWORD not in str(info.value)


def test_a_bad_proxy_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as info:
        SCIMClient("https://example.com/scim", proxy=f"socks5://u:{PROXY_PASSWORD}@p:1080")
    assert PROXY_PASSWORD not in str(info.value)


COOKIE = "session=c00kie-S3CRET"
API_KEY = "k3y-S3CRET-x"
SET_COOKIE = "session=set-c00kie-S3CRET; HttpOnly"


def test_cookies_and_api_keys_are_hidden_in_both_directions(
    server: SCIMServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Every credential header, sent or received, is `[secure]` in logs and in reprs."""
    caplog.set_level(logging.DEBUG, logger="scimkit")
    seen: list[str] = []
    client = SCIMClient(
        server.url,
        token=server.token,
        default_headers={"Cookie": COOKIE, "X-API-Key": API_KEY},
        retry_handlers=[Spy(seen)],
    )
    server.inject(
        Fault.status(503, headers={"Set-Cookie": SET_COOKIE, "X-API-Key": API_KEY}), method="GET"
    )
    failed = client.search_users()
    assert failed.status_code == 503
    ok = client.search_users()
    assert ok.ok
    # What the server received is untouched: only what is shown is redacted.
    assert server.requests[0].headers["Cookie"] == COOKIE
    assert server.requests[0].headers["X-API-Key"] == API_KEY
    assert failed.headers["Set-Cookie"] == SET_COOKIE
    shown = "\n".join(
        [caplog.text, *seen, repr(client), repr(failed), repr(ok), repr(failed.request)]
    )
    for secret in ("c00kie-S3CRET", API_KEY, "set-c00kie-S3CRET"):
        assert secret not in shown, secret
    # The redacted headers are there, named, in both directions.
    assert "'Cookie': '[secure]'" in caplog.text and "'X-API-Key': '[secure]'" in caplog.text
    assert "'Set-Cookie': '[secure]'" in caplog.text

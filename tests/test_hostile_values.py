"""Hostile values from a server: each ends as a response or a `SCIMError`, never as a
`ValueError`, `OverflowError`, `TypeError`, `UnicodeEncodeError` or `RecursionError`.

Every case goes through a real socket to the local server answering exact bytes; a property
test then feeds random bodies and header values to the parsers themselves.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimkit import (
    BulkOperation,
    InvalidResponse,
    RateLimited,
    ReadUserResponse,
    SCIMClient,
    SCIMError,
    SCIMResponse,
    SearchUsersResponse,
    _wire,
)
from scimkit._send import redirect_target
from scimkit._wire import (
    Headers,
    HttpRequest,
    HttpResponse,
    loggable_body,
    parse_retry_after,
)
from scimkit.retry import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from scimkit.testing import Fault, SCIMServer

from .checks import error_detail
from .conftest import SleepRecorder

SCIM_JSON = "application/scim+json"
# The documented bounds, spelled out so that this file also runs (and fails) on code that
# predates them; `test_documented_bounds` ties them to `scimkit._wire`.
MAX_RETRY_AFTER = 7 * 24 * 3600.0
MAX_JSON_DEPTH = 256
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def test_documented_bounds() -> None:
    assert getattr(_wire, "MAX_RETRY_AFTER", None) == MAX_RETRY_AFTER
    assert getattr(_wire, "MAX_JSON_DEPTH", None) == MAX_JSON_DEPTH


def answer(status: int, headers: dict[str, str], body: bytes = b"") -> Fault:
    """Exact bytes on the wire: a status line, `headers`, and `body`."""
    lines = [f"HTTP/1.1 {status} Hostile", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return Fault.raw(head + body)


# -- 1. Retry-After: far future, far past, absurd seconds --------------------------------

FAR_OFF = [
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Fri, 31 Dec 9999 23:59:59 -2359",
    "99999999999999999999",
    "1e400",
]
UNREADABLE = [
    "Fri, 31 Dec 99999999999999999999 23:59:59 GMT",
    "Fri, 31 Dec 2020 99999999999999999999:59:59 GMT",
    "Fri, 31 Dec 2020 23:59:59 +99999999999999999999",
    "nan",
]


@pytest.mark.parametrize("value", FAR_OFF)
def test_rate_limited_retry_after_far_off_is_clamped_to_a_week(
    bare_client: SCIMClient, server: SCIMServer, value: str
) -> None:
    server.inject(Fault.status(429, headers={"Retry-After": value}))
    resp = bare_client.read_user("x")
    with pytest.raises(RateLimited) as raised:
        resp.raise_for_status()
    assert raised.value.retry_after == MAX_RETRY_AFTER


@pytest.mark.parametrize("value", UNREADABLE)
def test_rate_limited_retry_after_that_overflows_a_date_is_unknown(
    bare_client: SCIMClient, server: SCIMServer, value: str
) -> None:
    server.inject(Fault.status(429, headers={"Retry-After": value}))
    with pytest.raises(RateLimited) as raised:
        bare_client.read_user("x").raise_for_status()
    assert raised.value.retry_after is None


def test_rate_limited_retry_after_long_past_means_no_wait(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(Fault.status(429, headers={"Retry-After": "Mon, 01 Jan 0001 00:00:00 +2359"}))
    with pytest.raises(RateLimited) as raised:
        bare_client.read_user("x").raise_for_status()
    assert raised.value.retry_after == 0.0


@pytest.mark.parametrize("value", ["99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_rate_limit_handler_waits_at_most_the_clamped_retry_after(
    server: SCIMServer, sleeps: SleepRecorder, value: str
) -> None:
    handler = RateLimitErrorRetryHandler(max_retry_count=1, max_wait=MAX_RETRY_AFTER)
    server.inject(Fault.status(429, headers={"Retry-After": value}))
    # No deadline: the default 300 s would end the call before a week's wait.
    client = SCIMClient(server.url, token=server.token, retry_handlers=[handler], deadline=None)
    with client as scim:
        resp = scim.search_users()
    assert resp.ok and sleeps.calls == [MAX_RETRY_AFTER]


@pytest.mark.parametrize("value", UNREADABLE)
def test_server_error_handler_with_an_overflowing_retry_after_uses_its_own_interval(
    server: SCIMServer, sleeps: SleepRecorder, value: str
) -> None:
    handler = ServerErrorRetryHandler(max_retry_count=1)
    server.inject(Fault.status(503, headers={"Retry-After": value}))
    with SCIMClient(server.url, token=server.token, retry_handlers=[handler]) as scim:
        resp = scim.search_users()
    assert resp.ok and len(sleeps.calls) == 1 and sleeps.calls[0] < MAX_RETRY_AFTER


# -- 2. redirects to impossible places ------------------------------------------------


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1:99999/x", "http://[::1/x", "http://127.0.0.1:80:80/x", "/a\x7fb"],
)
def test_redirect_to_an_unusable_location_is_handed_back(
    bare_client: SCIMClient, server: SCIMServer, location: str
) -> None:
    server.inject(answer(302, {"Location": location}))
    resp = bare_client.search_users()
    assert resp.status_code == 302 and not resp.ok
    assert len(server.requests) == 1


def test_redirect_with_utf8_octets_is_followed_percent_encoded(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    head = (
        b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: /scim/v2/Users/caf\xc3\xa9\r\n\r\n"
    )
    server.inject(Fault.raw(head))
    resp = bare_client.read_user("x")
    assert resp.status_code == 404
    assert server.requests[-1].raw_path == "/scim/v2/Users/caf%C3%A9"
    assert server.requests[-1].path == "/scim/v2/Users/café"


def test_redirect_target_percent_encodes_wide_characters_from_a_transport_as_utf8() -> None:
    request = HttpRequest(method="GET", url="http://h.example/scim/Users", headers={})
    response = HttpResponse(status_code=307, headers={"Location": "/scim/Users/日本 x"})
    assert (
        redirect_target(request, response) == "http://h.example/scim/Users/%E6%97%A5%E6%9C%AC%20x"
    )


def test_redirect_to_a_non_ascii_host_is_not_followed() -> None:
    request = HttpRequest(method="GET", url="http://h.example/scim/Users", headers={})
    response = HttpResponse(status_code=307, headers={"Location": "http://hé.example/scim"})
    assert redirect_target(request, response) is None


# -- 3. JSON nested tens of thousands deep, and a byte-order mark ------------------------

TOO_DEEP = [
    pytest.param(b"[" * 100_000, id="open-arrays"),
    pytest.param(b'{"a":' * 100_000, id="open-objects"),
    pytest.param(b'{"a":' * 5_000 + b"1" + b"}" * 5_000, id="complete-objects"),
    pytest.param(b'{"Resources":' + b"[" * 50_000 + b"]" * 50_000 + b"}", id="inside-a-page"),
]


@pytest.mark.parametrize("body", TOO_DEEP)
def test_json_nested_too_deep_is_a_readable_body_problem(
    bare_client: SCIMClient, server: SCIMServer, body: bytes
) -> None:
    server.inject(Fault.body(body, status=200, content_type=SCIM_JSON))
    resp = bare_client.read_user("x")
    assert resp.body == {} and resp.snake_cased_body == {} and not resp.ok
    assert resp.user is None and resp.etag is None
    assert f"nested more than {MAX_JSON_DEPTH} levels" in error_detail(resp)
    with pytest.raises(InvalidResponse, match="nested"):
        resp.raise_for_status()


@pytest.mark.parametrize("body", TOO_DEEP)
def test_search_page_nested_too_deep_has_no_resources_and_raises_when_iterated(
    bare_client: SCIMClient, server: SCIMServer, body: bytes
) -> None:
    server.inject(Fault.body(body, status=200, content_type=SCIM_JSON), times=2)
    resp = bare_client.search_users()
    assert resp.resources == [] and resp.total_results is None and not resp.ok
    with pytest.raises(InvalidResponse):
        list(bare_client.iter_users())


@pytest.mark.parametrize("body", TOO_DEEP)
def test_debug_log_of_json_nested_too_deep_names_it_instead(
    bare_client: SCIMClient,
    server: SCIMServer,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
) -> None:
    caplog.set_level(logging.DEBUG, logger="scimkit")
    server.inject(Fault.body(body, status=200, content_type=SCIM_JSON))
    assert not bare_client.read_user("x").ok
    assert f"JSON nested more than {MAX_JSON_DEPTH} levels deep" in caplog.text


@pytest.mark.parametrize("body", TOO_DEEP)
def test_strict_client_reports_json_nested_too_deep(server: SCIMServer, body: bytes) -> None:
    server.inject(Fault.body(body, status=200, content_type=SCIM_JSON))
    with SCIMClient(server.url, token=server.token, strict=True, retry_handlers=[]) as scim:
        resp = scim.read_user("x")
    assert not resp.ok and "nested" in error_detail(resp)


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"innerKey": [value]}
    return value


def test_resource_nested_deeper_than_scimkit_walks_is_read_copied_and_logged_safely(
    bare_client: SCIMClient, server: SCIMServer, caplog: pytest.LogCaptureFixture
) -> None:
    # 2 x 200 levels: json.loads reads it, scimkit's own walkers stop at MAX_JSON_DEPTH.
    assert MAX_JSON_DEPTH < 400
    user = {"id": "x", "userName": "deep", "urn:example:deep": nested(200), "password": "p"}
    caplog.set_level(logging.DEBUG, logger="scimkit")
    server.inject(Fault.status(200, body=json.dumps(user), content_type=SCIM_JSON))
    resp = bare_client.read_user("x")
    assert resp.ok and resp.user is not None and resp.user.user_name == "deep"
    assert resp.user.to_dict()["urn:example:deep"] == user["urn:example:deep"]
    assert "inner_key" in json.dumps(resp.snake_cased_body)[:2000]
    assert "[nested too deep]" in caplog.text and '"p"' not in caplog.text
    assert "User(" in repr(resp.user)


def test_json_body_with_a_utf8_byte_order_mark_is_read(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    body = b'\xef\xbb\xbf{"id": "x", "userName": "bom"}'
    server.inject(Fault.body(body, status=200, content_type=SCIM_JSON))
    resp = bare_client.read_user("x")
    assert resp.ok and resp.user is not None and resp.user.user_name == "bom"


# -- 4. paging numbers that are not integers ------------------------------------------

NOT_INTEGERS = ["²", "12.5", 12.5, True, "9" * 5000, [1], {"n": 1}, None, "-3"]


@pytest.mark.parametrize("value", NOT_INTEGERS)
def test_paging_numbers_that_are_not_integers_read_as_absent(
    bare_client: SCIMClient, server: SCIMServer, value: object
) -> None:
    page = {
        "schemas": [LIST_RESPONSE],
        "totalResults": value,
        "startIndex": value,
        "itemsPerPage": value,
        "Resources": [],
    }
    server.inject(Fault.status(200, body=page, content_type=SCIM_JSON))
    resp = bare_client.search_users()
    assert (resp.total_results, resp.start_index, resp.items_per_page) == (None, None, None)


def test_paging_numbers_given_as_digit_strings_are_read() -> None:
    page = {"totalResults": " 12 ", "startIndex": "1", "itemsPerPage": 10**30}
    resp = SearchUsersResponse(
        url="x", status_code=200, headers=Headers(), raw_body=json.dumps(page).encode()
    )
    assert (resp.total_results, resp.start_index, resp.items_per_page) == (12, 1, 10**30)


@pytest.mark.parametrize("value", ["²", "9" * 5000, 1.5, True])
def test_iter_users_with_a_total_that_is_not_an_integer_reads_until_an_empty_page(
    bare_client: SCIMClient, server: SCIMServer, value: object
) -> None:
    users = [{"id": f"u{n}", "userName": f"user{n}"} for n in range(2)]
    page = {"schemas": [LIST_RESPONSE], "totalResults": value, "Resources": users}
    server.inject(Fault.status(200, body=page, content_type=SCIM_JSON), method="GET")
    assert [u.user_name for u in bare_client.iter_users()] == ["user0", "user1"]
    assert len(server.requests) == 2  # the second page, from the real (empty) server


# -- 5. bulk limits that are not positive integers -------------------------------------


def bulk_config(max_operations: object, max_payload_size: object) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "bulk": {
            "supported": True,
            "maxOperations": max_operations,
            "maxPayloadSize": max_payload_size,
        },
    }


OPERATIONS = [
    BulkOperation(method="POST", path="/Users", bulk_id=f"u{n}", data={"userName": f"b{n}"})
    for n in range(3)
]


@pytest.mark.parametrize(
    ("max_operations", "max_payload_size"),
    [("2", "100"), (True, True), (2.5, 0.5), (-1, -1), (0, 0), (None, [100]), ({}, "")],
)
def test_bulk_ignores_server_limits_that_are_not_positive_integers(
    bare_client: SCIMClient, server: SCIMServer, max_operations: object, max_payload_size: object
) -> None:
    config = bulk_config(max_operations, max_payload_size)
    server.inject(Fault.status(200, body=config, content_type=SCIM_JSON), method="GET")
    result = bare_client.bulk(OPERATIONS)
    assert result.ok and len(result.responses) == 1 and len(result.ids) == 3


def test_bulk_after_discover_ignores_a_string_max_operations(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    config = bulk_config("1", 1_000_000)
    server.inject(Fault.status(200, body=config, content_type=SCIM_JSON), path="ServiceProvider")
    bare_client.discover()
    result = bare_client.bulk(OPERATIONS)
    assert result.ok and len(result.responses) == 1


# -- 6. other values of the wrong kind ------------------------------------------------


@pytest.mark.parametrize("status", ["²", "4O9", 409.5, ["409"]])
def test_error_status_that_is_not_an_integer_falls_back_to_the_http_status(
    bare_client: SCIMClient, server: SCIMServer, status: object
) -> None:
    body = {"status": status, "scimType": "uniqueness", "detail": "taken"}
    server.inject(Fault.status(409, body=body, content_type=SCIM_JSON))
    resp = bare_client.read_user("x")
    assert resp.errors is not None and resp.errors.status == 409
    assert resp.errors.scim_type == "uniqueness"


def test_bulk_operation_status_that_is_not_an_integer_is_a_failed_operation(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    answered = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
        "Operations": [{"method": "POST", "bulkId": "u0", "status": "²"}],
    }
    server.inject(Fault.status(200, body=bulk_config(10, 1_000_000), content_type=SCIM_JSON))
    server.inject(Fault.status(200, body=answered, content_type=SCIM_JSON), method="POST")
    result = bare_client.bulk(OPERATIONS[:1])
    assert not result.ok and [op.status_code for op in result.failed] == [None]


def test_odd_resource_shapes_are_read_leniently(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    page = {
        "schemas": LIST_RESPONSE,
        "totalResults": 3,
        "Resources": [
            "not an object",
            7,
            {"id": "u1", "userName": "a", "schemas": "urn:x", "meta": {"version": ["W/1"]}},
        ],
    }
    server.inject(Fault.status(200, body=page, content_type=SCIM_JSON))
    resp = bare_client.search_users()
    [user] = resp.users
    assert user.user_name == "a" and user.etag is None
    server.inject(
        Fault.status(200, body={"id": "u1", "meta": {"version": 3}}, content_type=SCIM_JSON)
    )
    assert bare_client.read_user("u1").etag is None


def test_detail_nested_deeper_than_repr_reaches_is_abbreviated(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # json.loads reads 900 levels; str() of them, a few hundred frames further down, fails.
    body = b'{"status": "400", "detail": ' + b"[" * 900 + b"]" * 900 + b"}"
    server.inject(Fault.body(body, status=400, content_type=SCIM_JSON))
    resp = bare_client.read_user("x")
    assert "[[[" in error_detail(resp)
    assert "HTTP 400" in str(resp.to_error())


# -- 7. anything at all, as a body or a header value ------------------------------------

PROPERTIES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)

LEAF = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(300, 4000).map(lambda n: 10**n)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["²", "٣", "\ud800", "9" * 30, "1e400", "\r\n", "é"])
)
KEYS = st.sampled_from(
    [
        "schemas",
        "id",
        "userName",
        "meta",
        "Resources",
        "totalResults",
        "startIndex",
        "itemsPerPage",
        "status",
        "detail",
        "scimType",
        "Errors",
        "version",
        "password",
        "path",
    ]
) | st.text(max_size=6)
JSON_VALUES = st.recursive(
    LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=10,
)


def deeply(value: Any, depth: int) -> bytes:
    """`{"Resources": [[[...value...]]]}`, `depth` arrays deep, written without recursion."""
    inner = json.dumps(value).encode("utf-8", "surrogatepass")
    return b'{"Resources": ' + b"[" * depth + inner + b"]" * depth + b"}"


BODIES = (
    st.binary(max_size=80)
    | JSON_VALUES.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass"))
    | st.tuples(JSON_VALUES, st.integers(0, 3000)).map(lambda p: deeply(p[0], p[1]))
    | st.integers(0, 20_000).map(lambda n: b"\xef\xbb\xbf" + b"{" * n)
)
HEADER_VALUES = st.text(st.characters(max_codepoint=0x2FF), max_size=40) | st.sampled_from(
    ["Fri, 31 Dec 9999 23:59:59 -2359", "1e400", "http://[::1/x", "http://h:99999/", 'W/"\x80"']
)
STATUSES = st.sampled_from([200, 201, 301, 302, 307, 400, 404, 409, 412, 429, 500, 503])


def touch(resp: SCIMResponse) -> None:
    """Every property a caller reads; only scimkit's own exceptions may come out."""
    for name in ("body", "ok", "errors", "snake_cased_body", "etag", "not_modified"):
        getattr(resp, name)
    if isinstance(resp, SearchUsersResponse):
        for user in resp.users:
            repr(user)
            user.to_dict()
        assert resp.total_results is None or isinstance(resp.total_results, int)
        assert resp.start_index is None or isinstance(resp.start_index, int)
        assert resp.items_per_page is None or isinstance(resp.items_per_page, int)
        assert resp.next_cursor is None or isinstance(resp.next_cursor, str)
    if isinstance(resp, ReadUserResponse) and resp.user is not None:
        repr(resp.user)
        resp.user.to_dict()
    repr(resp.errors)
    str(resp.to_error())
    try:
        resp.raise_for_status()
    except SCIMError:
        pass


@PROPERTIES
@given(body=BODIES, status=STATUSES, header=HEADER_VALUES)
def test_any_body_and_header_value_gives_a_response_or_a_scim_error(
    body: bytes, status: int, header: str
) -> None:
    headers = Headers(
        {"Content-Type": header, "ETag": header, "Retry-After": header, "Location": header}
    )
    for cls in (SCIMResponse, SearchUsersResponse, ReadUserResponse):
        touch(
            cls(
                url="http://h.example/scim/Users",
                status_code=status,
                headers=headers,
                raw_body=body,
            )
        )
    loggable_body(body)
    parse_retry_after(header)
    request = HttpRequest(method="GET", url="http://h.example/scim/Users", headers={})
    redirect_target(request, HttpResponse(status_code=status, headers=headers, body=body))

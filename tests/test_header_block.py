"""The pooled handlers read a response's header block themselves (not through `email`).

Each answer below is written byte for byte by the local server's raw fault, so what is
checked is what the client makes of the bytes on the wire.
"""

from __future__ import annotations

import pytest

from scimkit import RemoteProtocolError, SCIMClient
from scimkit.testing import Fault, SCIMServer

from .checks import pool_of

BODY = b'{"id": "1", "userName": "cal"}'


def answer(*fields: bytes, body: bytes = BODY, status: bytes = b"200 OK") -> bytes:
    head = b"HTTP/1.1 " + status + b"\r\n" + b"".join(field + b"\r\n" for field in fields)
    return head + b"\r\n" + body


def test_header_names_are_found_whatever_their_case(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(
        Fault.raw(
            answer(
                b"content-TYPE: application/scim+json",
                b"CONTENT-LENGTH: %d" % len(BODY),
                b'etag: W/"7"',
            )
        )
    )
    resp = bare_client.read_user("1")
    assert resp.ok and resp.user is not None and resp.user.user_name == "cal"
    assert resp.etag == 'W/"7"' and resp.headers["Content-Type"] == "application/scim+json"


def test_repeated_fields_are_joined_with_a_comma(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(
        Fault.raw(
            answer(
                b"Content-Type: application/json",
                b"Content-Length: %d" % len(BODY),
                b"Warning: 199 - first",
                b"Warning: 199 - second",
            )
        )
    )
    resp = bare_client.read_user("1")
    assert resp.headers["warning"] == "199 - first, 199 - second"


def test_a_folded_field_value_continues_on_the_next_line(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(
        Fault.raw(
            answer(
                b"Content-Type: application/json",
                b"X-Note: one",
                b"  two",
                b"Content-Length: %d" % len(BODY),
            )
        )
    )
    resp = bare_client.read_user("1")
    assert resp.headers["X-Note"] == "one two" and resp.ok


def test_lines_that_are_not_fields_are_ignored(bare_client: SCIMClient, server: SCIMServer) -> None:
    server.inject(
        Fault.raw(
            answer(
                b"Content-Type: application/json",
                b"this line has no colon",
                b"Bad Name : value",
                b"Content-Length: %d" % len(BODY),
            )
        )
    )
    resp = bare_client.read_user("1")
    assert resp.ok and "Bad Name " not in resp.headers and len(resp.headers) == 2


def test_identical_repeated_content_lengths_are_accepted(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    length = b"Content-Length: %d" % len(BODY)
    server.inject(Fault.raw(answer(b"Content-Type: application/json", length, length)))
    assert bare_client.read_user("1").ok


def test_conflicting_content_lengths_are_a_protocol_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # RFC 9112 §6.3: a message whose lengths disagree cannot be framed; smuggling starts here.
    server.inject(
        Fault.raw(
            answer(
                b"Content-Type: application/json",
                b"Content-Length: %d" % len(BODY),
                b"Content-Length: 3",
            )
        )
    )
    with pytest.raises(RemoteProtocolError, match="conflicting Content-Length"):
        bare_client.read_user("1")


def test_an_interim_100_continue_is_skipped(bare_client: SCIMClient, server: SCIMServer) -> None:
    interim = b"HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
    final = answer(b"Content-Type: application/json", b"Content-Length: %d" % len(BODY))
    server.inject(Fault.raw(interim + final))
    resp = bare_client.read_user("1")
    assert resp.status_code == 200 and resp.ok and "X-Interim" not in resp.headers


def test_chunked_body_is_read_to_its_last_chunk(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    server.inject(
        Fault.raw(
            answer(b"Content-Type: application/json", b"Transfer-Encoding: chunked", body=chunks)
        )
    )
    resp = bare_client.read_user("1")
    assert resp.ok and resp.body == {"id": "1", "userName": "cal"}


def test_a_body_without_length_ends_when_the_server_closes(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(Fault.raw(answer(b"Content-Type: application/json", b"Connection: close")))
    resp = bare_client.read_user("1")
    assert resp.ok and resp.raw_body == BODY
    # The connection was not kept: the next call opens another and still works.
    assert bare_client.read_user("missing").status_code == 404


def test_too_many_header_fields_are_a_protocol_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    fields = [b"X-Field-%d: %d" % (n, n) for n in range(150)]
    server.inject(Fault.raw(answer(b"Content-Type: application/json", *fields)))
    with pytest.raises(RemoteProtocolError, match="more than 100 headers"):
        bare_client.read_user("1")


@pytest.mark.parametrize(("count", "ok"), [(100, True), (101, False)])
def test_a_hundred_header_fields_are_the_limit(
    bare_client: SCIMClient, server: SCIMServer, count: int, ok: bool
) -> None:
    framing = [b"Content-Type: application/json", b"Content-Length: %d" % len(BODY)]
    fields = [b"X-Field-%d: %d" % (n, n) for n in range(count - len(framing))]
    server.inject(Fault.raw(answer(*framing, *fields)))
    if ok:
        assert len(bare_client.read_user("1").headers) == count
    else:
        with pytest.raises(RemoteProtocolError, match="more than 100 headers"):
            bare_client.read_user("1")


def test_a_header_block_longer_than_the_read_buffer_is_read_whole(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    fields = [b"X-Long-%d: %s" % (n, b"v" * 300) for n in range(60)]  # about 19 KB
    server.inject(
        Fault.raw(
            answer(*fields, b"Content-Type: application/json", b"Content-Length: %d" % len(BODY))
        )
    )
    resp = bare_client.read_user("1")
    assert resp.ok and resp.user is not None and resp.user.user_name == "cal"
    assert len(resp.headers) == 62 and resp.headers["x-long-59"] == "v" * 300


def test_bare_line_feeds_end_header_lines_too(bare_client: SCIMClient, server: SCIMServer) -> None:
    head = b"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: %d\nX-A: 1\n\n"
    server.inject(Fault.raw(head % len(BODY) + BODY))
    resp = bare_client.read_user("1")
    assert resp.ok and resp.headers["X-A"] == "1" and resp.user is not None


def test_an_answer_without_header_fields_is_read_to_the_close(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(Fault.raw(b"HTTP/1.1 200 OK\r\n\r\n" + BODY))
    resp = bare_client.read_user("1")
    assert len(resp.headers) == 0 and resp.raw_body == BODY


def test_an_endless_header_line_is_a_protocol_error(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.inject(Fault.raw(answer(b"X-Huge: " + b"a" * 70_000)))
    with pytest.raises(RemoteProtocolError, match="LineTooLong"):
        bare_client.read_user("1")


def test_a_kept_alive_connection_serves_the_next_call_after_a_raw_answer(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # The server keeps the connection open after its hand-written answer: the POST that
    # follows is only understood if the client read exactly Content-Length bytes.
    server.inject(
        Fault.raw(
            answer(b"Content-Type: application/json", b"Content-Length: %d" % len(BODY)),
            close=False,
        )
    )
    assert bare_client.read_user("1").ok
    created = bare_client.create_user({"userName": "after"})
    assert created.status_code == 201
    pool = pool_of(bare_client)
    assert pool.opened == 1 and pool.reused == 1


def test_a_connection_closed_after_a_raw_answer_is_not_reused_for_a_read(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    # Closed by the server after the answer: a later GET finds out and opens a new one
    # (either before sending or by replaying, which is safe for a GET).
    server.inject(
        Fault.raw(answer(b"Content-Type: application/json", b"Content-Length: %d" % len(BODY)))
    )
    assert bare_client.read_user("1").ok
    assert bare_client.search_users(count=1).ok

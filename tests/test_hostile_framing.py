"""Hostile servers and proxies: interim answers, framing the client cannot trust, and stalls
before the request is even sent (the TCP connect, a proxy's CONNECT, the TLS handshake).

The answers are written byte for byte, by the local server's raw fault or by a small
listener in this module, so what is checked is what the client makes of the bytes on the
wire (RFC 9110 §15.2 for interim answers, RFC 9112 §6 and §7.1 for framing).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from scimkit import DeadlineExceeded, ProxyError, RemoteProtocolError, SCIMClient
from scimkit.testing import Fault, SCIMServer

from .checks import pool_of
from .tls import client_context

BODY = b'{"id": "1", "userName": "cal"}'
JSON = b"Content-Type: application/json"
LENGTH = b"Content-Length: %d" % len(BODY)


def answer(*fields: bytes, body: bytes = BODY, status: bytes = b"200 OK") -> bytes:
    head = b"HTTP/1.1 " + status + b"\r\n" + b"".join(field + b"\r\n" for field in fields)
    return head + b"\r\n" + body


def interim(status: bytes) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\nLink: </style.css>; rel=preload\r\n\r\n"


def fast_client(server: SCIMServer, **kwargs: object) -> SCIMClient:
    """A client that never retries and gives up on a silent server after 2 s, so a client
    that lost the framing fails the test quickly instead of hanging."""
    return SCIMClient(
        server.url,
        token=server.token,
        retry_handlers=[],
        timeout=2,
        **kwargs,  # type: ignore[arg-type]
    )


# -- interim answers (RFC 9110 §15.2) ------------------------------------------------------


def test_an_early_hints_answer_is_skipped_and_the_connection_stays_in_step(
    server: SCIMServer,
) -> None:
    # Kept open after the answer: the second call on the same connection must read its own
    # answer, not the 200 that a client stopping at the 103 would have left unread.
    server.inject(Fault.raw(interim(b"103 Early Hints") + answer(JSON, LENGTH), close=False))
    with fast_client(server) as client:
        first = client.read_user("1")
        assert first.status_code == 200 and first.raw_body == BODY
        assert "Link" not in first.headers
        second = client.read_user("missing")
        assert second.status_code == 404
        pool = pool_of(client)
        assert pool.opened == 1 and pool.reused == 1


def test_several_interim_answers_in_a_row_are_all_skipped(server: SCIMServer) -> None:
    interims = interim(b"102 Processing") + interim(b"103 Early Hints") * 3
    server.inject(Fault.raw(interims + interim(b"100 Continue") + answer(JSON, LENGTH)))
    with fast_client(server) as client:
        resp = client.read_user("1")
        assert resp.status_code == 200 and resp.user is not None
        assert resp.user.user_name == "cal"


def test_sixteen_interim_answers_are_skipped_and_a_seventeenth_is_a_protocol_error(
    server: SCIMServer,
) -> None:
    with fast_client(server) as client:
        server.inject(Fault.raw(interim(b"103 Early Hints") * 16 + answer(JSON, LENGTH)))
        assert client.read_user("1").ok
        # Endless interim answers would keep the call waiting without ever answering it.
        server.inject(Fault.raw(interim(b"103 Early Hints") * 17 + answer(JSON, LENGTH)))
        with pytest.raises(RemoteProtocolError, match="more than 16 interim") as info:
            client.read_user("1")
        assert info.value.request_sent is True


def test_switching_protocols_is_a_protocol_error(server: SCIMServer) -> None:
    # RFC 9110 §15.2.2: a 101 only answers an Upgrade, which a SCIM client never asks for.
    upgrade = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    )
    server.inject(Fault.raw(upgrade + answer(JSON, LENGTH), close=False))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError, match="101 Switching Protocols"):
            client.read_user("1")
        assert pool_of(client).idle_count() == 0
        assert client.read_user("missing").status_code == 404


# -- Content-Length (RFC 9112 §6.3) --------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        b"+5",
        b"-1",
        b"0x10",
        b"1_0",
        b"1e3",
        b"",
        b"5 5",
        "\u0663".encode(),  # ARABIC-INDIC DIGIT THREE, as UTF-8 bytes
        b"\xb2",  # SUPERSCRIPT TWO in ISO-8859-1: str.isdigit() says yes, int() says no
        b"9" * 40,
        b"%d" % (2**53 + 1),
    ],
    ids=repr,
)
def test_a_content_length_that_is_not_a_plain_decimal_number_is_a_protocol_error(
    server: SCIMServer, value: bytes
) -> None:
    # Without a length it can trust, the client must not guess where the body ends (reading
    # to the close would take whatever a smuggled second answer says as part of this one).
    server.inject(Fault.raw(answer(JSON, b"Content-Length: " + value)))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError, match="Content-Length") as info:
            client.read_user("1")
        assert info.value.request_sent is True


@pytest.mark.parametrize("limit", [None, 2**60])
def test_a_huge_content_length_within_bounds_is_read_in_pieces_and_found_cut_short(
    server: SCIMServer, limit: int | None
) -> None:
    # 2**52 bytes could never be held at once: asking for them in one read is a MemoryError
    # (or an OverflowError). The answer ends after the body: it was cut short.
    server.inject(Fault.raw(answer(JSON, b"Content-Length: %d" % 2**52)))
    with fast_client(server, max_response_bytes=limit) as client:
        with pytest.raises(RemoteProtocolError, match=f"cut short after {len(BODY)} bytes"):
            client.read_user("1")


def test_a_short_body_is_a_protocol_error_without_a_size_limit(server: SCIMServer) -> None:
    server.inject(Fault.raw(answer(JSON, b"Content-Length: %d" % (len(BODY) + 10))))
    with fast_client(server, max_response_bytes=None) as client:
        with pytest.raises(RemoteProtocolError, match="cut short"):
            client.read_user("1")


def test_a_content_length_with_surrounding_spaces_is_accepted(server: SCIMServer) -> None:
    server.inject(Fault.raw(answer(JSON, b"Content-Length:   %d  " % len(BODY)), close=False))
    with fast_client(server) as client:
        assert client.read_user("1").raw_body == BODY
        assert client.read_user("missing").status_code == 404
        assert pool_of(client).opened == 1


def test_a_connection_whose_framing_failed_is_closed_not_pooled(server: SCIMServer) -> None:
    # The server keeps the connection open: were it pooled, the next call would read the
    # rest of this answer as its own.
    server.inject(Fault.raw(answer(JSON, b"Content-Length: -1"), close=False))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError):
            client.read_user("1")
        pool = pool_of(client)
        assert pool.idle_count() == 0
        assert client.read_user("missing").status_code == 404
        assert pool.opened == 2


# -- Transfer-Encoding and chunks (RFC 9112 §6.1, §6.3, §7.1) ------------------------------


def chunked_answer(chunks: bytes, *fields: bytes) -> bytes:
    return answer(JSON, b"Transfer-Encoding: chunked", *fields, body=chunks)


@pytest.mark.parametrize(
    "size",
    [b"-1e", b"xyz", b"", b"0x1e", b"+1e", b"1_e", b" 1e", b"0" * 17 + b"1e", b"f" * 15],
    ids=repr,
)
def test_a_chunk_size_that_is_not_a_plain_hex_number_is_a_protocol_error(
    server: SCIMServer, size: bytes
) -> None:
    # http.client reads these with int(line, 16): it takes "-1e" and "0x1e", and turns what it
    # cannot read into an IncompleteRead that says nothing about the chunk size.
    server.inject(Fault.raw(chunked_answer(size + b"\r\n" + BODY + b"\r\n0\r\n\r\n")))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError, match="chunk size"):
            client.read_user("1")


@pytest.mark.parametrize("limit", [None, 1000])
def test_chunk_sizes_in_any_case_with_leading_zeros_and_extensions_are_read(
    server: SCIMServer, limit: int | None
) -> None:
    first, rest = BODY[:26], BODY[26:]
    chunks = b"001A ; name=value\r\n" + first + b"\r\n4\r\n" + rest + b"\r\n0\r\n\r\n"
    assert len(first) == 0x1A
    server.inject(Fault.raw(chunked_answer(chunks), close=False))
    with fast_client(server, max_response_bytes=limit) as client:
        assert client.read_user("1").raw_body == BODY
        assert client.read_user("missing").status_code == 404
        assert pool_of(client).opened == 1


def test_chunk_data_not_followed_by_a_line_end_is_a_protocol_error(server: SCIMServer) -> None:
    # RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF. Two other bytes
    # there mean the size was a lie.
    chunks = b"%x\r\n%sXY0\r\n\r\n" % (len(BODY) - 2, BODY)
    server.inject(Fault.raw(chunked_answer(chunks)))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError, match="chunk"):
            client.read_user("1")


def test_an_endless_trailer_section_is_a_protocol_error(server: SCIMServer) -> None:
    trailers = b"".join(b"X-Trailer-%d: %d\r\n" % (n, n) for n in range(150))
    chunks = b"%x\r\n%s\r\n0\r\n%s\r\n" % (len(BODY), BODY, trailers)
    server.inject(Fault.raw(chunked_answer(chunks)))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError, match="trailer"):
            client.read_user("1")


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"chunked, chunked", b"identity", b"br"])
def test_a_transfer_coding_other_than_chunked_is_a_protocol_error(
    server: SCIMServer, coding: bytes
) -> None:
    # RFC 9112 §6.1 and §7.4: only chunked may be sent to a client that sent no TE field.
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    server.inject(Fault.raw(answer(JSON, b"Transfer-Encoding: " + coding, LENGTH, body=chunks)))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError, match="Transfer-Encoding"):
            client.read_user("1")


def test_chunked_with_a_content_length_is_read_as_chunks_and_the_connection_dropped(
    server: SCIMServer,
) -> None:
    # RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, and the pair "ought to be
    # handled as an error": the answer is read, the connection is not trusted again.
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    server.inject(Fault.raw(chunked_answer(chunks, b"Content-Length: 3"), close=False))
    with fast_client(server) as client:
        assert client.read_user("1").raw_body == BODY
        pool = pool_of(client)
        assert pool.idle_count() == 0
        assert client.read_user("missing").status_code == 404
        assert pool.opened == 2


def test_transfer_encoding_in_an_http_1_0_answer_is_a_protocol_error(server: SCIMServer) -> None:
    # RFC 9112 §6.3: such framing "MUST" be treated as faulty.
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    head = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    server.inject(Fault.raw(head + b"\r\n" + chunks))
    with fast_client(server) as client:
        with pytest.raises(RemoteProtocolError, match="HTTP/1.0"):
            client.read_user("1")


# -- one deadline for the whole call, connect, tunnel and handshake included ---------------

# Every stalling peer below gives up after this long, so that a client that does not honour
# its 0.5 s deadline fails the test in seconds rather than waiting out its 30 s timeout.
GIVE_UP_AFTER = 8.0
TRICKLE_INTERVAL = 0.1


def stay_silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(GIVE_UP_AFTER)


def trickle(data: bytes) -> Callable[[socket.socket, threading.Event], None]:
    """Send `data` one byte at a time: each byte well within any socket timeout."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        for byte in data:
            if stop.wait(TRICKLE_INTERVAL):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return
        stop.wait(GIVE_UP_AFTER)

    return behave


@contextmanager
def stalling_listener(behave: Callable[[socket.socket, threading.Event], None]) -> Iterator[int]:
    """A port on 127.0.0.1 whose connections are accepted and then handled by `behave`."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # closing a listener does not wake an accept() blocked on it
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            behave(conn, stop)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            thread = threading.Thread(target=handle, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for thread in threads:
            thread.join(5)


def assert_cut_off_before_sending(client: SCIMClient) -> None:
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="deadline of 0.5s") as info:
        client.search_users()
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"the call took {elapsed:.1f}s"
    assert info.value.request_sent is False
    assert "before the request was sent" in str(info.value)


# A CONNECT answer whose head never ends: every byte resets the per-read timeout.
ENDLESS_CONNECT_ANSWER = b"HTTP/1.1 200 Connection established\r\n" + b"X-Pad: x\r\n" * 20
# A TLS handshake record announcing 16 KiB that arrive a byte at a time.
ENDLESS_TLS_RECORD = b"\x16\x03\x03\x40\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    "behave", [stay_silent, trickle(ENDLESS_CONNECT_ANSWER)], ids=["silent", "trickling"]
)
def test_a_proxy_that_never_answers_the_connect_is_cut_off_by_the_deadline(
    behave: Callable[[socket.socket, threading.Event], None],
) -> None:
    with stalling_listener(behave) as port:
        with SCIMClient(
            "https://127.0.0.1:9/scim/v2",
            token="t",
            proxy=f"http://127.0.0.1:{port}",
            timeout=30,
            deadline=0.5,
        ) as client:
            assert_cut_off_before_sending(client)


@pytest.mark.parametrize(
    "behave", [stay_silent, trickle(ENDLESS_TLS_RECORD)], ids=["silent", "trickling"]
)
def test_a_server_that_stalls_the_tls_handshake_is_cut_off_by_the_deadline(
    behave: Callable[[socket.socket, threading.Event], None],
) -> None:
    with stalling_listener(behave) as port:
        with SCIMClient(
            f"https://127.0.0.1:{port}/scim/v2",
            token="t",
            ssl=client_context(),
            timeout=30,
            deadline=0.5,
        ) as client:
            assert_cut_off_before_sending(client)


def test_a_deadline_cut_after_the_request_went_out_says_it_was_sent(server: SCIMServer) -> None:
    server.inject(Fault.trickle(TRICKLE_INTERVAL))
    with SCIMClient(server.url, token=server.token, timeout=30, deadline=0.5) as client:
        with pytest.raises(DeadlineExceeded, match="before the answer was complete") as info:
            client.search_users()
        assert info.value.request_sent is True


@contextmanager
def full_accept_queue() -> Iterator[int]:
    """A port whose accept queue is full and never drained: Linux drops the SYNs of further
    connects, which then wait for as long as their timeout allows."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # room for one connection not yet accepted
        address = listener.getsockname()
        with socket.create_connection(address, timeout=5), socket.socket() as probe:
            probe.settimeout(0.3)
            try:
                probe.connect(address)
            except socket.timeout:
                pass
            else:
                pytest.skip("this system completes connects past a full accept queue")
            yield address[1]


def test_a_tcp_connect_that_hangs_is_cut_off_by_the_deadline() -> None:
    with full_accept_queue() as port:
        with SCIMClient(
            f"http://127.0.0.1:{port}/scim/v2", token="t", timeout=30, deadline=0.5
        ) as client:
            assert_cut_off_before_sending(client)


def answer_connect_with(data: bytes) -> Callable[[socket.socket, threading.Event], None]:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.settimeout(5)
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(4096)
        conn.sendall(data)

    return behave


@pytest.mark.parametrize(
    "data",
    [b"SSH-2.0-OpenSSH_9.6\r\n", b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * 70_000 + b"\r\n\r\n"],
    ids=["not-http", "endless-header-line"],
)
def test_a_proxy_whose_connect_answer_is_not_http_is_a_proxy_error(data: bytes) -> None:
    # Nothing went to the origin server: the request was not sent, whatever the proxy said.
    with stalling_listener(answer_connect_with(data)) as port:
        with SCIMClient(
            "https://127.0.0.1:9/scim/v2",
            token="t",
            proxy=f"http://127.0.0.1:{port}",
            retry_handlers=[],
        ) as client:
            with pytest.raises(ProxyError, match="answer to CONNECT is not valid HTTP") as info:
                client.search_users()
            assert info.value.request_sent is False

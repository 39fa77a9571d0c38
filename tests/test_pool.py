"""Keep-alive connection reuse, thread safety and TLS, through real sockets."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Iterator

import pytest

from scimkit import ConnectError, RemoteProtocolError, SCIMClient, TLSError, User
from scimkit.testing import Fault, SCIMServer

from .checks import pool_of, resource_id
from .tls import CERT, client_context, server_context


def test_calls_reuse_one_connection(client: SCIMClient, server: SCIMServer) -> None:
    for n in range(20):
        assert client.create_user(User(user_name=f"u{n}")).status_code == 201
    pool = pool_of(client)
    assert pool.opened == 1 and pool.reused == 19
    assert len(server.requests) == 20


def test_keep_alive_false_opens_a_connection_per_request(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, keep_alive=False) as client:
        for _ in range(3):
            assert client.search_users().ok
        pool = pool_of(client)
        assert pool.opened == 3 and pool.reused == 0 and pool.idle_count() == 0
        assert all(r.headers["Connection"] == "close" for r in server.requests)


def test_a_connection_the_server_closed_while_idle_is_replaced(
    client: SCIMClient, server: SCIMServer
) -> None:
    user_id = resource_id(client.create_user(User(user_name="idle")))
    assert server._httpd is not None
    server._httpd.close_connections()  # the server drops every idle keep-alive connection
    # A POST, which must not be replayed blindly, still goes through: the dead connection is
    # noticed before anything is sent on it.
    assert client.create_user(User(user_name="after")).status_code == 201
    assert client.read_user(user_id).status_code == 200
    pool = pool_of(client)
    assert pool.opened == 2
    assert [u["userName"] for u in server.resources("Users")] == ["idle", "after"]


def test_close_releases_idle_connections_and_the_client_stays_usable(
    client: SCIMClient, server: SCIMServer
) -> None:
    client.search_users()
    assert pool_of(client).idle_count() == 1
    client.close()
    assert pool_of(client).idle_count() == 0
    assert client.search_users().ok


def test_threads_sharing_a_client_each_get_their_answers(
    client: SCIMClient, server: SCIMServer
) -> None:
    errors: list[str] = []

    def work(worker: int) -> None:
        for n in range(15):
            name = f"w{worker}-{n}"
            created = client.create_user(User(user_name=name))
            user = created.user
            if created.status_code != 201 or user is None or user.user_name != name:
                errors.append(f"create {name}: {created.status_code}")
                continue
            assert user.id is not None
            read = client.read_user(user.id).user
            if read is None or read.user_name != name:
                errors.append(f"read {name} gave {read and read.user_name}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(server.resources("Users")) == 120
    pool = pool_of(client)
    assert pool.opened <= 8 + 2  # about one connection per thread, not one per call
    assert pool.idle_count() <= pool.max_connections


def test_pool_keeps_at_most_max_connections_idle(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, max_connections=2) as client:
        barrier = threading.Barrier(5)

        def call() -> None:
            barrier.wait()
            client.search_users()

        threads = [threading.Thread(target=call) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert pool_of(client).idle_count() <= 2


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), ("3", TypeError), (True, TypeError)])
def test_max_connections_is_validated(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_connections"):
        # A str and a bool are passed on purpose: they must be refused at run time.
        SCIMClient("https://example.com/scim", max_connections=value)  # type: ignore[arg-type]


@pytest.fixture
def tls_server() -> Iterator[SCIMServer]:
    with SCIMServer(ssl_context=server_context()) as running:
        yield running


def test_https_with_verified_certificate_and_reuse(tls_server: SCIMServer) -> None:
    assert tls_server.url.startswith("https://127.0.0.1:")
    with SCIMClient(tls_server.url, token=tls_server.token, ssl=client_context()) as client:
        user_id = resource_id(client.create_user(User(user_name="tls")))
        read = client.read_user(user_id).user
        assert read is not None and read.user_name == "tls"
        assert pool_of(client).opened == 1


def test_https_with_an_untrusted_certificate_fails_verification(tls_server: SCIMServer) -> None:
    client = SCIMClient(tls_server.url, token=tls_server.token, retry_handlers=[])
    with pytest.raises(TLSError) as info:
        client.search_users()
    assert info.value.request_sent is False
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)


class ClientCertificateServer:
    """A TLS 1.3 server that requires a client certificate, and says so with an alert.

    It reads what the client sent before closing, so that the close is clean and the alert
    reaches the client instead of being discarded by a reset.
    """

    def __init__(self) -> None:
        self.context = server_context()
        self.context.minimum_version = ssl.TLSVersion.TLSv1_3
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.context.load_verify_locations(cafile=str(CERT))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}/scim/v2"
        self.refusals: list[str] = []
        self.thread = threading.Thread(target=self._serve_one, daemon=True)
        self.thread.start()

    def _serve_one(self) -> None:
        conn, _ = self.listener.accept()
        tls = self.context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except ssl.SSLError as exc:
            self.refusals.append(exc.reason or "")
        raw = socket.socket(fileno=tls.detach())
        raw.settimeout(5)
        with raw:
            while raw.recv(65536):
                pass

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


def test_a_server_that_requires_a_client_certificate_gives_a_tls_error_saying_so() -> None:
    peer = ClientCertificateServer()
    try:
        client = SCIMClient(peer.url, token="t", ssl=client_context())
        with client, pytest.raises(TLSError) as info:
            client.search_users()
    finally:
        peer.close()
    assert peer.refusals == ["PEER_DID_NOT_RETURN_A_CERTIFICATE"]
    assert "CERTIFICATE_REQUIRED" in str(info.value)
    assert "load_cert_chain" in str(info.value)
    # The client finished its handshake and sent the request before the server refused.
    assert info.value.request_sent is None


def test_a_reset_during_the_tls_handshake_is_a_connect_error_retried_even_for_a_post() -> None:
    """Nothing of the request went out: any method may be tried again."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    accepted: list[int] = []
    done = threading.Event()

    def reset_each_handshake() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            accepted.append(1)
            with conn:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.recv(10)  # a piece of the ClientHello, then a reset

    thread = threading.Thread(target=reset_each_handshake, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/scim/v2"
    try:
        client = SCIMClient(url, token="t", ssl=client_context())
        with client, pytest.raises(ConnectError) as info:
            client.create_user(User(user_name="never-sent"))
    finally:
        done.set()
        thread.join(5)
        listener.close()
    assert info.value.request_sent is False and not info.value.outcome_unknown
    assert "could not connect" in str(info.value)
    assert len(accepted) == 2  # the default handler tried once more


def test_https_without_keep_alive(tls_server: SCIMServer) -> None:
    with SCIMClient(
        tls_server.url, token=tls_server.token, ssl=client_context(), keep_alive=False
    ) as client:
        assert client.search_users().ok


def test_a_get_on_a_reused_connection_that_drops_is_replayed_once(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, retry_handlers=[]) as client:
        client.search_users()  # leaves one idle connection in the pool
        server.inject(Fault.drop())
        assert client.search_users().ok
        assert len(server.requests) == 3
        assert pool_of(client).opened == 2


def test_a_post_on_a_reused_connection_that_drops_is_not_replayed(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, retry_handlers=[]) as client:
        client.search_users()
        server.inject(Fault.drop_after_processing())
        with pytest.raises(RemoteProtocolError):
            client.create_user(User(user_name="once"))
        assert len(server.requests) == 2
        assert [u["userName"] for u in server.resources("Users")] == ["once"]

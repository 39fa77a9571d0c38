"""Proxies from the environment and from the `proxy` argument, through a real loopback proxy."""

from __future__ import annotations

import socket
import threading
import urllib.parse

import pytest

from scimkit import ProxyError, SCIMClient, User
from scimkit._proxy import select_proxy
from scimkit._wire import redact_url
from scimkit.testing import SCIMServer

from .checks import resource_id
from .forwarding_proxy import ForwardingProxy
from .tls import client_context, server_context


def test_http_proxy_from_the_environment_is_used(
    server: SCIMServer, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = SCIMClient(server.url, token=server.token)
    assert client.search_users().ok
    assert len(proxy.seen) == 1
    assert proxy.seen[0][0].startswith(server.url + "/Users")


def test_no_proxy_sends_listed_hosts_directly(
    server: SCIMServer, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
    client = SCIMClient(server.url, token=server.token)
    assert client.search_users().ok
    assert proxy.seen == [] and len(server.requests) == 1


def test_explicit_proxy_sends_basic_credentials_only_to_the_proxy(
    server: SCIMServer, proxy: ForwardingProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="scimkit")
    host = urllib.parse.urlsplit(proxy.url).netloc
    client = SCIMClient(server.url, token=server.token, proxy=f"http://ops:pr0xy-pw@{host}")
    assert client.search_users().ok
    assert proxy.seen[0][1] == "Basic b3BzOnByMHh5LXB3"  # base64("ops:pr0xy-pw")
    assert "Proxy-Authorization" not in server.requests[-1].headers
    assert "pr0xy-pw" not in repr(client)
    assert "pr0xy-pw" not in caplog.text and "b3BzOnByMHh5LXB3" not in caplog.text
    # The client shows the proxy it uses without the password, even among its attributes.
    assert client.proxy == f"http://[secure]@{host}"
    assert "pr0xy-pw" not in repr(vars(client))


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("ops:pw@proxy.example:3128", "http://[secure]@proxy.example:3128"),
        ("http://proxy.example:3128", "http://proxy.example:3128"),
        ("", ""),
        (None, None),
    ],
)
def test_client_proxy_is_shown_without_credentials(given: str | None, shown: str | None) -> None:
    client = SCIMClient("https://scim.example.com/scim/v2", token="t", proxy=given)
    assert client.proxy == shown


def test_empty_proxy_argument_ignores_the_environment(
    server: SCIMServer, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = SCIMClient(server.url, token=server.token, proxy="")
    assert client.search_users().ok and proxy.seen == []


@pytest.mark.parametrize(
    ("url", "environ", "expected"),
    [
        ("https://h.example.com/x", {"HTTPS_PROXY": "http://p:1"}, "http://p:1"),
        (
            "https://h.example.com/x",
            {"https_proxy": "http://a:1", "HTTPS_PROXY": "http://b:1"},
            "http://a:1",
        ),
        ("https://h.example.com/x", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://h.example.com/x", {"HTTP_PROXY": "http://p:1"}, "http://p:1"),
        ("https://h.example.com/x", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"}, None),
        ("https://h.example.com/x", {"HTTPS_PROXY": "http://p:1", "no_proxy": "*"}, None),
        (
            "https://h.example.com/x",
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other.org"},
            "http://p:1",
        ),
        ("https://h.example.com/x", {}, None),
    ],
)
def test_select_proxy_reads_the_standard_variables(
    url: str, environ: dict[str, str], expected: str | None
) -> None:
    assert select_proxy(url, None, environ) == expected


def test_redact_url_hides_userinfo() -> None:
    assert redact_url("http://u:pw@proxy:3128/x") == "http://[secure]@proxy:3128/x"
    assert redact_url("https://example.com/scim") == "https://example.com/scim"


def test_https_goes_through_a_connect_tunnel_with_proxy_credentials(
    proxy: ForwardingProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="scimkit")
    host = urllib.parse.urlsplit(proxy.url).netloc
    with SCIMServer(ssl_context=server_context()) as origin:
        client = SCIMClient(
            origin.url,
            token=origin.token,
            ssl=client_context(),
            proxy=f"http://ops:pr0xy-pw@{host}",
        )
        user_id = resource_id(client.create_user(User(user_name="tunnelled")))
        read = client.read_user(user_id).user
        assert read is not None and read.user_name == "tunnelled"
        client.close()
        port = urllib.parse.urlsplit(origin.url).port
        # One tunnel, reused for both calls; credentials on the CONNECT only.
        assert proxy.seen == [(f"CONNECT 127.0.0.1:{port}", "Basic b3BzOnByMHh5LXB3")]
        assert all("Proxy-Authorization" not in r.headers for r in origin.requests)
    assert "pr0xy-pw" not in caplog.text


def test_a_refused_tunnel_is_a_proxy_error_and_its_connection_is_closed_at_once() -> None:
    # Before Python 3.11.4, http.client left the proxy's answer to CONNECT open, and with it
    # the socket, until the garbage collector ran (CPython gh-103472). The proxy sees the
    # connection end while the error, and everything it refers to, is still alive.
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def refuse() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            seen.append(head)
            conn.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b"Proxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n"
            )
            try:
                seen.append(conn.recv(4096))  # b"" once the client has closed its end
            except socket.timeout:
                seen.append(b"still open after 5 seconds")

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()
    with listener:
        client = SCIMClient(
            "https://scim.invalid/scim/v2",
            token="t",
            proxy=f"http://127.0.0.1:{listener.getsockname()[1]}",
        )
        with pytest.raises(ProxyError, match="407") as info:
            client.search_users()
        thread.join(10)
        assert info.value.request_sent is False
        assert seen[0].startswith(b"CONNECT scim.invalid:443 ")
        assert seen[1:] == [b""]
        client.close()


def test_https_proxy_from_the_environment(
    proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with SCIMServer(ssl_context=server_context()) as origin:
        with SCIMClient(origin.url, token=origin.token, ssl=client_context()) as client:
            assert client.search_users().ok
        assert proxy.seen and proxy.seen[0][0].startswith("CONNECT 127.0.0.1:")


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy"])
def test_an_unusable_proxy_from_the_environment_is_refused_when_the_client_is_made(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setenv(variable, "https://ops:pr0xy-pw@proxy.example:3128")
    with pytest.raises(ValueError, match=f"the {variable} environment variable") as info:
        SCIMClient("https://scim.example.com/scim/v2", token="t")
    assert "http://" in str(info.value) and 'proxy=""' in str(info.value)
    assert "pr0xy-pw" not in str(info.value)
    # Hosts it would not be used for, and clients told to ignore it, are made as usual.
    monkeypatch.setenv("NO_PROXY", "scim.example.com")
    assert SCIMClient("https://scim.example.com/scim/v2", token="t").proxy is None
    monkeypatch.delenv("NO_PROXY")
    assert SCIMClient("https://scim.example.com/scim/v2", token="t", proxy="").proxy == ""
    assert SCIMClient("http://scim.example.com/scim/v2", token="t").proxy is None

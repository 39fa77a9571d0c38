"""Proxies: which one a request goes through, and how its URL is checked and shown.

`select_proxy` follows the conventions of curl and urllib (`HTTPS_PROXY`, `HTTP_PROXY`,
`NO_PROXY`); only `http://` proxies are used, and `https` goes through them in a CONNECT tunnel.
The credentials of a proxy URL stay in the transport: what is shown is `redact_proxy`'s.
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from collections.abc import Mapping

from ._wire import redact_url

__all__ = ["proxy_parts", "proxy_variable", "redact_proxy", "select_proxy", "validate_proxy"]


def select_proxy(
    url: str, proxy: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The proxy URL for a request to `url`, or `None` to connect directly.

    `proxy` given: used for every request; `""` turns proxies off. `None`: the standard
    environment variables (`https_proxy`/`HTTPS_PROXY` for https, `http_proxy`/`HTTP_PROXY`
    for http), with hosts listed in `no_proxy`/`NO_PROXY` reached directly.
    """
    if proxy is not None:
        return proxy or None
    env = os.environ if environ is None else environ
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()

    def read(name: str) -> str:
        return env.get(name) or env.get(name.upper()) or ""

    chosen = read(f"{scheme}_proxy")
    if not chosen:
        return None
    if _bypasses_proxy(parts.hostname or "", parts.port, read("no_proxy")):
        return None
    return chosen


def _bypasses_proxy(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether `no_proxy` (comma-separated hosts, domains, `*`) names this host.

    `example.com` and `.example.com` both match `example.com` and its subdomains; an entry
    with a port (`example.com:8443`) matches only that port.
    """
    host = host.lower().strip("[]")
    for entry in no_proxy.split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry_port = None
        if entry.count(":") == 1 and not entry.endswith("]"):
            entry, _, port_text = entry.partition(":")
            entry_port = int(port_text) if port_text.isdigit() else None
        entry = entry.strip("[]").lstrip(".")
        if entry_port is not None and entry_port != port:
            continue
        if host == entry or host.endswith("." + entry):
            return True
    return False


def proxy_parts(proxy_url: str) -> tuple[str, str, str | None]:
    """(scheme, host:port, Proxy-Authorization value) of a proxy URL."""
    if "://" not in proxy_url:
        proxy_url = "http://" + proxy_url
    parts = urllib.parse.urlsplit(proxy_url)
    if parts.scheme.lower() != "http":
        raise ValueError("proxy must be an http:// URL (the CONNECT tunnel carries https)")
    if not parts.hostname:
        raise ValueError("proxy URL has no host name")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    hostport = f"{host}:{parts.port or 80}"
    auth = None
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        auth = f"Basic {token}"
    return "http", hostport, auth


def validate_proxy(proxy: object) -> str | None:
    """Check the `proxy` argument early, without ever echoing its credentials."""
    if proxy is None:
        return None
    if not isinstance(proxy, str):
        raise TypeError(f"proxy must be a str, not {type(proxy).__name__}")
    if proxy:
        proxy_parts(proxy)
    return proxy


def redact_proxy(proxy: str | None) -> str | None:
    """The proxy URL to show: `http://[secure]@host:port` when it holds credentials."""
    if not proxy:
        return proxy
    return redact_url(proxy if "://" in proxy else "http://" + proxy)


def proxy_variable(url: str, environ: Mapping[str, str]) -> str:
    """The name of the environment variable `select_proxy` read for `url`."""
    name = f"{urllib.parse.urlsplit(url).scheme.lower()}_proxy"
    return name if environ.get(name) else name.upper()

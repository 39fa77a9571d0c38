"""Independent SCIM servers for interoperability tests: `scim2-server` on 127.0.0.1.

`scim2_server()` runs the `scim2-server` WSGI application (from PyPI, built on
`scim2-models`) with its default resource types (User with the enterprise extension, Group),
the RFC 7643 schemas and its default service provider configuration, behind the bearer-token
check of its own `scim2-server` command:

    with scim2_server() as server:
        with SCIMClient(server.url, token=server.token) as client:
            client.create_user(User(user_name="bjensen"))

The standard library's `wsgiref.simple_server` is enough: it passes any method (PATCH
included) to the application and answers HTTP/1.0, closing the connection after each
response, which the client's pool must cope with. `scim2-server` needs Python 3.11+, so it is
imported only when a server is started.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from scimkit import SCIMClient
from scimkit.testing import SCIMServer

__all__ = ["OURS", "SCIM2", "RunningServer", "client_on", "scim2_server"]

# The two kinds of server the interop tests run against (the `kind` fixture in conftest.py).
OURS = "scimkit"
SCIM2 = "scim2-server"


@dataclass(frozen=True)
class RunningServer:
    """Where a started server listens: `url` is the base of the SCIM endpoints."""

    url: str
    token: str | None


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: pytest would show it for every failing test."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@functools.cache
def _provider(max_results: int | None) -> Any:
    """The description of the service, built once: turning the schemas into models is slow."""
    from scim2_models import ScimProvider
    from scim2_server.testserver.application import BEARER_TOKEN_SCHEME
    from scim2_server.utils import (
        load_default_resource_types,
        load_default_schemas,
        load_default_service_provider_config,
    )

    config = load_default_service_provider_config()
    # As `scim2-server --bearer-token` does: announce the scheme, so a 401 names it.
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    if max_results is not None:
        assert config.filter is not None
        config.filter.max_results = max_results
    return ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )


def _application(token: str | None, max_results: int | None) -> Any:
    """A fresh application with empty storage; `token=None` accepts every request."""
    from scim2_server.memory import InMemoryStorage
    from scim2_server.service import ScimService
    from scim2_server.testserver.application import BearerTokenApplication

    provider = _provider(max_results)
    return BearerTokenApplication(
        InMemoryStorage(),
        provider,
        service=ScimService(provider),
        bearer_tokens=[token] if token is not None else [],
    )


@contextmanager
def scim2_server(
    *, require_token: bool = True, max_results: int | None = None
) -> Iterator[RunningServer]:
    """Run `scim2-server` on a free port of 127.0.0.1 until the block ends.

    With `require_token` (the default) it refuses requests without the bearer token it
    yields; otherwise it accepts every request and `token` is `None`. `max_results` lowers
    the configuration's `filter.maxResults` (1000), the most resources one page holds.
    """
    token = secrets.token_urlsafe(16) if require_token else None
    httpd: WSGIServer = make_server(
        "127.0.0.1", 0, _application(token, max_results), handler_class=_QuietHandler
    )
    # A daemon thread, so that a request stuck in the application can never hang the run.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        # The application serves the SCIM endpoints under /v2 (RFC 7644 §3.13).
        yield RunningServer(url=f"http://127.0.0.1:{httpd.server_port}/v2", token=token)
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


@contextmanager
def client_on(kind: str, *, max_results: int | None = None) -> Iterator[SCIMClient]:
    """A `SCIMClient` on a fresh, empty server of that kind (`OURS` or `SCIM2`), with its
    bearer token; `max_results` lowers the most resources one page holds."""
    if kind == OURS:
        ours = SCIMServer() if max_results is None else SCIMServer(max_results=max_results)
        with ours as server, SCIMClient(server.url, token=server.token) as client:
            yield client
    else:
        with scim2_server(max_results=max_results) as theirs:
            with SCIMClient(theirs.url, token=theirs.token) as client:
                yield client

"""A local SCIM server for tests, demos and your own provisioning scripts' test suites.

from scimkit import SCIMClient
from scimkit.testing import Fault, SCIMServer

with SCIMServer() as server:
    client = SCIMClient(server.url, token=server.token)
    server.inject(Fault.status(503), times=2)
    ...
    assert server.requests[-1].method == "POST"

A `SCIMServer` is also a WSGI application (`SCIMClient.for_wsgi(server, server.base_path)`
calls it in-process), and the pytest plugin in `scimkit.testing.pytest_plugin` gives every
test suite `scim_server` and `scim_client` fixtures.
"""

from __future__ import annotations

from ._engine import EngineError
from ._faults import Fault, RecordedRequest
from ._server import SCIMServer

__all__ = ["EngineError", "Fault", "RecordedRequest", "SCIMServer"]

"""A local SCIM server for tests, demos and your own provisioning scripts' test suites.

from scimkit import SCIMClient
from scimkit.testing import Fault, SCIMServer

with SCIMServer() as server:
    client = SCIMClient(server.url, token=server.token)
    server.inject(Fault.status(503), times=2)
    ...
    assert server.requests[-1].method == "POST"
"""

from __future__ import annotations

from ._engine import EngineError
from ._faults import Fault, RecordedRequest
from ._server import SCIMServer

__all__ = ["EngineError", "Fault", "RecordedRequest", "SCIMServer"]

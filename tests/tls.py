"""TLS contexts for tests, from the self-signed localhost certificate in tests/data."""

from __future__ import annotations

import ssl
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CERT = DATA / "localhost-cert.pem"
KEY = DATA / "localhost-key.pem"


def server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    return context


def client_context() -> ssl.SSLContext:
    """Verifies certificates and host names, trusting only the test certificate."""
    return ssl.create_default_context(cafile=str(CERT))

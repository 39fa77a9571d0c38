"""`HttpResponse`: what came back from one attempt, before it is wrapped in a typed response."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._headers import Headers

__all__ = ["HttpResponse"]


class HttpResponse:
    """`status_code`, `headers` (case-insensitive), `body` (bytes) and `data` (parsed JSON)."""

    __slots__ = ("body", "headers", "status_code")

    def __init__(self, *, status_code: int, headers: Mapping[str, str], body: bytes = b"") -> None:
        self.status_code = status_code
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = body

    @property
    def data(self) -> dict[str, Any]:
        """The body as a JSON object, or `{}` when it is not one; never raises."""
        try:
            parsed = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def __repr__(self) -> str:
        return f"HttpResponse(status_code={self.status_code}, headers={self.headers.redacted()!r})"

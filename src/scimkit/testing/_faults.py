"""Faults the local server can inject, and the log of what it received."""

from __future__ import annotations

import json
from typing import Any

from .._headers import Headers

__all__ = ["Fault", "RecordedRequest"]


class RecordedRequest:
    """One request as the server received it."""

    __slots__ = ("body", "headers", "method", "path", "query", "raw_path")

    def __init__(
        self,
        *,
        method: str,
        path: str,
        raw_path: str,
        query: dict[str, list[str]],
        headers: Headers,
        body: bytes,
    ) -> None:
        self.method = method
        self.path = path
        self.raw_path = raw_path
        self.query = query
        self.headers = headers
        self.body = body

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.raw_path}>"


class Fault:
    """What to do instead of (or around) answering a request normally.

    server.inject(Fault.status(429, headers={"Retry-After": "2"}), times=3)
    server.inject(Fault.drop(), method="GET")
    """

    __slots__ = ("code", "content_type", "data", "extra_headers", "kind", "seconds")

    def __init__(
        self,
        kind: str,
        *,
        code: int = 200,
        extra_headers: dict[str, str] | None = None,
        data: bytes | dict[str, Any] | None = None,
        content_type: str | None = None,
        seconds: float = 0.0,
    ) -> None:
        self.kind = kind
        self.code = code
        self.extra_headers = dict(extra_headers or {})
        self.data = data
        self.content_type = content_type
        self.seconds = seconds

    @classmethod
    def status(
        cls,
        code: int,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | dict[str, Any] | None = None,
        content_type: str | None = None,
    ) -> Fault:
        """Answer with `code` instead of handling the request (default body: a SCIM error)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return cls("status", code=code, extra_headers=headers, data=data, content_type=content_type)

    @classmethod
    def body(cls, data: bytes, *, status: int = 200, content_type: str = "text/html") -> Fault:
        """Answer with a body that is not SCIM JSON (an HTML error page, truncated JSON)."""
        return cls("status", code=status, data=bytes(data), content_type=content_type)

    @classmethod
    def drop(cls) -> Fault:
        """Read the request, then close the connection without answering (not processed)."""
        return cls("drop")

    @classmethod
    def drop_after_processing(cls) -> Fault:
        """Carry the request out, then close the connection without answering."""
        return cls("drop_after_processing")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait `seconds`, then answer normally."""
        return cls("delay", seconds=seconds)

    @classmethod
    def raw(cls, data: bytes) -> Fault:
        """Write exactly these bytes, then close the connection."""
        return cls("raw", data=bytes(data))

    def __repr__(self) -> str:
        if self.kind == "status":
            return f"Fault.status({self.code})"
        if self.kind == "delay":
            return f"Fault.delay({self.seconds})"
        return f"Fault.{self.kind}()"

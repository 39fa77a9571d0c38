"""Faults the local server can inject, and the log of what it received."""

from __future__ import annotations

import json
from typing import Any

from .._wire import Headers

__all__ = ["Fault", "RecordedRequest"]


class RecordedRequest:
    """One request as the server received it (frozen).

    `path` is the path percent-decoded, without the query; `raw_path` is the request target
    exactly as on the request line; `query` maps each parameter to its values, blanks kept.

        received = server.requests[-1]
        assert received.method == "PATCH" and received.json["Operations"][0]["op"] == "add"
    """

    __slots__ = ("body", "headers", "method", "path", "query", "raw_path")
    method: str
    path: str
    raw_path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes

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
        # Frozen: a test that holds a record must see what arrived, whatever happens later.
        for name, value in (
            ("method", method),
            ("path", path),
            ("raw_path", raw_path),
            ("query", query),
            ("headers", headers),
            ("body", body),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"RecordedRequest is frozen; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"RecordedRequest is frozen; cannot delete {name!r}")

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
    server.inject(Fault.trickle(0.2, body_only=True))

    The kinds: `status` (any answer instead), `body` (a body that is not SCIM JSON), `drop`
    and `drop_after_processing` (no answer), `delay` (the answer, late), `raw` (exact bytes)
    and `trickle` (the answer a few bytes at a time, a slowloris server).
    """

    __slots__ = (
        "body_only",
        "chunk",
        "close",
        "code",
        "content_type",
        "data",
        "extra_headers",
        "interval",
        "kind",
        "seconds",
    )

    def __init__(
        self,
        kind: str,
        *,
        code: int = 200,
        extra_headers: dict[str, str] | None = None,
        data: bytes | dict[str, Any] | None = None,
        content_type: str | None = None,
        seconds: float = 0.0,
        close: bool = True,
        interval: float = 0.0,
        chunk: int = 1,
        body_only: bool = False,
    ) -> None:
        self.kind = kind
        self.close = close
        self.interval = interval
        self.chunk = chunk
        self.body_only = body_only
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
        """Answer with `code` instead of handling the request (default body: a SCIM error).

        A dict body is sent as JSON, bytes or str as they are.

            Fault.status(429, headers={"Retry-After": "2"})
        """
        _check_status(code)
        if body is not None and not isinstance(body, (bytes, bytearray, str, dict)):
            raise TypeError(f"body must be bytes, str or dict, not {type(body).__name__}")
        data = body.encode("utf-8") if isinstance(body, str) else body
        if isinstance(data, bytearray):
            data = bytes(data)
        return cls("status", code=code, extra_headers=headers, data=data, content_type=content_type)

    @classmethod
    def body(cls, data: bytes, *, status: int = 200, content_type: str = "text/html") -> Fault:
        """Answer with a body that is not SCIM JSON (an HTML error page, truncated JSON).

        Fault.body(b"<html>502 Bad Gateway</html>", status=502)
        """
        _check_status(status)
        return cls("status", code=status, data=_bytes(data), content_type=content_type)

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
        """Wait `seconds`, then answer normally (stopping the server cuts the wait short)."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"seconds must be a number, not {type(seconds).__name__}")
        if not 0 <= seconds < float("inf"):
            raise ValueError(f"seconds must be a finite number >= 0, not {seconds!r}")
        return cls("delay", seconds=float(seconds))

    @classmethod
    def raw(cls, data: bytes, *, close: bool = True) -> Fault:
        """Write exactly these bytes, then close the connection.

        With `close=False` the connection stays open and its next request is answered as
        usual, which shows whether the client read exactly the answer's framed length.
        """
        if not isinstance(close, bool):
            raise TypeError(f"close must be True or False, not {type(close).__name__}")
        return cls("raw", data=_bytes(data), close=close)

    @classmethod
    def trickle(
        cls,
        interval: float = 0.2,
        *,
        chunk: int = 1,
        body_only: bool = False,
        data: bytes | None = None,
    ) -> Fault:
        """Send the answer `chunk` bytes at a time, `interval` seconds apart (slowloris).

        The request is carried out and its usual answer trickled from the first byte of the
        status line, so the headers too are slow to arrive. With `body_only=True` the status
        line and headers are sent at once and only the body trickles. With `interval` shorter
        than the client's read timeout every read gets bytes in time, and only a limit on the
        whole call (scimkit's `deadline=`) ends it.

        With `data`, these exact bytes are trickled instead, the request is not carried out
        and the connection is closed at the end (`body_only` then trickles what follows the
        first blank line). Stopping the server cuts a trickle short and closes its connection.

            Fault.trickle(0.05)                           # one byte every 50 ms, headers too
            Fault.trickle(0.2, chunk=10, body_only=True)  # headers at once, then 10 B / 0.2 s
        """
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise TypeError(f"interval must be a number, not {type(interval).__name__}")
        if not 0 < interval < float("inf"):
            raise ValueError(f"interval must be a finite number > 0, not {interval!r}")
        if isinstance(chunk, bool) or not isinstance(chunk, int):
            raise TypeError(f"chunk must be an int, not {type(chunk).__name__}")
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1, not {chunk}")
        if not isinstance(body_only, bool):
            raise TypeError(f"body_only must be True or False, not {type(body_only).__name__}")
        return cls(
            "trickle",
            data=None if data is None else _bytes(data),
            interval=float(interval),
            chunk=chunk,
            body_only=body_only,
        )

    def __repr__(self) -> str:
        if self.kind == "status":
            return f"Fault.status({self.code})"
        if self.kind == "delay":
            return f"Fault.delay({self.seconds})"
        if self.kind == "trickle":
            body_only = ", body_only=True" if self.body_only else ""
            return f"Fault.trickle({self.interval}, chunk={self.chunk}{body_only})"
        return f"Fault.{self.kind}()"


def _check_status(code: object) -> None:
    if isinstance(code, bool) or not isinstance(code, int):
        raise TypeError(f"status must be an int, not {type(code).__name__}")
    if not 100 <= code <= 599:
        raise ValueError(f"status must be an HTTP status code (100-599), not {code}")


def _bytes(data: object) -> bytes:
    # A str would need an encoding chosen for it; exact bytes are the point of these faults.
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    return bytes(data)

"""`HttpRequest`: what is sent, as retry handlers and logs see it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._headers import Headers

__all__ = ["HttpRequest"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})


class HttpRequest:
    """One request as it goes on the wire: `method`, `url`, `headers`, `body`, `body_params`.

    Every attempt of a call is sent from the same `HttpRequest`, so a retry handler that
    changes `headers` (a refreshed token) changes what the next attempt sends. Its repr
    shows `Authorization` and `Proxy-Authorization` as `[secure]` and drops any
    `user:password@` from the URL, so handing it to a log is safe.
    """

    __slots__ = ("body", "body_params", "headers", "method", "url")

    def __init__(
        self,
        *,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None = None,
        body_params: dict[str, Any] | None = None,
    ) -> None:
        self.method = method.upper()
        self.url = url
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = body
        self.body_params = body_params

    @property
    def is_idempotent(self) -> bool:
        """True for methods that may be repeated safely (RFC 9110 §9.2.2)."""
        return self.method in IDEMPOTENT_METHODS

    def __repr__(self) -> str:
        from .._transport import redact_url

        return (
            f"HttpRequest(method={self.method!r}, url={redact_url(self.url)!r}, "
            f"headers={self.headers.redacted()!r})"
        )

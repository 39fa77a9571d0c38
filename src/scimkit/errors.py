"""Exceptions raised by scimkit.

The rule: **everything a call raises is a `SCIMError`, except `TypeError` and `ValueError` for
the caller's own bad arguments, raised before anything is sent.** Whatever bytes a server or a
proxy sends, they end as a response or as one of the classes below, never as a `ValueError`,
`OverflowError` or `RecursionError` from deep inside; `except SCIMError` never hides a bug in
the calling code.

    SCIMError
    ├── TransportError              the exchange itself failed; `request_sent` says whether the
    │   │                           request may have reached the server
    │   ├── ConnectError            no connection could be made (refused, DNS, unreachable)
    │   ├── TLSError                the TLS handshake or certificate check failed
    │   ├── ProxyError              the proxy refused or failed the CONNECT tunnel
    │   ├── TimeoutException
    │   │   ├── ConnectTimeout      the connection was not made in time
    │   │   └── ReadTimeout         the server did not answer in time
    │   │       └── DeadlineExceeded the call's `deadline` passed (connect, tunnel, TLS,
    │   │                           sending, reading or waiting to retry)
    │   ├── RemoteProtocolError     the connection dropped or the answer was not valid HTTP
    │   └── ResponseTooLarge        the answer is larger than `max_response_bytes`
    ├── PagingError                 the pages of a listing contradict each other: results
    │                               would be lost or repeated without it
    └── SCIMResponseError           the server answered, and the answer is an error
        ├── BadRequest              400
        ├── Unauthorized            401
        ├── Forbidden               403
        ├── NotFound                404
        ├── Conflict                409
        ├── PreconditionFailed      412 (RFC 7644 §3.14: the ETag given is stale)
        ├── PayloadTooLarge         413
        ├── RateLimited             429
        ├── ServerError             5xx
        └── InvalidResponse         a 2xx whose body cannot be read as SCIM JSON

A `SCIMResponseError` carries the HTTP `status`, SCIM's `scim_type` and `detail`, the `method`
and `url` of the request, the `raw_body` and the `response` object, and `hints`: for a 400 to
a request that names an attribute the schemas do not define, which one and the closest name
they do (`str()` shows them after the message). Messages never contain the
bearer token or proxy credentials: URLs are shown without their userinfo part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._wire import Attempt
    from .responses import SCIMResponse

__all__ = [
    "BadRequest",
    "Conflict",
    "ConnectError",
    "ConnectTimeout",
    "DeadlineExceeded",
    "Forbidden",
    "InvalidResponse",
    "NotFound",
    "PagingError",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ProxyError",
    "RateLimited",
    "ReadTimeout",
    "RemoteProtocolError",
    "ResponseTooLarge",
    "SCIMError",
    "SCIMResponseError",
    "ServerError",
    "TLSError",
    "TimeoutException",
    "TransportError",
    "Unauthorized",
    "error_class_for_status",
]


class SCIMError(Exception):
    """The root of every error that comes from the server or the network."""


class TransportError(SCIMError):
    """The HTTP exchange failed before a complete answer was read.

    `request_sent` is `False` when the request certainly did not reach the server (so any
    method may be retried), `True` or `None` when it may have (only idempotent methods are
    safe to retry blindly).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        request_sent: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.request_sent = request_sent
        #: What the client adds to the transport's message (what was not retried, how to
        #: find out whether a create happened), each shown after it.
        self.hints: list[str] = []
        #: The call's history, one `Attempt` per request sent (set by the send loop).
        self.attempts: tuple[Attempt, ...] = ()

    def add_hint(self, hint: str) -> None:
        """Add a sentence that `str(error)` shows after the message."""
        self.hints.append(hint)

    @property
    def outcome_unknown(self) -> bool:
        """True when the request may have been carried out although no answer arrived.

        For a create, search by `userName` / `externalId` (the message names the filter)
        before sending it again, or the resource may be created twice.
        """
        return self.request_sent is not False

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        return "; ".join([self.message, *self.hints]) + where


class ConnectError(TransportError):
    """No connection could be opened: the request never reached the server."""


class TLSError(TransportError):
    """The TLS handshake or the certificate check failed."""


class ProxyError(TransportError):
    """The proxy refused the connection or the CONNECT tunnel."""


class TimeoutException(TransportError):
    """A timeout expired."""


class ConnectTimeout(TimeoutException):
    """The connection was not established in time: the request never reached the server."""


class ReadTimeout(TimeoutException):
    """The server did not answer in time; the request may have been processed."""


class DeadlineExceeded(ReadTimeout):
    """The call's `deadline` passed: wherever the call was (connecting, in the proxy tunnel,
    in the TLS handshake, sending, reading, or about to wait for a retry), it stopped there.

    A `ReadTimeout`, so code written for the read timeout catches it too; `request_sent` says
    whether the request had gone out.
    """


class RemoteProtocolError(TransportError):
    """The connection closed early, or the answer was not valid HTTP."""


class ResponseTooLarge(TransportError):
    """The answer is larger than the client's `max_response_bytes`; it was not read."""


class PagingError(SCIMError):
    """Walking the pages of a listing went wrong in a way that would lose or repeat results.

    A server that ignores `startIndex` and sends a page again, answers from another
    `startIndex` than the one asked for, or stops before its own `totalResults`. `read` is how
    many resources the iterator had yielded, `total_results` what the server announced.
    """

    def __init__(
        self, message: str, *, read: int, total_results: int | None = None, url: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.read = read
        self.total_results = total_results
        self.url = url


class SCIMResponseError(SCIMError):
    """The server answered with an error (or with a body that cannot be read)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        scim_type: str | None = None,
        detail: str | None = None,
        method: str = "",
        url: str = "",
        raw_body: bytes = b"",
        response: SCIMResponse | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.scim_type = scim_type
        self.detail = detail
        self.method = method
        self.url = url
        self.raw_body = raw_body
        self.response = response
        #: What scimkit adds to the server's message, each shown after it by `str()`: for a
        #: 400 to a request that names an attribute the schemas do not define, that name and
        #: the closest one they do ("unknown attribute 'usrName' in filter — did you mean
        #: 'userName'?"). Taken from the response's `hints`.
        self.hints: list[str] = list(response.hints) if response is not None else []

    def add_hint(self, hint: str) -> None:
        """Add a sentence that `str(error)` shows after the message."""
        self.hints.append(hint)

    @property
    def status_code(self) -> int:
        """The HTTP status, under the name `slack_sdk` users know."""
        return self.status

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        """The history of the call that got this answer (`response.attempts`)."""
        return self.response.attempts if self.response is not None else ()

    def __str__(self) -> str:
        return "; ".join([self.message, *self.hints])

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, scim_type={self.scim_type!r}, "
            f"detail={self.detail!r}, method={self.method!r}, url={self.url!r})"
        )


class BadRequest(SCIMResponseError):
    """400: the request was malformed; `scim_type` says how (`invalidFilter`, `uniqueness`…)."""


class Unauthorized(SCIMResponseError):
    """401: the token is missing, wrong or expired."""


class Forbidden(SCIMResponseError):
    """403: the token may not do this."""


class NotFound(SCIMResponseError):
    """404: no such resource or endpoint."""


class Conflict(SCIMResponseError):
    """409: the resource already exists (`scim_type` is usually `uniqueness`)."""


class PreconditionFailed(SCIMResponseError):
    """412: the `If-Match` ETag is stale; read the resource again before writing it."""


class PayloadTooLarge(SCIMResponseError):
    """413: the request body is larger than the server accepts."""


class RateLimited(SCIMResponseError):
    """429: too many requests; `retry_after` is the wait the server asked for, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object):
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(SCIMResponseError):
    """5xx: the server failed."""


class InvalidResponse(SCIMResponseError):
    """A success status whose body is not the SCIM JSON the operation returns."""


_BY_STATUS: dict[int, type[SCIMResponseError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    429: RateLimited,
}


def error_class_for_status(status: int) -> type[SCIMResponseError]:
    """The most precise `SCIMResponseError` subclass for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if 200 <= status < 300:
        return InvalidResponse
    return SCIMResponseError

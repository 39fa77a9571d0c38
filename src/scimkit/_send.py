"""The send loop: one call's attempts, retries, redirects, deadline, logging and history.

`send()` reads top to bottom as what happens to a call:

1. send the request through the transport, following same-origin redirects;
2. record the attempt in the call's history (method, URL without secrets, status or error);
3. ask the retry handlers, in order, whether to try again; the first that says yes names
   the wait (`wait_for`, computed once), which is checked against the deadline and then
   slept by `prepare_for_next_attempt`: the value checked is the value slept;
4. when no handler retries, return the last answer or raise the last `TransportError`.

The transport only moves bytes; nothing here touches a socket.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Sequence

from . import _clock
from ._wire import Attempt, HttpRequest, HttpResponse, loggable_body, redact_headers, redact_url
from .errors import ResponseTooLarge, TransportError
from .retry import RetryHandler, RetryState
from .transports import BaseTransport

__all__ = ["MAX_ATTEMPTS", "MAX_REDIRECTS", "redirect_target", "send"]

# Whatever the handlers say, one call never makes more attempts than this.
MAX_ATTEMPTS = 100
# Redirects followed in one attempt before the last 3xx is handed back.
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def send(
    transport: BaseTransport,
    request: HttpRequest,
    *,
    retry_handlers: Sequence[RetryHandler],
    deadline: float | None,
    logger: logging.Logger,
    max_response_bytes: int | None = None,
) -> tuple[HttpResponse, list[Attempt]]:
    """Send `request` until it succeeds or no handler retries; the answer and the history.

    A `TransportError` that ends the call carries the history too (`error.attempts`).
    """
    state = RetryState()
    history: list[Attempt] = []
    limit = _attempt_limit(retry_handlers)
    call_deadline = None if deadline is None else _clock.Deadline(deadline)
    exchange = _Exchange(transport, logger, call_deadline, max_response_bytes, history)
    number = 0
    while True:
        number += 1
        response, error = exchange.attempt(request, number)
        chosen = None
        if number < limit:
            chosen = _choose_retry(retry_handlers, state, request, response, error, call_deadline)
        if chosen is None:
            break
        handler, wait = chosen
        history[-1].wait = wait
        logger.info(
            "retrying %s %s (attempt %d) after %s",
            request.method,
            redact_url(request.url),
            number + 1,
            history[-1].outcome,
        )
        state.next_attempt_requested = False
        state.next_wait = wait
        handler.prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )
        state.next_wait = None
        if not state.next_attempt_requested:
            break  # the handler changed its mind while preparing (slack_sdk's contract)
    if error is not None:
        raise _final_error(error, request, history)
    assert response is not None  # one of the two is always set
    return response, history


def _attempt_limit(handlers: Sequence[RetryHandler]) -> int:
    """One attempt plus every handler's `max_retry_count`, never more than `MAX_ATTEMPTS`."""
    budget = 1
    for handler in handlers:
        budget += max(0, int(handler.max_retry_count))
    return min(budget, MAX_ATTEMPTS)


def _choose_retry(
    handlers: Sequence[RetryHandler],
    state: RetryState,
    request: HttpRequest,
    response: HttpResponse | None,
    error: TransportError | None,
    deadline: _clock.Deadline | None,
) -> tuple[RetryHandler, float] | None:
    """The first handler that retries this outcome and the wait it asks for, or None.

    The wait is computed here once; a wait that would end past the deadline ends the call.
    """
    for handler in handlers:
        if not handler.can_retry(state=state, request=request, response=response, error=error):
            continue
        wait = max(
            0.0,
            handler.wait_for(state=state, request=request, response=response, error=error),
        )
        if deadline is not None and deadline.expired(after=wait):
            return None
        return handler, wait
    return None


def _final_error(
    error: TransportError, request: HttpRequest, history: list[Attempt]
) -> TransportError:
    error.attempts = tuple(history)
    if error.request_sent is not False and not request.is_idempotent:
        # urllib3 and RFC 9110 §9.2.2: a non-idempotent request whose fate is unknown is
        # never repeated behind the caller's back; say so plainly.
        error.add_hint(
            f"the {request.method} may have reached the server, and it was not sent again"
            " because repeating it is not safe (retry_non_idempotent=True on a handler allows it)"
        )
    return error


class _Exchange:
    """One attempt: the transport's answer, the redirects it leads to, and the logging."""

    __slots__ = ("debug", "deadline", "history", "limit", "logger", "transport")

    def __init__(
        self,
        transport: BaseTransport,
        logger: logging.Logger,
        deadline: _clock.Deadline | None,
        limit: int | None,
        history: list[Attempt],
    ) -> None:
        self.transport = transport
        self.logger = logger
        self.deadline = deadline
        self.limit = limit
        self.history = history
        self.debug = logger.isEnabledFor(logging.DEBUG)

    def attempt(
        self, request: HttpRequest, number: int
    ) -> tuple[HttpResponse | None, TransportError | None]:
        """The outcome of one attempt, redirects followed: an answer or an error."""
        current = request
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self.exchange(current, number)
            except TransportError as error:
                return None, error
            target = redirect_target(current, response)
            if target is None:
                return response, None
            self.logger.debug(
                "following %s from %s to %s",
                response.status_code,
                redact_url(current.url),
                redact_url(target),
            )
            current = HttpRequest(
                method=current.method,
                url=target,
                headers=current.headers,
                body=current.body,
                body_params=current.body_params,
            )
        return response, None

    def exchange(self, request: HttpRequest, number: int) -> HttpResponse:
        """One request through the transport, recorded in the history and logged."""
        if self.debug:
            self.log_request(request, number)
        try:
            response = self.transport.send(request, deadline=self.deadline)
            if self.limit is not None and len(response.body) > self.limit:
                # A transport of the user's own may not enforce the limit; this one does.
                raise ResponseTooLarge(
                    f"the response body is larger than max_response_bytes ({self.limit})",
                    method=request.method,
                    url=redact_url(request.url),
                    request_sent=True,
                )
        except TransportError as error:
            self.history.append(
                Attempt(
                    number=number,
                    method=request.method,
                    url=request.url,
                    error=type(error).__name__,
                )
            )
            self.logger.debug("%s %s failed: %s", request.method, redact_url(request.url), error)
            raise
        self.history.append(
            Attempt(
                number=number,
                method=request.method,
                url=request.url,
                status_code=response.status_code,
            )
        )
        if self.debug:
            self.log_response(request, response)
        return response

    def log_request(self, request: HttpRequest, number: int) -> None:
        self.logger.debug(
            "sending %s %s (attempt %d) headers=%s body=%s",
            request.method,
            redact_url(request.url),
            number,
            redact_headers(request.headers.items()),
            loggable_body(request.body),
        )

    def log_response(self, request: HttpRequest, response: HttpResponse) -> None:
        self.logger.debug(
            "received %s for %s %s headers=%s body=%s",
            response.status_code,
            request.method,
            redact_url(request.url),
            redact_headers(response.headers.items()),
            loggable_body(response.body),
        )


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)


def redirect_target(request: HttpRequest, response: HttpResponse) -> str | None:
    """Where to follow a redirect to, or None to hand the 3xx back to the caller.

    Only to the same origin, so the bearer token never reaches another host. 307 and 308
    keep the method and body (RFC 9110 §15.4.8, §15.4.9) and are followed for any method;
    301, 302 and 303 would turn a POST into a GET, so they are followed for GET and HEAD only.
    """
    status = response.status_code
    if status not in _REDIRECTS:
        return None
    if status in (301, 302, 303) and request.method not in ("GET", "HEAD"):
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    target = urllib.parse.urljoin(request.url, location.strip())
    if _origin(target) != _origin(request.url) or any(c in target for c in "\r\n\0"):
        return None
    return target

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

import sys
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _clock
from ._wire import Attempt, HttpRequest, HttpResponse, loggable_body, redact_headers, redact_url
from .errors import ResponseTooLarge, TransportError
from .retry.state import RetryState
from .transports import BaseTransport

if TYPE_CHECKING:
    import logging

    from .retry import RetryHandler

__all__ = ["MAX_ATTEMPTS", "MAX_REDIRECTS", "redirect_target", "send"]

# Whatever the handlers say, one call never makes more attempts than this.
MAX_ATTEMPTS = 100
# Redirects followed in one attempt before the last 3xx is handed back.
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Every printable ASCII character, `%` included: percent-encoding only adds escapes.
_URI_SAFE = "".join(map(chr, range(0x21, 0x7F)))
_DEBUG = 10  # logging.DEBUG
_default_logger: logging.Logger | None = None


def _scimkit_logger() -> logging.Logger | None:
    """`logging.getLogger("scimkit")`, or None while no code in the process has imported
    `logging`.

    Until then no handler exists and no level was set, so no record of ours (DEBUG and INFO
    only) could be shown: the call skips them instead of importing `logging` (with
    `traceback`, `threading` and more, a large part of what `import scimkit` used to cost).
    Once anything imports it, every call logs as documented (docs/logging.md).
    """
    global _default_logger
    if _default_logger is None and "logging" in sys.modules:
        import logging  # loaded already; if another thread is still loading it, this waits

        _default_logger = logging.getLogger("scimkit")
    return _default_logger


def send(
    transport: BaseTransport,
    request: HttpRequest,
    *,
    retry_handlers: Sequence[RetryHandler],
    deadline: float | None,
    logger: logging.Logger | None,
    max_response_bytes: int | None = None,
) -> tuple[HttpResponse, list[Attempt]]:
    """Send `request` until it succeeds or no handler retries; the answer and the history.

    Records go to `logger`, or to the `scimkit` logger when it is None. A `TransportError`
    that ends the call carries the history too (`error.attempts`).
    """
    log = logger or _scimkit_logger()
    state = RetryState()
    history: list[Attempt] = []
    limit = 1  # one attempt plus every handler's max_retry_count, never past MAX_ATTEMPTS
    for handler in retry_handlers:
        limit += max(0, int(handler.max_retry_count))
    limit = min(limit, MAX_ATTEMPTS)
    call_deadline = None if deadline is None else _clock.Deadline(deadline)
    # DEBUG is decided once per call: with it off, no record is even formatted.
    debug = log if log is not None and log.isEnabledFor(_DEBUG) else None
    number = 0
    while True:
        number += 1
        response, error = _attempt(
            transport, request, number, call_deadline, max_response_bytes, history, debug
        )
        chosen = None
        if number < limit:
            chosen = _choose_retry(retry_handlers, state, request, response, error, call_deadline)
        if chosen is None:
            break
        handler, wait = chosen
        history[-1].wait = wait
        if log is not None:
            log.info(
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


def _attempt(
    transport: BaseTransport,
    request: HttpRequest,
    number: int,
    deadline: _clock.Deadline | None,
    limit: int | None,
    history: list[Attempt],
    debug: logging.Logger | None,
    hops: int = 0,
) -> tuple[HttpResponse | None, TransportError | None]:
    """One attempt, recorded and logged at DEBUG to `debug` (None: not logged): an answer or
    an error. A same-origin redirect is followed within the attempt (`hops` so far), up to
    `MAX_REDIRECTS`."""
    if debug is not None:
        _log_request(debug, request, number)
    try:
        response = transport.send(request, deadline=deadline)
        if limit is not None and len(response.body) > limit:
            # A transport of the user's own may not enforce the limit; this one does.
            raise ResponseTooLarge(
                f"the response body is larger than max_response_bytes ({limit})",
                method=request.method,
                url=redact_url(request.url),
                request_sent=True,
            )
    except TransportError as error:
        history.append(Attempt(number, request.method, request.url, error=type(error).__name__))
        if debug is not None:
            debug.debug("%s %s failed: %s", request.method, redact_url(request.url), error)
        return None, error
    history.append(Attempt(number, request.method, request.url, response.status_code))
    if debug is not None:
        _log_response(debug, request, response)
    if response.status_code in _REDIRECTS and hops < MAX_REDIRECTS:
        moved = _redirected(request, response, debug)
        if moved is not None:
            return _attempt(transport, moved, number, deadline, limit, history, debug, hops + 1)
    return response, None


def _redirected(
    request: HttpRequest, response: HttpResponse, debug: logging.Logger | None
) -> HttpRequest | None:
    """The request a redirect leads to (same method, headers and body), or None."""
    target = redirect_target(request, response)
    if target is None:
        return None
    if debug is not None:
        debug.debug(
            "following %s from %s to %s",
            response.status_code,
            redact_url(request.url),
            redact_url(target),
        )
    return HttpRequest(
        method=request.method,
        url=target,
        headers=request.headers,
        body=request.body,
        body_params=request.body_params,
    )


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


def _log_request(logger: logging.Logger, request: HttpRequest, number: int) -> None:
    logger.debug(
        "sending %s %s (attempt %d) headers=%s body=%s",
        request.method,
        redact_url(request.url),
        number,
        redact_headers(request.headers.items()),
        loggable_body(request.body),
    )


def _log_response(logger: logging.Logger, request: HttpRequest, response: HttpResponse) -> None:
    logger.debug(
        "received %s for %s %s headers=%s body=%s",
        response.status_code,
        request.method,
        redact_url(request.url),
        redact_headers(response.headers.items()),
        loggable_body(response.body),
    )


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of `url`, or None when it has no usable one (a port past 65535,
    a broken IPv6 literal): such a URL is not the origin of anything."""
    try:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        return None


def _as_uri(target: str) -> str | None:
    """`target` with its non-ASCII characters and spaces percent-encoded as UTF-8, or None
    when it holds a control character (which could split the request line)."""
    if any(c < " " or c == "\x7f" for c in target):
        return None
    if target.isascii() and " " not in target:
        return target
    # RFC 3987 §3.1: an IRI becomes a URI by percent-encoding the UTF-8 octets of each
    # character outside ASCII, as browsers do with a `Location`; the server meant that
    # resource, and `http.client` puts nothing else on a request line. `http.client` and WSGI
    # hand header values over as ISO-8859-1 (RFC 9110 §5.5), so the octets the server sent
    # are those characters' Latin-1 codes; wider characters come from a transport of one's own.
    octets = target.encode("latin-1" if max(target) <= "\xff" else "utf-8")
    return urllib.parse.quote(octets, safe=_URI_SAFE)


def redirect_target(request: HttpRequest, response: HttpResponse) -> str | None:
    """Where to follow a redirect to, or None to hand the 3xx back to the caller.

    Only to the same origin, so the bearer token never reaches another host. 307 and 308
    keep the method and body (RFC 9110 §15.4.8, §15.4.9) and are followed for any method;
    301, 302 and 303 would turn a POST into a GET, so they are followed for GET and HEAD only.
    A `Location` that names no usable origin (port 99999, `http://[::1/x`) is not followed;
    non-ASCII characters in a same-origin one are percent-encoded (RFC 3987 §3.1).
    """
    status = response.status_code
    if status not in _REDIRECTS:
        return None
    if status in (301, 302, 303) and request.method not in ("GET", "HEAD"):
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    try:
        joined = urllib.parse.urljoin(request.url, location.strip())
    except ValueError:  # urlsplit refuses a broken IPv6 literal before anything else
        return None
    target = _as_uri(joined)
    if target is None:
        return None
    here = _origin(request.url)
    if here is None or _origin(target) != here:
        return None
    return target

"""Moving bytes: the urllib opener, proxies, error translation and the retry loop.

The opener is assembled by hand rather than with `urllib.request.build_opener()` so that:

- only `http` and `https` are ever opened (no `file:`, `ftp:` or `data:` handlers);
- an HTTP error status comes back as a response, not an exception;
- redirects are followed by the client itself, only to the same origin, and 301/302/303 only
  for GET and HEAD, so the bearer token is never replayed to another host and a POST never
  turns into a GET.
"""

from __future__ import annotations

import base64
import http.client
import logging
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Mapping, Sequence

from . import _clock
from ._pool import (
    BodyTooLarge,
    ConnectionPool,
    DeadlineExceeded,
    PooledHTTPHandler,
    PooledHTTPSHandler,
    WireRequest,
)
from ._wire import Headers, HttpRequest, HttpResponse, loggable_body, redact_headers, redact_url
from .errors import (
    ConnectError,
    ConnectTimeout,
    ProxyError,
    ReadTimeout,
    RemoteProtocolError,
    ResponseTooLarge,
    TLSError,
    TransportError,
)
from .retry import RetryHandler, RetryState

__all__ = ["Transport", "redact_proxy", "redact_url", "select_proxy", "validate_proxy"]

# Whatever the handlers say, one call never makes more attempts than this.
MAX_ATTEMPTS = 100
# Redirects followed in one attempt before the last 3xx is handed back.
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


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
    if status not in (301, 302, 303, 307, 308):
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


def select_proxy(
    url: str, proxy: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The proxy URL for a request to `url`, or `None` to connect directly.

    `proxy` given: used for every request; `""` turns proxies off. `None`: the standard
    environment variables (`https_proxy`/`HTTPS_PROXY` for https, `http_proxy`/`HTTP_PROXY`
    for http), with hosts listed in `no_proxy`/`NO_PROXY` reached directly.
    """
    if proxy is not None:
        return proxy or None
    env = os.environ if environ is None else environ
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()

    def read(name: str) -> str:
        return env.get(name) or env.get(name.upper()) or ""

    chosen = read(f"{scheme}_proxy")
    if not chosen:
        return None
    if _bypasses_proxy(parts.hostname or "", parts.port, read("no_proxy")):
        return None
    return chosen


def _bypasses_proxy(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether `no_proxy` (comma-separated hosts, domains, `*`) names this host.

    `example.com` and `.example.com` both match `example.com` and its subdomains; an entry
    with a port (`example.com:8443`) matches only that port.
    """
    host = host.lower().strip("[]")
    for entry in no_proxy.split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry_port = None
        if entry.count(":") == 1 and not entry.endswith("]"):
            entry, _, port_text = entry.partition(":")
            entry_port = int(port_text) if port_text.isdigit() else None
        entry = entry.strip("[]").lstrip(".")
        if entry_port is not None and entry_port != port:
            continue
        if host == entry or host.endswith("." + entry):
            return True
    return False


def _proxy_parts(proxy_url: str) -> tuple[str, str, str | None]:
    """(scheme, host:port, Proxy-Authorization value) of a proxy URL."""
    if "://" not in proxy_url:
        proxy_url = "http://" + proxy_url
    parts = urllib.parse.urlsplit(proxy_url)
    if parts.scheme.lower() != "http":
        raise ValueError("proxy must be an http:// URL (the CONNECT tunnel carries https)")
    if not parts.hostname:
        raise ValueError("proxy URL has no host name")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    hostport = f"{host}:{parts.port or 80}"
    auth = None
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        auth = f"Basic {token}"
    return "http", hostport, auth


def validate_proxy(proxy: object) -> str | None:
    """Check the `proxy` argument early, without ever echoing its credentials."""
    if proxy is None:
        return None
    if not isinstance(proxy, str):
        raise TypeError(f"proxy must be a str, not {type(proxy).__name__}")
    if proxy:
        _proxy_parts(proxy)
    return proxy


def redact_proxy(proxy: str | None) -> str | None:
    """The proxy URL to show: `http://[secure]@host:port` when it holds credentials."""
    if not proxy:
        return proxy
    return redact_url(proxy if "://" in proxy else "http://" + proxy)


def _proxy_variable(url: str, environ: Mapping[str, str]) -> str:
    """The name of the environment variable `select_proxy` read for `url`."""
    name = f"{urllib.parse.urlsplit(url).scheme.lower()}_proxy"
    return name if environ.get(name) else name.upper()


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text


class Transport:
    """Sends one `HttpRequest` at a time through a urllib opener; retries around it."""

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        ssl_context: ssl.SSLContext,
        proxy: str | None,
        logger: logging.Logger,
        keep_alive: bool = True,
        max_connections: int = 10,
        max_response_bytes: int | None = None,
        deadline: float | None = None,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.ssl_context = ssl_context
        # Only here, never on the client, is the proxy URL kept with its credentials.
        self._proxy = proxy
        self.logger = logger
        self.keep_alive = keep_alive
        self.deadline = deadline
        # keep_alive=False is the same exchange with a pool that keeps nothing.
        self.pool = ConnectionPool(max_connections=max_connections if keep_alive else 0)
        # A client dropped without close() still closes its sockets when collected.
        weakref.finalize(self, self.pool.close)
        opener = urllib.request.OpenerDirector()
        opener.add_handler(
            PooledHTTPHandler(
                self.pool,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_response_bytes=max_response_bytes,
            )
        )
        opener.add_handler(
            PooledHTTPSHandler(
                self.pool,
                context=ssl_context,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_response_bytes=max_response_bytes,
            )
        )
        opener.add_handler(urllib.request.UnknownHandler())
        self.opener = opener
        # Read once: a long-running script keeps the proxy it started with.
        self._environ = dict(os.environ)
        # scheme://host:port -> (proxy (scheme, host:port, Proxy-Authorization) or None,
        # host name as urllib's origin_req_host)
        self._route_for_origin: dict[str, tuple[tuple[str, str, str | None] | None, str]] = {}

    def check_route(self, url: str) -> None:
        """Refuse now, not at the first call, a proxy from the environment that cannot work.

        Every call to `url`'s origin would fail the same way, so the client is not built.
        """
        if self._proxy is not None:
            return  # the proxy argument was checked when it was given
        try:
            self._route(url)
        except ValueError as exc:
            variable = _proxy_variable(url, self._environ)
            raise ValueError(
                f"the {variable} environment variable is not a usable proxy: {exc}; "
                f'pass proxy=... to use another, or proxy="" to connect directly'
            ) from None

    def _route(self, url: str) -> tuple[tuple[str, str, str | None] | None, str]:
        origin = url.split("/", 3)[:3]
        key = origin[0] + "//" + origin[2] if len(origin) == 3 else url
        try:
            return self._route_for_origin[key]
        except KeyError:
            pass
        proxy = select_proxy(url, self._proxy, self._environ)
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        route = (_proxy_parts(proxy) if proxy else None, host)
        self._route_for_origin[key] = route
        return route

    def close(self) -> None:
        """Close the kept-alive connections."""
        self.pool.close()

    # -- one attempt ----------------------------------------------------------------------

    def _urllib_request(self, request: HttpRequest) -> urllib.request.Request:
        proxy, host = self._route(request.url)
        # Giving the origin host saves urllib a second parse of the URL on every call.
        req = WireRequest(request.url, request.body, request.headers, request.method, host)
        if not self.keep_alive:
            req.add_unredirected_header("Connection", "close")
        if proxy is not None:
            scheme, hostport, auth = proxy
            if auth:
                req.add_unredirected_header("Proxy-Authorization", auth)
            req.set_proxy(hostport, scheme)
        return req

    def send(self, request: HttpRequest, deadline: float | None = None) -> HttpResponse:
        """One HTTP exchange; a failure is raised as a `TransportError` subclass.

        `deadline` (a `time.monotonic()` value) cuts the exchange off wherever it is.
        """
        method, url = request.method, redact_url(request.url)
        req = self._urllib_request(request)
        if deadline is not None:
            req.scimkit_deadline = deadline  # type: ignore[attr-defined]
        try:
            with self.opener.open(req) as raw:
                body = raw.read()
                status = raw.status
                headers = raw.headers
                if not isinstance(headers, Headers):
                    headers = Headers(headers.items())
        except urllib.error.URLError as exc:
            raise self._connect_failure(exc.reason, method, url) from exc
        except DeadlineExceeded as exc:
            raise ReadTimeout(
                f"the call's deadline of {self.deadline}s passed before the answer was complete",
                method=method,
                url=url,
                request_sent=True,
            ) from exc
        except BodyTooLarge as exc:
            raise ResponseTooLarge(str(exc), method=method, url=url, request_sent=True) from exc
        except http.client.IncompleteRead as exc:
            raise RemoteProtocolError(
                f"the answer was cut short after {len(exc.partial)} bytes",
                method=method,
                url=url,
                request_sent=True,
            ) from exc
        except (socket.timeout, TimeoutError) as exc:
            raise ReadTimeout(
                f"no answer within the read timeout of {self.read_timeout}s",
                method=method,
                url=url,
                request_sent=True,
            ) from exc
        except http.client.RemoteDisconnected as exc:
            raise RemoteProtocolError(
                "the server closed the connection without answering",
                method=method,
                url=url,
                request_sent=None,
            ) from exc
        except OSError as exc:
            if isinstance(exc, ssl.SSLError) and not isinstance(
                exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)
            ):
                # A TLS alert in place of the answer; an EOF without one is a dropped
                # connection like any other.
                raise self._tls_alert(exc, method, url) from exc
            raise RemoteProtocolError(
                f"the connection failed while waiting for the answer: {_reason(exc)}",
                method=method,
                url=url,
                request_sent=None,
            ) from exc
        except http.client.HTTPException as exc:
            raise RemoteProtocolError(
                f"the answer is not valid HTTP: {type(exc).__name__}: {_reason(exc)}",
                method=method,
                url=url,
                request_sent=True,
            ) from exc
        return HttpResponse(status_code=status, headers=headers, body=body)

    def _tls_alert(self, exc: ssl.SSLError, method: str, url: str) -> TLSError:
        """A TLS alert the server sent once the request went out.

        With TLS 1.3 the server checks a client certificate after the client has finished
        its handshake, so a missing or refused certificate is first seen here.
        """
        text = _reason(exc)
        hint = ""
        if "CERTIFICATE_REQUIRED" in text.upper():
            hint = (
                "; the server requires a client certificate: load one into the ssl context "
                "(context.load_cert_chain(certfile, keyfile))"
            )
        return TLSError(
            f"TLS failed after the request was sent: {text}{hint}",
            method=method,
            url=url,
            request_sent=None,
        )

    def _connect_failure(
        self, reason: str | BaseException, method: str, url: str
    ) -> TransportError:
        """A `URLError` from the opener, which the pooled handlers raise only for a failed
        connect: classify it (a timeout, TLS, a refused tunnel, any other failure)."""
        text = _reason(reason) if isinstance(reason, BaseException) else str(reason)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return ConnectTimeout(
                f"could not connect within {self.connect_timeout}s",
                method=method,
                url=url,
                request_sent=False,
            )
        if isinstance(reason, ssl.SSLError) or isinstance(reason, ssl.CertificateError):
            return TLSError(f"TLS failed: {text}", method=method, url=url, request_sent=False)
        if isinstance(reason, OSError) and "tunnel connection failed" in text.lower():
            return ProxyError(
                f"the proxy refused the tunnel: {redact_url(text)}",
                method=method,
                url=url,
                request_sent=False,
            )
        # The pooled handlers raise URLError only for what fails while connecting (the TCP
        # connect, a proxy tunnel, the TLS handshake): the request was not sent, even when
        # the peer reset the connection half way through the handshake.
        return ConnectError(
            f"could not connect: {text}", method=method, url=url, request_sent=False
        )

    def _send_following_redirects(
        self, request: HttpRequest, deadline: float | None
    ) -> HttpResponse:
        response = self.send(request, deadline)
        current = request
        for _ in range(MAX_REDIRECTS):
            target = redirect_target(current, response)
            if target is None:
                return response
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
            response = self.send(current, deadline)
        return response

    # -- the retry loop -------------------------------------------------------------------

    def perform(self, request: HttpRequest, handlers: Sequence[RetryHandler]) -> HttpResponse:
        """Send `request`, letting `handlers` decide whether and when to try again.

        The first handler whose `can_retry` says yes prepares (waits for) the next attempt.
        The loop is bounded by the handlers' `max_retry_count`s and by `MAX_ATTEMPTS`; when it
        ends, the last response is returned or the last `TransportError` raised.
        """
        state = RetryState()
        budget = 1
        for handler in handlers:
            budget += max(0, int(handler.max_retry_count))
        max_attempts = min(budget, MAX_ATTEMPTS)
        deadline = None if self.deadline is None else _clock.monotonic() + self.deadline
        debug = self.logger.isEnabledFor(logging.DEBUG)
        attempt = 0
        while True:
            attempt += 1
            response: HttpResponse | None = None
            error: TransportError | None = None
            if debug:
                self._log_request(request, attempt)
            try:
                response = self._send_following_redirects(request, deadline)
            except TransportError as exc:
                error = exc
                self.logger.debug("%s %s failed: %s", request.method, redact_url(request.url), exc)
            else:
                if debug:
                    self._log_response(request, response)
            retry = False
            if attempt < max_attempts:
                state.next_attempt_requested = False
                for handler in handlers:
                    if not handler.can_retry(
                        state=state, request=request, response=response, error=error
                    ):
                        continue
                    if deadline is not None:
                        wait = handler.wait_for(
                            state=state, request=request, response=response, error=error
                        )
                        if _clock.monotonic() + wait >= deadline:
                            # Waiting would end past the call's deadline: give up now.
                            break
                    self.logger.info(
                        "retrying %s %s (attempt %d) after %s",
                        request.method,
                        redact_url(request.url),
                        attempt + 1,
                        f"HTTP {response.status_code}"
                        if response is not None
                        else type(error).__name__,
                    )
                    handler.prepare_for_next_attempt(
                        state=state, request=request, response=response, error=error
                    )
                    retry = True
                    break
            if retry:
                continue
            if error is not None:
                if error.request_sent is not False and not request.is_idempotent:
                    # urllib3 and RFC 9110 §9.2.2: a non-idempotent request whose fate is
                    # unknown is never repeated behind the caller's back; say so plainly.
                    error.message += (
                        f"; the {request.method} may have reached the server, and it was not"
                        " sent again because repeating it is not safe"
                        " (retry_non_idempotent=True on a handler allows it)"
                    )
                raise error
            assert response is not None
            return response

    # -- logging --------------------------------------------------------------------------

    def _log_request(self, request: HttpRequest, attempt: int) -> None:
        if not self.logger.isEnabledFor(logging.DEBUG):
            return
        self.logger.debug(
            "sending %s %s (attempt %d) headers=%s body=%s",
            request.method,
            redact_url(request.url),
            attempt,
            redact_headers(request.headers.items()),
            loggable_body(request.body),
        )

    def _log_response(self, request: HttpRequest, response: HttpResponse) -> None:
        if not self.logger.isEnabledFor(logging.DEBUG):
            return
        self.logger.debug(
            "received %s for %s %s headers=%s body=%s",
            response.status_code,
            request.method,
            redact_url(request.url),
            redact_headers(response.headers.items()),
            loggable_body(response.body),
        )

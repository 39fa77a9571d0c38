"""The wire types: what one attempt sends and gets back, and how each is shown safely.

The bottom of scimkit: every other module may import this one, and it imports nothing of
scimkit, so no layer above can pull a cycle through it.

- `Headers`: case-insensitive HTTP fields;
- `HttpRequest` / `HttpResponse`: one request as sent, one answer as read;
- `Attempt`: one entry of a call's history (what was sent, what came of it, the wait after);
- `IDEMPOTENT_METHODS`: the one definition of the methods safe to send again;
- `parse_retry_after`: RFC 9110's `Retry-After`, never more than `MAX_RETRY_AFTER`;
- `read_json` and `MAX_JSON_DEPTH`: JSON from a server, read so that no depth of nesting ends
  in `RecursionError`;
- redaction: `redact_headers`, `redact_url` and `loggable_body`, the only places that decide
  what of a request or an answer is too secret to show.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import reprlib
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Union

__all__ = [
    "IDEMPOTENT_METHODS",
    "MAX_JSON_DEPTH",
    "MAX_RETRY_AFTER",
    "SENSITIVE_HEADERS",
    "Attempt",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "JSONTooDeep",
    "loggable_body",
    "parse_retry_after",
    "read_json",
    "redact_headers",
    "redact_url",
    "shown",
]

# RFC 9110 §9.2.2: methods whose repetition has the effect of one request. The send loop, the
# retry handlers and the connection pool all ask this set, never a copy of it.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})

# Shown as "[secure]" in reprs and logs, as httpx does.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# JSON keys whose values never reach a log (a PATCH path ending in one hides its value too).
_SECRET_JSON_KEYS = ("password",)

HeadersInput = Union[Mapping[str, str], Iterable[tuple[str, str]], None]

# The deepest nesting of a server's JSON that scimkit walks: log redaction, `snake_cased_body`
# and model copies stop here instead of recursing further, and a body too deep for `json.loads`
# (CPython gives up near `sys.getrecursionlimit()`, 1,000 frames) is reported as nested more
# than this. A SCIM resource nests four or five levels. A walker spends two frames a level
# (the function and its comprehension, before Python 3.12), so 256 levels take about half
# the default recursion limit and leave the other half to the caller's own stack.
MAX_JSON_DEPTH = 256

# The longest wait `parse_retry_after` returns, in seconds (one week). A server may ask for
# more (a date in year 9999, `99999999999999999999`), but no script should wait that long,
# and a float that large overflows `time.sleep`, `threading.Event.wait` and `timedelta`.
MAX_RETRY_AFTER = 7 * 24 * 3600.0


# -- JSON from a server -------------------------------------------------------------------


class JSONTooDeep(ValueError):
    """JSON nested too deeply to read (more than `MAX_JSON_DEPTH` levels)."""


def read_json(data: str | bytes) -> Any:
    """`json.loads(data)`, with nesting too deep for it raised as `JSONTooDeep`.

    Nothing walks the result on the way: a page of 1,000 users costs what `json.loads` costs.
    A `bytes` body may start with a UTF-8 byte-order mark (RFC 8259 §8.1 forbids sending
    one, and allows a reader to ignore it); `json.loads` detects it.
    """
    try:
        return json.loads(data)
    except RecursionError:
        raise JSONTooDeep(f"JSON nested more than {MAX_JSON_DEPTH} levels deep") from None


def shown(value: object) -> str:
    """`repr(value)` for a message; a value nested too deep for `repr` is abbreviated."""
    try:
        return repr(value)
    except RecursionError:
        return reprlib.repr(value)


# -- redaction ----------------------------------------------------------------------------


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A plain dict of `headers` with the value of every credential header replaced."""
    return {
        name: ("[secure]" if name.lower() in SENSITIVE_HEADERS else value)
        for name, value in headers
    }


def redact_url(url: str) -> str:
    """`url` without any `user:password@` part, safe to log or show."""
    if "@" not in url:
        return url
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"[secure]@{host}"))


def loggable_body(body: bytes | None) -> str:
    """A body for the DEBUG log, with password values hidden; never raises."""
    if not body:
        return "''"
    try:
        data: Any = read_json(body)
    except JSONTooDeep:
        return f"'<{len(body)} bytes of JSON nested more than {MAX_JSON_DEPTH} levels deep>'"
    except ValueError:  # UnicodeDecodeError included
        return repr(body[:2000])
    try:
        return json.dumps(_hide_secrets(data, 0), ensure_ascii=False)
    except RecursionError:  # the caller's own stack was already deep
        return f"'<{len(body)} bytes of JSON too deep to show here>'"


def _hide_secrets(value: Any, depth: int) -> Any:
    if depth >= MAX_JSON_DEPTH and isinstance(value, (dict, list)):
        # What lies deeper is not walked, so it cannot be checked for secrets: not shown.
        return "[nested too deep]"
    if isinstance(value, dict):
        # A PATCH operation carries the password as {"path": "password", "value": ...}.
        path = value.get("path")
        secret_path = isinstance(path, str) and path.lower().endswith(_SECRET_JSON_KEYS)
        return {
            k: (
                "[secure]"
                if str(k).lower() in _SECRET_JSON_KEYS or (secret_path and k == "value")
                else _hide_secrets(v, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hide_secrets(v, depth + 1) for v in value]
    return value


# -- headers ------------------------------------------------------------------------------


class Headers(MutableMapping[str, str]):
    """HTTP headers: lookup ignores case, iteration keeps the case they were given in.

    Repeated headers from a response are joined with `", "` (RFC 9110 §5.3).
    """

    __slots__ = ("_store",)

    def __init__(self, headers: HeadersInput = None) -> None:
        # lower-cased name -> (name as given, value)
        self._store: dict[str, tuple[str, str]] = {}
        if headers is None:
            return
        items = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in items:
            key = name.lower()
            if key in self._store:
                self._store[key] = (self._store[key][0], f"{self._store[key][1]}, {value}")
            else:
                self._store[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __setitem__(self, name: str, value: str) -> None:
        self._store[name.lower()] = (name, value)

    def __delitem__(self, name: str) -> None:
        del self._store[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        # Mapping.get goes through __getitem__ and a KeyError on every miss.
        found = self._store.get(name.lower())
        return default if found is None else found[1]

    def wire_fields(self) -> dict[str, str]:
        """The fields as they go on the wire: names in title case (`User-Agent`), values."""
        return {name.title(): value for name, value in self._store.values()}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return {k: v for k, (_, v) in self._store.items()} == {
            str(k).lower(): v for k, v in other.items()
        }

    def copy(self) -> Headers:
        duplicate = Headers()
        duplicate._store = self._store.copy()
        return duplicate

    def redacted(self) -> dict[str, str]:
        """A plain dict safe to log or show: credential values become `[secure]`."""
        return redact_headers(self.items())

    def __repr__(self) -> str:
        return f"Headers({self.redacted()!r})"


# -- one request, one answer --------------------------------------------------------------


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
        return (
            f"HttpRequest(method={self.method!r}, url={redact_url(self.url)!r}, "
            f"headers={self.headers.redacted()!r})"
        )


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
            parsed = read_json(self.body)
        except ValueError:  # JSONTooDeep and UnicodeDecodeError included
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def __repr__(self) -> str:
        return f"HttpResponse(status_code={self.status_code}, headers={self.headers.redacted()!r})"


class Attempt:
    """One request the send loop made for a call, as its history keeps it.

    - `number`: 1 for the first attempt, 2 for the first retry…; a redirect followed within an
      attempt is recorded with the same number;
    - `method` and `url` (without any `user:password@`);
    - `status_code` of the answer, or `error`: the name of the `TransportError` raised;
    - `wait`: the seconds slept after this request before the next attempt (0 when none).

    `response.attempts` and `error.attempts` hold the history of the call that made them:

        resp = client.read_user(user_id)
        [(a.number, a.status_code, a.wait) for a in resp.attempts]  # [(1, 503, 0.5), (2, 200, 0.0)]
    """

    __slots__ = ("error", "method", "number", "status_code", "url", "wait")

    def __init__(
        self,
        number: int,
        method: str,
        url: str,
        status_code: int | None = None,
        error: str | None = None,
        wait: float = 0.0,
    ) -> None:
        self.number = number
        self.method = method
        self.url = redact_url(url) if "@" in url else url
        self.status_code = status_code
        self.error = error
        self.wait = wait

    @property
    def outcome(self) -> str:
        """`"HTTP 503"` or the error's class name, as the retry log says it."""
        return f"HTTP {self.status_code}" if self.status_code is not None else str(self.error)

    def __repr__(self) -> str:
        return (
            f"Attempt(number={self.number}, method={self.method!r}, url={self.url!r}, "
            f"outcome={self.outcome!r}, wait={self.wait!r})"
        )


# -- Retry-After --------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime.datetime | None = None) -> float | None:
    """Seconds to wait, or `None` when `value` is missing or unreadable (RFC 9110 §10.2.3).

    `"120"` and (tolerated) `"1.5"` are seconds; an HTTP date is counted from `now`, and a
    date in the past means 0. Never raises, and never returns more than `MAX_RETRY_AFTER`
    (a week), however far off the server says.

        parse_retry_after("30")                               # 30.0
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")    # 0.0 (long past)
        parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT")    # 604800.0 (MAX_RETRY_AFTER)
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # `float` reads "1e400" and 21 nines as inf or 1e20: a number asking for forever,
        # clamped; the words "nan" and "inf" are no number of seconds at all.
        if seconds != seconds or seconds < 0 or "inf" in text.lower():
            return None
        return min(seconds, MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        current = now or datetime.datetime.now(datetime.timezone.utc)
        waited = (when - current).total_seconds()
    except (TypeError, ValueError, IndexError, OverflowError):
        # OverflowError: a year, hour or zone offset of more digits than a C int holds.
        return None
    return min(max(0.0, waited), MAX_RETRY_AFTER)

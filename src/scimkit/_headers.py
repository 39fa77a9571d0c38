"""A case-insensitive header mapping that hides credentials when shown."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Union

__all__ = ["SENSITIVE_HEADERS", "Headers", "redact_headers"]

# Shown as "[secure]" in reprs and logs, as httpx does.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)

HeadersInput = Union[Mapping[str, str], Iterable[tuple[str, str]], None]


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A plain dict of `headers` with the value of every credential header replaced."""
    return {
        name: ("[secure]" if name.lower() in SENSITIVE_HEADERS else value)
        for name, value in headers
    }


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

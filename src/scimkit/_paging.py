"""Walking a search page by page: `startIndex`/`count` (RFC 7644 §3.4.2.4) or cursors (RFC 9865).

Both walkers take `fetch`, a function that asks the server for one page, so that they hold no
client state and can be read (and tested) on their own. One page is in memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable, TypeVar

from .models import Resource
from .responses import SearchResponse

__all__ = ["PAGINATIONS", "cursor_pages", "index_pages", "prefers_cursor"]

R = TypeVar("R", bound=Resource)
PAGINATIONS = ("auto", "index", "cursor")


def prefers_cursor(config: Any) -> bool:
    """Whether a ServiceProviderConfig says cursors are the server's default (RFC 9865)."""
    paging: Any = getattr(config, "pagination", None)
    method = getattr(paging, "default_pagination_method", None)
    return bool(getattr(paging, "cursor", False)) and str(method).lower() == "cursor"


def index_pages(fetch: Callable[..., SearchResponse[R]]) -> Iterator[R]:
    """Every resource, asking with `startIndex` from 1 until the results end.

    Servers differ, so the loop does not trust any one number: it stops on an empty page,
    when `startIndex` passes the latest `totalResults`, and when a page repeats the previous
    one (a server that ignores `startIndex`). Without `totalResults` it asks until a page
    comes back empty, so a server that returns fewer items than asked never cuts it short.
    A page that fails raises its `SCIMResponseError`.
    """
    start = 1
    previous_ids: list[Any] | None = None
    while True:
        page = fetch(start_index=start)
        if not page.ok:
            raise page.to_error()
        items = page.resources
        if not items:
            return
        ids = [item.id for item in items]
        if ids == previous_ids:
            return
        previous_ids = ids
        yield from items
        start += len(items)
        total = page.total_results
        if total is not None and start > total:
            return


def cursor_pages(fetch: Callable[..., SearchResponse[R]]) -> Iterator[R]:
    """Every resource, asking with `cursor=` (empty first) and following `nextCursor`.

    A cursor seen before would loop forever (a server bug): the walk stops instead, as it does
    at an empty page.
    """
    cursor = ""
    seen: set[str] = set()
    while True:
        page = fetch(cursor=cursor)
        if not page.ok:
            raise page.to_error()
        yield from page.resources
        following = page.next_cursor
        if following is None or following in seen or not page.resources:
            return
        seen.add(following)
        cursor = following

"""Walking a search page by page: `startIndex`/`count` (RFC 7644 §3.4.2.4) or cursors (RFC 9865).

Both walkers take `fetch`, a function that asks the server for one page, so that they hold no
client state and can be read (and tested) on their own. One page is in memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable, Literal, TypeVar, overload

from .errors import PagingError
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


@overload
def index_pages(fetch: Callable[..., SearchResponse[R]]) -> Iterator[R]: ...
@overload
def index_pages(
    fetch: Callable[..., SearchResponse[R]], *, raw: Literal[True]
) -> Iterator[dict[str, Any]]: ...
def index_pages(fetch: Callable[..., SearchResponse[R]], *, raw: bool = False) -> Iterator[Any]:
    """Every resource, asking with `startIndex` from 1 until the results end; with `raw`,
    each as the JSON object the server sent (read only: no model is made).

    The walk trusts the server's numbers only as far as they agree with each other, and raises
    `PagingError` (after yielding what it read) where going on or stopping would silently lose
    or repeat results:

    - A page whose `startIndex` differs from the one asked for: the server counts from
      elsewhere (0-based, or ignores the parameter), so the next `startIndex` would skip or
      repeat resources. A page without `startIndex` is taken as answering what was asked.
    - A page with the same resources as the one before (by `id`): the server ignores
      `startIndex` and would send it forever.
    - An empty page while fewer resources were read than the `totalResults` the server
      announces (on that page, else the latest one): the server stopped before its own end.

    Results that change while paging are not an error: `totalResults` is re-read on every page,
    so a listing that shrinks (a resource deleted meanwhile) ends where its new total says, and
    one that grows is read on. Without `totalResults` the walk asks until a page comes back
    empty, so a server that returns fewer items than asked never cuts it short. A page that
    fails raises its `SCIMResponseError`.
    """
    start = 1
    total: int | None = None
    previous: list[Any] | None = None
    while True:
        page = fetch(start_index=start)
        if not page.ok:
            raise page.to_error()
        total = page.total_results if page.total_results is not None else total
        items: list[Any] = page.resource_objects() if raw else page.resources
        identity = _identity(items)
        problem = _index_problem(page, start, total, not items, identity == previous)
        if problem:
            raise _paging_error(problem, page, start - 1, total)
        if not items:
            return
        previous = identity
        yield from items
        start += len(items)
        if total is not None and start > total:
            return


def _index_problem(
    page: SearchResponse[Any], start: int, total: int | None, empty: bool, repeated: bool
) -> str | None:
    """What the page asked for at `start` contradicts, as `index_pages` states the rules."""
    answered = page.start_index
    if answered is not None and answered != start:
        return f"asked for startIndex={start}, the server answered from startIndex={answered}"
    if empty:
        if total is not None and start - 1 < total:
            return (
                f"the server sent an empty page at startIndex={start}, before its own "
                f"totalResults={total}"
            )
        return None
    if repeated:
        return (
            f"the server sent the page before again for startIndex={start}: it ignores startIndex"
        )
    return None


def _identity(items: list[Any]) -> list[Any]:
    """What tells one page from another: the ids, or the whole resources if some have none."""
    ids = [item.get("id") if isinstance(item, dict) else item.id for item in items]
    if all(isinstance(i, str) and i for i in ids):
        return ids
    return [item if isinstance(item, dict) else item.to_dict() for item in items]


def _paging_error(
    what: str, page: SearchResponse[Any], read: int, total: int | None
) -> PagingError:
    of = f" of {total}" if total is not None else ""
    return PagingError(
        f"{what}; {read}{of} resources were read, the rest would be lost or repeated",
        read=read,
        total_results=total,
        url=page.url,
    )


def cursor_pages(fetch: Callable[..., SearchResponse[R]]) -> Iterator[R]:
    """Every resource, asking with `cursor=` (empty first) and following `nextCursor`.

    The walk ends at a page without `nextCursor`, or at an empty page (a server that hands
    out a fresh cursor even with nothing behind it). `PagingError` where that would lose or
    repeat results: a `nextCursor` seen before (the server would loop), or an end reached with
    fewer resources read than the `totalResults` of the last page (re-read on every page, so
    a listing that shrinks while paging ends cleanly).
    """
    cursor = ""
    seen: set[str] = set()
    read = 0
    total: int | None = None
    while True:
        page = fetch(cursor=cursor)
        if not page.ok:
            raise page.to_error()
        total = page.total_results if page.total_results is not None else total
        yield from page.resources
        read += len(page.resources)
        following = page.next_cursor
        if following is None or not page.resources:
            if total is not None and read < total:
                end = "no nextCursor" if following is None else "an empty page"
                raise _paging_error(
                    f"the server ended the listing ({end}) before its own totalResults={total}",
                    page,
                    read,
                    total,
                )
            return
        if following in seen:
            raise _paging_error(
                f"the server sent nextCursor {following!r} a second time: following it would "
                "repeat pages",
                page,
                read,
                total,
            )
        seen.add(following)
        cursor = following

"""`_Pages`: the async iterator behind `AsyncSCIMClient.iter_users`, `iter_groups` and
`iter_resources`.

It drives the blocking paging iterator of `SCIMClient` from the event loop, a batch of
`page_size` items per trip to a thread of the async client's pool, so that `async for`
never blocks the loop on a socket. `_consume` and `_take` are its two small helpers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from ._aio_base import _AsyncClientBase

T = TypeVar("T")


class _Pages(Generic[T]):
    """Items of a sync paging iterator, `page_size` of them pulled per trip to a thread.

    The sync iterator asks the server for a page only when the previous one is used up,
    so a batch of `page_size` items is one request to a server that honours `count`; a
    server that sends shorter pages is asked as many times as it takes to fill the batch.
    Only one batch is held at a time.

    Cancelling a step while its batch is being fetched does not lose the batch: the fetch
    goes on in its thread and the next step waits for it rather than starting another (two
    threads must never drive the sync iterator at once). A fetch not yet started is dropped.
    """

    def __init__(self, client: _AsyncClientBase, items: Iterator[T], page_size: int) -> None:
        self._client = client
        self._items = items
        self._page_size = page_size
        self._buffer: deque[T] = deque()
        self._exhausted = False
        self._fetch: concurrent.futures.Future[list[T]] | None = None

    def __aiter__(self) -> _Pages[T]:
        return self

    async def __anext__(self) -> T:
        if not self._buffer:
            if self._exhausted:
                raise StopAsyncIteration
            batch = await self._next_batch()
            # A short batch means the sync iterator ended: no need for another trip.
            self._exhausted = len(batch) < self._page_size
            if not batch:
                raise StopAsyncIteration
            self._buffer.extend(batch)
        return self._buffer.popleft()

    async def _next_batch(self) -> list[T]:
        fetch = self._fetch
        if fetch is None:
            fetch = self._fetch = self._client._submit(_take, self._items, self._page_size)
        waiter = asyncio.wrap_future(fetch)
        # Whoever waits for the batch sees its error; a waiter given up on reports nothing.
        waiter.add_done_callback(_consume)
        try:
            # shield: cancelling this step must not cancel the shared fetch by itself.
            batch = await asyncio.shield(waiter)
        except asyncio.CancelledError:
            if fetch.cancel():  # still queued: never sent
                self._fetch = None
            raise
        except BaseException:
            self._fetch = None
            raise
        self._fetch = None
        return batch


def _consume(waiter: asyncio.Future[Any]) -> None:
    if not waiter.cancelled():
        waiter.exception()


def _take(items: Iterator[T], count: int) -> list[T]:
    """The next `count` items at most; `islice` asks for no more than that."""
    return list(islice(items, count))

"""`_AsyncClientBase`: the part of `AsyncSCIMClient` that is not a SCIM call.

It holds the wrapped `SCIMClient`, the bounded thread pool that runs its blocking calls,
the set of calls submitted and not yet finished, and the lifecycle: `from_client`,
`aclose()`, `async with`. `AsyncSCIMClient` (in `scimkit.aio`) inherits it and adds one
coroutine per call of `SCIMClient`, each `await self._run(self._client.<call>, ...)`, and
the paging iterators, each `self._paged(...)` over the sync iterator (see `_aio_pages`).

Its public members are documented with `AsyncSCIMClient`, in `scimkit.aio`; why calls
run in threads, and what cancelling and closing do, is told in that module's docstring.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ._aio_pages import _Pages
from .client import SCIMClient

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import ParamSpec, Self

    from .retry import RetryHandler

    P = ParamSpec("P")

T = TypeVar("T")

THREAD_NAME_PREFIX = "scimkit-aio"


class _AsyncClientBase:
    """The wrapped client, its thread pool and the lifecycle of `AsyncSCIMClient`.

    `_run` is the one way a call reaches a thread; `_paged` the one way an iterator does.
    Both refuse once `aclose()` was called.
    """

    @classmethod
    def from_client(cls, client: SCIMClient, *, max_workers: int | None = None) -> Self:
        """Wrap an existing `SCIMClient`; `aclose()` closes its connection pool too.

            client = AsyncSCIMClient.from_client(SCIMClient.for_wsgi(app, token="t"))

        The sync client stays usable: its retry handlers, its discovery and its connections
        are shared, and closing only drops the kept-alive connections, which it opens again
        if it is used afterwards.
        """
        if not isinstance(client, SCIMClient):
            raise TypeError(f"client must be a SCIMClient, not {type(client).__name__}")
        _check_max_workers(max_workers)
        wrapper = cls.__new__(cls)
        wrapper._start(client, max_workers)
        return wrapper

    def _start(self, client: SCIMClient, max_workers: int | None) -> None:
        self._client = client
        self.max_workers: int = client.max_connections if max_workers is None else max_workers
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.max_workers, thread_name_prefix=THREAD_NAME_PREFIX
        )
        self._closed = False
        # Submitted calls, so that aclose() can wait for them without blocking the loop.
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self._pending_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"AsyncSCIMClient({self._client.base_url!r}, "
            f"scim_version={self._client.scim_version!r}, max_workers={self.max_workers})"
        )

    @property
    def sync_client(self) -> SCIMClient:
        """The `SCIMClient` that performs the calls (its settings are this client's)."""
        return self._client

    @property
    def base_url(self) -> str:
        """The service provider's base URL, as `SCIMClient.base_url`."""
        return self._client.base_url

    @property
    def retry_handlers(self) -> list[RetryHandler]:
        """The wrapped client's own list: appending a handler here changes both."""
        return self._client.retry_handlers

    @property
    def closed(self) -> bool:
        """Whether `aclose()` was called; a closed client refuses calls."""
        return self._closed

    # -- lifecycle ------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Refuse new calls, wait for those submitted, stop the threads, close connections.

            await client.aclose()

        Closing twice does nothing. Calls that were already submitted finish (a cancelled
        one included) before the pool shuts down; the loop keeps running meanwhile.
        """
        if self._closed:
            return
        self._closed = True
        with self._pending_lock:
            waiters = [asyncio.wrap_future(future) for future in self._pending]
        try:
            if waiters:
                await asyncio.wait(waiters)
        except BaseException:
            # aclose() itself was cancelled: let the threads end on their own.
            self._executor.shutdown(wait=False)
            self._client.close()
            raise
        for waiter in waiters:
            # Their callers saw these outcomes, or gave up on them: none is "never retrieved".
            if not waiter.cancelled():
                waiter.exception()
        # Nothing is running now, so the threads exit at once and joining them is quick.
        self._executor.shutdown(wait=True)
        self._client.close()

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- running blocking calls -----------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this AsyncSCIMClient is closed; create a new one")

    def _submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        self._check_open()
        # The caller's context variables travel with the call, as asyncio.to_thread does.
        call = functools.partial(fn, *args, **kwargs)
        future = self._executor.submit(contextvars.copy_context().run, call)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    async def _run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` in a pool thread; cancelling drops it only if not started."""
        return await asyncio.wrap_future(self._submit(fn, *args, **kwargs))

    # -- paging ---------------------------------------------------------------------------

    def _paged(self, items: Iterator[T], page_size: int) -> AsyncIterator[T]:
        self._check_open()
        return _Pages(self, items, page_size)


def _check_max_workers(max_workers: object) -> None:
    if max_workers is None:
        return
    if isinstance(max_workers, bool) or not isinstance(max_workers, int):
        raise TypeError(f"max_workers must be an int or None, not {type(max_workers).__name__}")
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")

"""Retry handlers: what a client does when an attempt fails.

`SCIMClient.retry_handlers` is a list; after each failed attempt the handlers are asked in
order, and the first whose `can_retry` says yes waits (`prepare_for_next_attempt`) and the
call is sent again. A handler of your own overrides `_can_retry`:

    from scimkit.retry import RetryHandler

    class RetryOnConflict(RetryHandler):
        def _can_retry(self, *, state, request, response=None, error=None) -> bool:
            return response is not None and response.status_code == 409

    client.retry_handlers.append(RetryOnConflict(max_retry_count=2))

`error` is a `scimkit.errors.TransportError` (its `request_sent` says whether the server can
have seen the request); `response` is an `HttpResponse`; `request` an `HttpRequest`. Each
attempt of a call is recorded as an `Attempt` in `response.attempts` / `error.attempts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._wire import Attempt, HttpRequest, HttpResponse, parse_retry_after
from .state import RetryState

if TYPE_CHECKING:
    from .builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
        default_retry_handlers,
    )
    from .handler import RetryHandler
    from .interval_calculator import (
        BackoffRetryIntervalCalculator,
        FixedValueRetryIntervalCalculator,
        RetryIntervalCalculator,
    )
    from .jitter import Jitter, RandomJitter
else:

    def __getattr__(name: str) -> object:
        # PEP 562: the handlers are imported with the first client (it makes the default
        # one), the calculators and their jitter at the first retry: most programs never
        # retry.
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = globals()[name] = getattr(importlib.import_module(module, __name__), name)
        return value


_LAZY = {
    "ConnectionErrorRetryHandler": ".builtin_handlers",
    "RateLimitErrorRetryHandler": ".builtin_handlers",
    "ServerErrorRetryHandler": ".builtin_handlers",
    "default_retry_handlers": ".builtin_handlers",
    "RetryHandler": ".handler",
    "BackoffRetryIntervalCalculator": ".interval_calculator",
    "FixedValueRetryIntervalCalculator": ".interval_calculator",
    "RetryIntervalCalculator": ".interval_calculator",
    "Jitter": ".jitter",
    "RandomJitter": ".jitter",
}


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Attempt",
    "BackoffRetryIntervalCalculator",
    "ConnectionErrorRetryHandler",
    "FixedValueRetryIntervalCalculator",
    "HttpRequest",
    "HttpResponse",
    "Jitter",
    "RandomJitter",
    "RateLimitErrorRetryHandler",
    "RetryHandler",
    "RetryIntervalCalculator",
    "RetryState",
    "ServerErrorRetryHandler",
    "default_retry_handlers",
    "parse_retry_after",
]

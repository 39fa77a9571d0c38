"""Reading `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date."""

from __future__ import annotations

import datetime
import email.utils

__all__ = ["parse_retry_after"]


def parse_retry_after(value: str | None, *, now: datetime.datetime | None = None) -> float | None:
    """Seconds to wait, or `None` when `value` is missing or unreadable.

    `"120"` and (tolerated) `"1.5"` are seconds; an HTTP date is counted from `now`, and a
    date in the past means 0.

        parse_retry_after("30")                               # 30.0
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")    # 0.0 (long past)
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
        if seconds != seconds or seconds in (float("inf"), float("-inf")) or seconds < 0:
            return None
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    current = now or datetime.datetime.now(datetime.timezone.utc)
    return max(0.0, (when - current).total_seconds())

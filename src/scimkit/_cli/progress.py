"""The progress line `export` and `import` draw on stderr: count, rate and ETA.

`render_progress` is pure; `ProgressBar` only decides when to redraw, on a clock it is given,
and draws nothing unless told the stream is a terminal (a log file gets no `\\r` noise).
"""

from __future__ import annotations

from typing import Callable, TextIO

__all__ = ["ProgressBar", "format_duration", "render_progress"]


def format_duration(seconds: float) -> str:
    """`m:ss` or `h:mm:ss`, rounded up so that a last second still shows as `0:01`."""
    whole = max(0, int(-(-seconds // 1)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def _rate(per_second: float) -> str:
    return f"{per_second:,.1f}/s" if per_second < 10 else f"{per_second:,.0f}/s"


def render_progress(
    done: int,
    total: int | None,
    elapsed: float,
    *,
    noun: str = "items",
    width: int = 24,
) -> str:
    """One progress line.

    With a known `total`: a bar, the percentage, `done/total`, the rate and the time left
    at that rate. Without one (the server did not say): the count and the rate.

        render_progress(250, 1000, 5.0, noun="users")
        == "[######------------------]  25%  250/1,000 users  50/s  ETA 0:15"
    """
    rate = done / elapsed if elapsed > 0 else 0.0
    parts: list[str] = []
    if total is not None and total > 0:
        fraction = min(done / total, 1.0)
        filled = int(fraction * width)
        parts.append(f"[{'#' * filled}{'-' * (width - filled)}] {fraction * 100:3.0f}%")
        parts.append(f"{done:,}/{total:,} {noun}")
    else:
        parts.append(f"{done:,} {noun}")
    parts.append(_rate(rate))
    if total is not None and done < total and rate > 0:
        parts.append(f"ETA {format_duration((total - done) / rate)}")
    else:
        parts.append(f"in {format_duration(elapsed)}")
    return "  ".join(parts)


class ProgressBar:
    """Redraws `render_progress` on one line of `stream`, at most every `interval` seconds.

    bar = ProgressBar(sys.stderr, enabled=sys.stderr.isatty(), total=n, noun="users")
    for item in items:
        ...
        bar.advance()
    bar.close()
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool,
        total: int | None = None,
        noun: str = "items",
        clock: Callable[[], float],
        interval: float = 0.1,
    ) -> None:
        self.stream = stream
        self.enabled = enabled
        self.total = total
        self.noun = noun
        self.done = 0
        self._clock = clock
        self._interval = interval
        self._started = clock()
        self._drawn_at: float | None = None
        self._shown = 0  # length of the line on screen, 0 when none is

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= self._interval:
            self._draw(now)

    def clear(self) -> None:
        """Take the line off the screen (before printing something else on the terminal)."""
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0
            self._drawn_at = None

    def close(self) -> None:
        """Draw the final figures and end the line."""
        if not self.enabled:
            return
        self._draw(self._clock())
        self.stream.write("\n")
        self.stream.flush()
        self._shown = 0

    def _draw(self, now: float) -> None:
        line = render_progress(self.done, self.total, now - self._started, noun=self.noun)
        self.stream.write("\r" + line.ljust(self._shown))
        self.stream.flush()
        self._shown = len(line)
        self._drawn_at = now

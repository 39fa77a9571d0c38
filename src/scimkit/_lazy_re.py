"""Regular expressions compiled on first use, not when their module is imported.

`re.compile` runs `re`'s parser and compiler, in Python, for a fraction of a millisecond per
pattern; scimkit's patterns (URL paths, header fields, filter tokens) made that a visible part
of `import scimkit`, which command-line tools pay on every run. A `LazyPattern` compiles on its
first call and keeps the compiled pattern's methods on the instance, where they shadow the
class's: every later call goes straight to `re`.

Imports nothing of scimkit.
"""

from __future__ import annotations

import re
import sys

__all__ = ["LazyPattern"]


class LazyPattern:
    """`re.compile(pattern, flags)`, done when `match`, `fullmatch` or `search` is first called.

    _TOKEN = LazyPattern(r"[A-Za-z]+")
    _TOKEN.fullmatch("abc")  # compiles here, once
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def compile(self) -> re.Pattern[str]:
        """The compiled pattern; its methods now answer every call made through `self`."""
        compiled = re.compile(self.pattern, self.flags)
        # Two threads may both get here: each stores an equal pattern's methods, no harm done.
        vars(self).update(
            match=compiled.match, fullmatch=compiled.fullmatch, search=compiled.search
        )
        return compiled

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compile().match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compile().fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compile().search(string, pos, endpos)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"

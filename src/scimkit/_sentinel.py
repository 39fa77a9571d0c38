"""`NOT_GIVEN`: tells "the caller said nothing" apart from "the caller said `None`"."""

from __future__ import annotations

import enum

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven(enum.Enum):
    """The type of `NOT_GIVEN`; an enum so that `mypy` can narrow it away."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven.NOT_GIVEN

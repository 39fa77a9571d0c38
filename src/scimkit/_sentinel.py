"""`NOT_GIVEN`: tells "the caller said nothing" apart from "the caller said `None`"."""

from __future__ import annotations

from typing import ClassVar

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven:
    """The type of `NOT_GIVEN`, which is its only instance: `isinstance(x, NotGiven)` narrows.

    A plain class, not an `enum.Enum`: building an enum class was a visible part of
    `import scimkit`. Like an enum member it survives `copy`, `deepcopy` and pickle as itself.
    """

    __slots__ = ()
    NOT_GIVEN: ClassVar[NotGiven]  # as the enum it used to be spelt it

    def __new__(cls) -> NotGiven:
        try:
            return cls.NOT_GIVEN
        except AttributeError:  # the first, made once below
            return super().__new__(cls)

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "NOT_GIVEN"  # pickled as a reference to the module's `NOT_GIVEN`

    def __copy__(self) -> NotGiven:
        return self

    def __deepcopy__(self, memo: object) -> NotGiven:
        return self


NOT_GIVEN = NotGiven.NOT_GIVEN = NotGiven()

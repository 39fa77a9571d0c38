"""Checking arguments: one helper per kind of value, each naming the argument it refuses.

A wrong type is a `TypeError`, a wrong value a `ValueError`, raised before anything is sent and
outside `SCIMError`, so that `except SCIMError` never hides a bug in the caller. Messages name
the argument and never echo a value that may be a secret.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeVar

__all__ = [
    "header_text",
    "instance",
    "non_negative",
    "int_at_least",
    "seconds",
    "timeout_pair",
]

T = TypeVar("T")


def _type_name(value: object) -> str:
    return type(value).__name__


def instance(name: str, value: object, expected: type[T], what: str = "") -> T:
    """`value` if it is an `expected`, else a `TypeError` naming `name`."""
    if not isinstance(value, expected):
        wanted = what or f"a {expected.__name__}"
        raise TypeError(f"{name} must be {wanted}, not {_type_name(value)}")
    return value


def _number(name: str, value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, not {_type_name(value)}")
    return float(value)


def seconds(name: str, value: object) -> float:
    """A positive, finite number of seconds."""
    result = _number(name, value, "a number of seconds")
    if not 0 < result < float("inf"):
        raise ValueError(f"{name} must be a positive, finite number of seconds, not {value!r}")
    return result


def non_negative(name: str, value: object) -> float:
    """A number of zero or more (a wait, a backoff factor)."""
    result = _number(name, value, "a number")
    if not result >= 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return result


def timeout_pair(value: object) -> tuple[float, float]:
    """`timeout`: seconds for both the connect and each read, or a `(connect, read)` pair."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError("timeout must be a number or a (connect, read) pair")
        return seconds("timeout", value[0]), seconds("timeout", value[1])
    both = seconds("timeout", value)
    return both, both


def int_at_least(name: str, value: object, *, minimum: int = 1, allow_none: bool = False) -> Any:
    """An int of at least `minimum` (`True` and `False` are not ints here), or None if allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "an int or None" if allow_none else "an int"
        raise TypeError(f"{name} must be {kind}, not {_type_name(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def header_text(name: str, value: object) -> str:
    """A str that may go into a header: CR, LF and NUL would let it inject fields.

    The message never shows the value: it may be a token.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"{name} must not contain CR, LF or NUL characters")
    return value

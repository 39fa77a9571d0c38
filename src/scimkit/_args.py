"""Checking arguments: one helper per kind of value, each naming the argument it refuses.

A wrong type is a `TypeError`, a wrong value a `ValueError`, raised before anything is sent and
outside `SCIMError`, so that `except SCIMError` never hides a bug in the caller. Messages name
the argument and never echo a value that may be a secret.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ._lazy_re import LazyPattern

__all__ = [
    "FIELD_VALUE",
    "field_value_problem",
    "header_name",
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
    if type(value) is int or type(value) is float:
        return float(value)
    import numbers  # for the other kinds (Decimal, Fraction): not a cost of `import scimkit`

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


# RFC 9110 §5.5: field-value = *field-content, built of VCHAR, obs-text (0x80-0xFF), SP and
# HTAB. Anything else (CR, LF, NUL, other controls, DEL, text Latin-1 cannot carry) either
# injects fields or fails deep in the transport with the whole value in the exception.
FIELD_VALUE = LazyPattern(r"[\t\x20-\x7e\x80-\xff]*")
# RFC 9110 §5.1 / §5.6.2: a field name is a token.
_FIELD_NAME = LazyPattern(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def field_value_problem(name: str, value: str, *, secret: bool) -> ValueError:
    """The `ValueError` for a header value `FIELD_VALUE` refused; the value itself (a token,
    perhaps) is never shown, and for a `secret` not even the offending character."""
    match = FIELD_VALUE.match(value)
    index = match.end() if match is not None else 0
    char = value[index]
    if char in "\r\n\0":
        kind = "CR, LF or NUL characters"
    elif ord(char) > 0xFF:
        kind = "characters Latin-1 cannot carry"
    else:
        kind = "control characters"
    where = "" if secret else f" (U+{ord(char):04X} at position {index})"
    return ValueError(
        f"{name} must not contain {kind}{where}: a header value holds only visible ASCII, "
        "Latin-1 letters, spaces and tabs (RFC 9110 §5.5)"
    )


def header_text(name: str, value: object, *, secret: bool = False) -> str:
    """A str that may go into a header value (RFC 9110 §5.5); CR, LF and NUL would let it
    inject fields.

    `secret` (a token, an `Authorization`): the message does not even name the character.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    if FIELD_VALUE.fullmatch(value) is None:
        raise field_value_problem(name, value, secret=secret or name == "token")
    return value


def header_name(argument: str, name: object) -> str:
    """A header field name: an RFC 9110 token (no spaces, colons or controls)."""
    if not isinstance(name, str):
        raise TypeError(f"{argument} names must be str, not {_type_name(name)}")
    if _FIELD_NAME.fullmatch(name) is None:
        raise ValueError(
            f"{argument} has an invalid header name {name!r}: a name is an RFC 9110 token "
            "(letters, digits and !#$%&'*+-.^_`|~)"
        )
    return name

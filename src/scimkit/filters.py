"""SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): parse, build, serialise.

Shared by the client (to validate and build filters) and the local server (to evaluate them).

    parse_filter('userName eq "bjensen" and not (emails co "@example.org")')
    F.eq("userName", user_input) & F.pr("title")       # escaped: safe with any input
    str(F.value_path("emails", F.eq("type", "work")))   # 'emails[type eq "work"]'
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, Union

__all__ = [
    "And",
    "AttrPath",
    "Comparison",
    "F",
    "Filter",
    "FilterSyntaxError",
    "Not",
    "Or",
    "PatchPath",
    "Present",
    "ValuePath",
    "parse_filter",
    "parse_path",
    "serialize",
]

COMPARISON_OPERATORS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
Scalar = Union[str, int, float, bool, None]


class FilterSyntaxError(ValueError):
    """A filter or path that does not parse; `position` is the 0-based index of the problem."""

    def __init__(self, problem: str, text: str, position: int) -> None:
        self.problem = problem
        self.text = text
        self.position = position
        super().__init__(f"{problem} at position {position}:\n  {text}\n  {' ' * position}^")


class _Node:
    """Immutable, comparable, hashable AST node."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        # Type-aware: `a eq 1`, `a eq 1.0` and `a eq true` are different filters.
        mine = tuple(map(_hashable, self._fields()))
        return mine == tuple(map(_hashable, other._fields()))

    def __hash__(self) -> int:
        return hash((type(self).__name__, *map(_hashable, self._fields())))

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({args})"


def _hashable(value: Any) -> Any:
    return (type(value).__name__, value) if isinstance(value, (bool, int, float)) else value


class AttrPath(_Node):
    """`attr`, `attr.subAttr`, optionally prefixed by a schema URN (`urn:…:User:attr`)."""

    __slots__ = ("attr", "sub_attr", "uri")
    attr: str
    sub_attr: str | None
    uri: str | None

    def __init__(self, attr: str, sub_attr: str | None = None, uri: str | None = None):
        self._init(attr=attr, sub_attr=sub_attr, uri=uri)

    def __str__(self) -> str:
        text = self.attr if self.sub_attr is None else f"{self.attr}.{self.sub_attr}"
        return text if self.uri is None else f"{self.uri}:{text}"


class _Filter(_Node):
    """The base of filter nodes: `&`, `|` and `~` combine them."""

    __slots__ = ()

    def __and__(self, other: Filter) -> And:
        return And(self, _check_filter(other, "other"))  # type: ignore[arg-type]

    def __or__(self, other: Filter) -> Or:
        return Or(self, _check_filter(other, "other"))  # type: ignore[arg-type]

    def __invert__(self) -> Not:
        return Not(self)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return serialize(self)  # type: ignore[arg-type]


class Comparison(_Filter):
    """`path op value`, with `op` one of eq ne co sw ew gt ge lt le."""

    __slots__ = ("path", "op", "value")
    path: AttrPath
    op: str
    value: Scalar

    def __init__(self, path: AttrPath, op: str, value: Scalar) -> None:
        self._init(path=path, op=op.lower(), value=value)


class Present(_Filter):
    """`path pr`: the attribute has a non-empty value."""

    __slots__ = ("path",)
    path: AttrPath

    def __init__(self, path: AttrPath) -> None:
        self._init(path=path)


class And(_Filter):
    __slots__ = ("left", "right")
    left: Filter
    right: Filter

    def __init__(self, left: Filter, right: Filter) -> None:
        self._init(left=left, right=right)


class Or(_Filter):
    __slots__ = ("left", "right")
    left: Filter
    right: Filter

    def __init__(self, left: Filter, right: Filter) -> None:
        self._init(left=left, right=right)


class Not(_Filter):
    __slots__ = ("expr",)
    expr: Filter

    def __init__(self, expr: Filter) -> None:
        self._init(expr=expr)


class ValuePath(_Filter):
    """`attr[filter]`: some element of a multi-valued attribute matches `filter`."""

    __slots__ = ("path", "filter")
    path: AttrPath
    filter: Filter

    def __init__(self, path: AttrPath, filter: Filter) -> None:
        self._init(path=path, filter=filter)


Filter = Union[Comparison, Present, And, Or, Not, ValuePath]


class PatchPath(_Node):
    """A PATCH `path`: `attrPath`, or `attrPath[valFilter]` with an optional `.subAttr`."""

    __slots__ = ("path", "value_filter", "sub_attr")
    path: AttrPath
    value_filter: Filter | None
    sub_attr: str | None

    def __init__(
        self, path: AttrPath, value_filter: Filter | None = None, sub_attr: str | None = None
    ) -> None:
        self._init(path=path, value_filter=value_filter, sub_attr=sub_attr)

    def __str__(self) -> str:
        text = str(self.path)
        if self.value_filter is not None:
            text += f"[{serialize(self.value_filter)}]"
        if self.sub_attr is not None:
            text += f".{self.sub_attr}"
        return text


# -- serialising ---------------------------------------------------------------------------


def _literal(value: Scalar) -> str:
    return json.dumps(value, ensure_ascii=False)


def serialize(node: Filter) -> str:
    """The canonical text of a filter; `parse_filter(serialize(f)) == f`."""
    if isinstance(node, Comparison):
        return f"{node.path} {node.op} {_literal(node.value)}"
    if isinstance(node, Present):
        return f"{node.path} pr"
    if isinstance(node, ValuePath):
        return f"{node.path}[{serialize(node.filter)}]"
    if isinstance(node, Not):
        return f"not ({serialize(node.expr)})"
    if isinstance(node, And):
        # `and` binds tighter than `or`; both are left-associative.
        left = _wrap(node.left, isinstance(node.left, Or))
        right = _wrap(node.right, isinstance(node.right, (Or, And)))
        return f"{left} and {right}"
    if isinstance(node, Or):
        return f"{serialize(node.left)} or {_wrap(node.right, isinstance(node.right, Or))}"
    raise TypeError(f"not a filter node: {node!r}")


def _wrap(node: Filter, needed: bool) -> str:
    text = serialize(node)
    return f"({text})" if needed else text


# -- parsing -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_]))
  | (?P<word>[A-Za-z$][A-Za-z0-9_$:.\-]*)
  | (?P<punct>[()\[\]])
    """,
    re.VERBOSE,
)
_ATTR_NAME = re.compile(r"^[A-Za-z$][A-Za-z0-9_$\-]*$")


class _Token:
    __slots__ = ("kind", "position", "text")

    def __init__(self, kind: str, text: str, position: int) -> None:
        self.kind = kind
        self.text = text
        self.position = position


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] == '"':
                raise FilterSyntaxError("unterminated string", text, position)
            raise FilterSyntaxError(f"unexpected character {text[position]!r}", text, position)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _attr_path(word: str, text: str, position: int) -> AttrPath:
    uri: str | None = None
    rest = word
    if word.lower().startswith("urn:"):
        uri, _, rest = word.rpartition(":")
        if not uri or not rest:
            raise FilterSyntaxError("a schema URN needs an attribute after it", text, position)
    head, dot, sub = rest.partition(".")
    if not _ATTR_NAME.match(head) or (dot and not _ATTR_NAME.match(sub)):
        raise FilterSyntaxError(f"invalid attribute path {word!r}", text, position)
    return AttrPath(head, sub if dot else None, uri)


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"a filter must be a str, not {type(text).__name__}")
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, problem: str, token: _Token | None = None) -> FilterSyntaxError:
        return FilterSyntaxError(problem, self.text, (token or self.current).position)

    def keyword(self, *words: str) -> bool:
        token = self.current
        return token.kind == "word" and token.text.lower() in words

    def expect(self, punct: str) -> _Token:
        if self.current.kind != "punct" or self.current.text != punct:
            found = self.current.text or "the end"
            raise self.fail(f"expected {punct!r}, found {found!r}")
        return self.advance()

    def parse(self) -> Filter:
        if self.current.kind == "end":
            raise self.fail("empty filter")
        node = self.or_expr(in_value_path=False)
        if self.current.kind != "end":
            raise self.fail(f"unexpected {self.current.text!r}")
        return node

    def or_expr(self, *, in_value_path: bool) -> Filter:
        node = self.and_expr(in_value_path=in_value_path)
        while self.keyword("or"):
            self.advance()
            node = Or(node, self.and_expr(in_value_path=in_value_path))
        return node

    def and_expr(self, *, in_value_path: bool) -> Filter:
        node = self.unary(in_value_path=in_value_path)
        while self.keyword("and"):
            self.advance()
            node = And(node, self.unary(in_value_path=in_value_path))
        return node

    def unary(self, *, in_value_path: bool) -> Filter:
        token = self.current
        if self.keyword("not"):
            self.advance()
            if self.current.text != "(":
                raise self.fail("'not' must be followed by '('")
            self.advance()
            inner = self.or_expr(in_value_path=in_value_path)
            self.expect(")")
            return Not(inner)
        if token.kind == "punct" and token.text == "(":
            self.advance()
            inner = self.or_expr(in_value_path=in_value_path)
            self.expect(")")
            return inner
        if token.kind != "word":
            found = token.text or "the end"
            raise self.fail(f"expected an attribute name, found {found!r}")
        self.advance()
        path = _attr_path(token.text, self.text, token.position)
        if self.current.kind == "punct" and self.current.text == "[":
            if in_value_path:
                raise self.fail("value paths cannot be nested")
            self.advance()
            inner = self.or_expr(in_value_path=True)
            self.expect("]")
            return ValuePath(path, inner)
        if self.keyword("pr"):
            self.advance()
            return Present(path)
        if not self.keyword(*COMPARISON_OPERATORS):
            found = self.current.text or "the end"
            raise self.fail(
                f"expected an operator (pr, {', '.join(COMPARISON_OPERATORS)}), found {found!r}"
            )
        op = self.advance().text
        return Comparison(path, op, self.value())

    def value(self) -> Scalar:
        token = self.current
        if token.kind == "string":
            self.advance()
            try:
                decoded: str = json.loads(token.text)
            except ValueError:
                raise self.fail("invalid escape in string", token) from None
            return decoded
        if token.kind == "number":
            self.advance()
            number = json.loads(token.text)
            return number  # type: ignore[no-any-return]
        if token.kind == "word" and token.text.lower() in ("true", "false", "null"):
            self.advance()
            return {"true": True, "false": False, "null": None}[token.text.lower()]
        found = token.text or "the end"
        raise self.fail(f"expected a value (string, number, true, false or null), found {found!r}")


def parse_filter(text: str) -> Filter:
    """Parse a filter; a syntax error raises `FilterSyntaxError` naming the position.

    parse_filter('emails[type eq "work" and value co "@example.com"]')
    """
    return _Parser(text).parse()


_SUB_AFTER_FILTER = re.compile(r"^(?P<head>.*\])\.(?P<sub>[^\]]*)$", re.DOTALL)


def parse_path(text: str) -> PatchPath:
    """Parse a PATCH path (RFC 7644 §3.5.2): `members[value eq "2819c223"]`, `name.givenName`,
    `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:manager`."""
    if not isinstance(text, str):
        raise TypeError(f"a path must be a str, not {type(text).__name__}")
    sub_attr: str | None = None
    head = text
    match = _SUB_AFTER_FILTER.match(text.rstrip())
    if match is not None:
        head, sub_attr = match.group("head"), match.group("sub")
        if not _ATTR_NAME.match(sub_attr):
            raise FilterSyntaxError("invalid sub-attribute", text, len(head) + 1)
    parser = _Parser(head)
    parser.text = text
    token = parser.current
    if token.kind != "word":
        raise parser.fail("a path must start with an attribute name")
    parser.advance()
    path = _attr_path(token.text, text, token.position)
    value_filter: Filter | None = None
    if parser.current.kind == "punct" and parser.current.text == "[":
        if path.sub_attr is not None:
            raise parser.fail("a value filter applies to an attribute, not a sub-attribute")
        parser.advance()
        value_filter = parser.or_expr(in_value_path=True)
        parser.expect("]")
    if parser.current.kind != "end":
        raise parser.fail(f"unexpected {parser.current.text or 'end'!r}")
    return PatchPath(path, value_filter, sub_attr)


# -- building ------------------------------------------------------------------------------


def _check_filter(value: object, name: str) -> Filter:
    if not isinstance(value, (Comparison, Present, And, Or, Not, ValuePath)):
        raise TypeError(f"{name} must be a filter, not {type(value).__name__}")
    return value


def _path(path: object) -> AttrPath:
    if isinstance(path, AttrPath):
        return path
    if not isinstance(path, str):
        raise TypeError(f"path must be a str, not {type(path).__name__}")
    return _attr_path(path.strip(), path, 0)


def _builder_value(value: object) -> Scalar:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        text = value.astimezone(datetime.timezone.utc).isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise ValueError("value must be a finite number")
        return value
    raise TypeError(
        f"value must be a str, number, bool, None or datetime, not {type(value).__name__}"
    )


class F:
    """Builds filters that are always well-formed and escaped, whatever the input.

    F.eq("userName", name) & ~F.pr("title")
    F.value_path("emails", F.eq("type", "work") & F.co("value", "@example.com"))
    """

    @staticmethod
    def _compare(op: str, path: object, value: object) -> Comparison:
        return Comparison(_path(path), op, _builder_value(value))

    @staticmethod
    def eq(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("eq", path, value)

    @staticmethod
    def ne(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("ne", path, value)

    @staticmethod
    def co(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("co", path, value)

    @staticmethod
    def sw(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("sw", path, value)

    @staticmethod
    def ew(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("ew", path, value)

    @staticmethod
    def gt(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("gt", path, value)

    @staticmethod
    def ge(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("ge", path, value)

    @staticmethod
    def lt(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("lt", path, value)

    @staticmethod
    def le(path: str | AttrPath, value: object) -> Comparison:
        return F._compare("le", path, value)

    @staticmethod
    def pr(path: str | AttrPath) -> Present:
        return Present(_path(path))

    @staticmethod
    def and_(*filters: Filter) -> Filter:
        if not filters:
            raise ValueError("and_ needs at least one filter")
        node = _check_filter(filters[0], "filters")
        for item in filters[1:]:
            node = And(node, _check_filter(item, "filters"))
        return node

    @staticmethod
    def or_(*filters: Filter) -> Filter:
        if not filters:
            raise ValueError("or_ needs at least one filter")
        node = _check_filter(filters[0], "filters")
        for item in filters[1:]:
            node = Or(node, _check_filter(item, "filters"))
        return node

    @staticmethod
    def not_(filter: Filter) -> Not:
        return Not(_check_filter(filter, "filter"))

    @staticmethod
    def value_path(path: str | AttrPath, filter: Filter) -> ValuePath:
        return ValuePath(_path(path), _check_filter(filter, "filter"))

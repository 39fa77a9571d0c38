"""SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): parse, build, serialise.

Shared by the client (to check and build filters) and the local server (to evaluate them).
Every node is immutable and `str(node)` is canonical text that parses back to an equal node.

    parse_filter('userName eq "bjensen" and not (emails co "@example.org")')
    F.eq("userName", user_input) & F.pr("title")       # escaped: safe with any input
    str(F.value_path("emails", F.eq("type", "work")))   # 'emails[type eq "work"]'
"""

from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any, NoReturn, Union

__all__ = [
    "And",
    "AttrPath",
    "Comparison",
    "F",
    "Filter",
    "FilterSyntaxError",
    "MAX_NESTING",
    "Not",
    "Or",
    "PatchPath",
    "Present",
    "ValuePath",
    "parse_filter",
    "parse_path",
    "serialize",
]

# How deep `(…)`, `not (…)` and `attr[…]` may nest in text: the parser recurses per level, and
# hostile text must not reach Python's recursion limit; no real filter comes near. A chain of
# `and`s or `or`s is not nesting: a thousand in a row parse (and serialise) fine.
MAX_NESTING = 64

_OPERATORS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
_Scalar = Union[str, int, float, bool, None]

# RFC 7644 §3.4.2.2 ABNF: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA.
# `$ref` (RFC 7643 §2.3.7) is the one name outside that grammar that servers use everywhere.
_NAME = r"(?:\$[Rr][Ee][Ff]|[A-Za-z][A-Za-z0-9_-]*)"
_URN = r"[Uu][Rr][Nn]:[A-Za-z0-9._:+%-]+"
_NAME_RE = re.compile(_NAME)
_URN_RE = re.compile(_URN)
# A schema URN ends at the LAST colon: `urn:…:enterprise:2.0:User:manager.value` has the URN
# `urn:…:enterprise:2.0:User`, the attribute `manager` and the sub-attribute `value`. The URN
# part is greedy, and a name cannot hold a colon, so the match splits at the last one.
_ATTR_PATH_RE = re.compile(rf"(?:(?P<uri>{_URN}):)?(?P<attr>{_NAME})(?:\.(?P<sub>{_NAME}))?")


class FilterSyntaxError(ValueError):
    """A filter or path that does not parse.

    `text` is what was parsed, `position` the 0-based index of the problem and `problem` what
    is wrong; the message shows the text with a caret under the position.
    """

    def __init__(self, problem: str, text: str, position: int) -> None:
        self.problem = problem
        self.text = text
        self.position = position
        # Control characters would shift or break the line; a space keeps the caret aligned.
        shown = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in text)
        super().__init__(f"{problem} at position {position}:\n  {shown}\n  {' ' * position}^")


# -- nodes ---------------------------------------------------------------------------------


class _Node:
    """Immutable, comparable, hashable AST node; fields are the `__slots__`, in order."""

    __slots__: tuple[str, ...] = ()

    def _init(self, *values: Any) -> None:
        for name, value in zip(self.__slots__, values):
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild through the constructor, not through setattr.
        return (type(self), self._fields())

    # By canonical text, which is one-to-one with the tree (`parse_filter` reads it back) and
    # is built without recursion: a builder's chain of a thousand `|` is a tree that deep.
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return serialize(self) == serialize(other)  # type: ignore[arg-type]

    def __hash__(self) -> int:
        return hash((type(self).__name__, serialize(self)))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        if _deeper_than(self, MAX_NESTING):  # field by field it would recurse too deep
            return f"parse_filter({serialize(self)!r})"  # type: ignore[arg-type]
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({args})"


def _deeper_than(node: _Node, limit: int) -> bool:
    pending: list[tuple[_Node, int]] = [(node, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        pending += [(f, depth + 1) for f in item._fields() if isinstance(f, _Node)]
    return False


class AttrPath(_Node):
    """An attribute path: `attr`, `attr.subAttr`, optionally after a schema URN.

    AttrPath("userName")                          # userName
    AttrPath("name", "givenName")                 # name.givenName
    AttrPath("manager", "value", uri=ENTERPRISE)  # urn:…:enterprise:2.0:User:manager.value
    """

    __slots__ = ("attr", "sub_attr", "uri")
    attr: str
    sub_attr: str | None
    uri: str | None

    def __init__(self, attr: str, sub_attr: str | None = None, uri: str | None = None) -> None:
        _check_name(attr, "attr")
        if sub_attr is not None:
            _check_name(sub_attr, "sub_attr")
        if uri is not None and not (isinstance(uri, str) and _URN_RE.fullmatch(uri)):
            raise ValueError(f"uri must be a schema URN such as 'urn:…:User', not {uri!r}")
        self._init(attr, sub_attr, uri)

    def __str__(self) -> str:
        return serialize(self)


def _check_name(value: object, argument: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{argument} must be a str, not {type(value).__name__}")
    if not _NAME_RE.fullmatch(value):
        raise ValueError(f"{argument} is not an attribute name: {value!r}")


class _Filter(_Node):
    """The base of filter nodes: `a & b`, `a | b` and `~a` combine them."""

    __slots__ = ()

    def __and__(self, other: object) -> And:
        if not isinstance(other, _Filter):
            return NotImplemented
        return And(self, other)  # type: ignore[arg-type]

    def __or__(self, other: object) -> Or:
        if not isinstance(other, _Filter):
            return NotImplemented
        return Or(self, other)  # type: ignore[arg-type]

    def __invert__(self) -> Not:
        return Not(self)  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        # `F.eq(…) and F.eq(…)` would silently keep only the second filter.
        raise TypeError("a filter has no truth value: combine filters with &, | and ~")

    def __str__(self) -> str:
        return serialize(self)  # type: ignore[arg-type]


class Comparison(_Filter):
    """`path op value`: `op` is one of eq ne co sw ew gt ge lt le, `value` a JSON scalar."""

    __slots__ = ("path", "op", "value")
    path: AttrPath
    op: str
    value: _Scalar

    def __init__(self, path: AttrPath, op: str, value: _Scalar) -> None:
        if not isinstance(path, AttrPath):
            raise TypeError(f"path must be an AttrPath, not {type(path).__name__}")
        if not isinstance(op, str) or op.lower() not in _OPERATORS:
            raise ValueError(f"op must be one of {', '.join(_OPERATORS)}, not {op!r}")
        self._init(path, op.lower(), _scalar(value))


def _scalar(value: object) -> _Scalar:
    """`value` as a plain JSON scalar, or TypeError/ValueError naming `value`."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = str.__str__(value)  # a str subclass (an enum member) becomes a plain str
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("value holds a lone surrogate, which no request can carry") from None
        return text
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"value must be a finite number, not {value!r}")
        return float(value)
    raise TypeError(f"value must be a str, int, float, bool or None, not {type(value).__name__}")


class Present(_Filter):
    """`path pr`: the attribute has a value that is not null, "" or []."""

    __slots__ = ("path",)
    path: AttrPath

    def __init__(self, path: AttrPath) -> None:
        if not isinstance(path, AttrPath):
            raise TypeError(f"path must be an AttrPath, not {type(path).__name__}")
        self._init(path)


class And(_Filter):
    """`left and right`."""

    __slots__ = ("left", "right")
    left: Filter
    right: Filter

    def __init__(self, left: Filter, right: Filter) -> None:
        self._init(_check_filter(left, "left"), _check_filter(right, "right"))


class Or(_Filter):
    """`left or right`."""

    __slots__ = ("left", "right")
    left: Filter
    right: Filter

    def __init__(self, left: Filter, right: Filter) -> None:
        self._init(_check_filter(left, "left"), _check_filter(right, "right"))


class Not(_Filter):
    """`not (expr)`."""

    __slots__ = ("expr",)
    expr: Filter

    def __init__(self, expr: Filter) -> None:
        self._init(_check_filter(expr, "expr"))


class ValuePath(_Filter):
    """`attr[filter]`: some value of a multi-valued attribute matches `filter`."""

    __slots__ = ("path", "filter")
    path: AttrPath
    filter: Filter

    def __init__(self, path: AttrPath, filter: Filter) -> None:
        self._init(_check_value_path(path), _check_value_filter(filter, "filter"))


Filter = Union[Comparison, Present, And, Or, Not, ValuePath]


def _check_filter(value: object, argument: str) -> Filter:
    if not isinstance(value, (Comparison, Present, And, Or, Not, ValuePath)):
        raise TypeError(f"{argument} must be a filter, not {type(value).__name__}")
    return value


def _check_value_path(path: object) -> AttrPath:
    if not isinstance(path, AttrPath):
        raise TypeError(f"path must be an AttrPath, not {type(path).__name__}")
    if path.sub_attr is not None:
        raise ValueError(f"a value filter applies to an attribute, not to {path}")
    return path


def _check_value_filter(value: object, argument: str) -> Filter:
    node = _check_filter(value, argument)
    pending: list[Filter] = [node]
    while pending:  # RFC 7644 §3.4.2.2: valFilter has no valuePath inside.
        item = pending.pop()
        if isinstance(item, ValuePath):
            raise ValueError(f"{argument} must not hold a value path: they cannot be nested")
        if isinstance(item, (And, Or)):
            pending += [item.left, item.right]
        elif isinstance(item, Not):
            pending.append(item.expr)
    return node


class PatchPath(_Node):
    """A PATCH `path` (RFC 7644 §3.5.2): `attrPath`, or `attrPath[valFilter]` with an
    optional `.subAttr`.

    PatchPath(AttrPath("emails"), F.eq("type", "work"), "value")  # emails[type eq "work"].value
    """

    __slots__ = ("path", "value_filter", "sub_attr")
    path: AttrPath
    value_filter: Filter | None
    sub_attr: str | None

    def __init__(
        self, path: AttrPath, value_filter: Filter | None = None, sub_attr: str | None = None
    ) -> None:
        if value_filter is None:
            if not isinstance(path, AttrPath):
                raise TypeError(f"path must be an AttrPath, not {type(path).__name__}")
        else:
            _check_value_path(path)
            _check_value_filter(value_filter, "value_filter")
        if sub_attr is not None:
            _check_name(sub_attr, "sub_attr")
            if value_filter is None:
                raise ValueError("sub_attr follows a value filter; without one use AttrPath")
        self._init(path, value_filter, sub_attr)

    def __str__(self) -> str:
        return serialize(self)


# -- serialising ---------------------------------------------------------------------------


def serialize(node: Filter | AttrPath | PatchPath) -> str:
    """The canonical text of a node: `parse_filter(serialize(f)) == f` for every filter nested
    within `MAX_NESTING`, and `parse_path` reads back a `PatchPath`'s. Iterative: any length.

    serialize(F.pr("title") & (F.eq("a", 1) | F.pr("b")))  # 'title pr and (a eq 1 or b pr)'
    """
    if isinstance(node, AttrPath):
        text = node.attr if node.sub_attr is None else f"{node.attr}.{node.sub_attr}"
        return text if node.uri is None else f"{node.uri}:{text}"
    if isinstance(node, PatchPath):
        text = serialize(node.path)
        if node.value_filter is not None:
            text += f"[{serialize(node.value_filter)}]"
        return text if node.sub_attr is None else f"{text}.{node.sub_attr}"
    if not isinstance(node, _Filter):
        raise TypeError(f"not a filter, AttrPath or PatchPath: {type(node).__name__}")
    parts: list[str] = []
    pending: list[object] = [node]  # text to emit, or a node to expand; popped from the end
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, Comparison):
            # json.dumps escapes `"`, `\` and control characters: no value can end the string.
            value = json.dumps(item.value, ensure_ascii=False)
            parts.append(f"{serialize(item.path)} {item.op} {value}")
        elif isinstance(item, Present):
            parts.append(f"{serialize(item.path)} pr")
        else:
            _expand(item, pending)
    return "".join(parts)


def _expand(node: object, pending: list[object]) -> None:
    """Push the parts of `node` onto `pending`, the last part first."""
    if isinstance(node, ValuePath):
        pending += ["]", node.filter, f"{serialize(node.path)}["]
    elif isinstance(node, Not):
        pending += [")", node.expr, "not ("]
    # `not` > `and` > `or`, both left-associative: a right operand of its own kind, or an
    # `or` under an `and`, needs parentheses to come back as the same tree.
    elif isinstance(node, And):
        right = _grouped(node.right, isinstance(node.right, (And, Or)))
        pending += [*right, " and ", *_grouped(node.left, isinstance(node.left, Or))]
    elif isinstance(node, Or):
        pending += [*_grouped(node.right, isinstance(node.right, Or)), " or ", node.left]
    else:
        raise TypeError(f"not a filter, AttrPath or PatchPath: {type(node).__name__}")


def _grouped(node: Filter, needed: bool) -> list[object]:  # reversed, as `pending` takes it
    return [")", node, "("] if needed else [node]


# -- lexing --------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\r\n]*")
_WORD = re.compile(r"[A-Za-z$][A-Za-z0-9_$:.+%-]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_DELIMITERS = " \t\r\n()[]"


class _Token:
    """One lexeme: `kind` is word, string, number, one of `( ) [ ] .`, or end."""

    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, kind: str, text: str, start: int, end: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the text"
        text = self.text if len(self.text) <= 30 else self.text[:27] + "..."
        return repr(text)


def _lex(text: str, position: int) -> _Token:
    """The token at `position`, after any whitespace."""
    space = _SPACE.match(text, position)
    start = space.end() if space is not None else position
    if start >= len(text):
        return _Token("end", "", len(text), len(text))
    char = text[start]
    if char in "()[].":
        return _Token(char, char, start, start + 1)
    if char == '"':
        match = _STRING.match(text, start)
        if match is None:
            raise FilterSyntaxError("unterminated string", text, start)
        return _Token("string", match.group(), start, match.end())
    if char == "-" or "0" <= char <= "9":
        match = _NUMBER.match(text, start)
        if match is None or (match.end() < len(text) and text[match.end()] not in _DELIMITERS):
            raise FilterSyntaxError("invalid number", text, start)
        return _Token("number", match.group(), start, match.end())
    match = _WORD.match(text, start)
    if match is None:
        raise FilterSyntaxError(f"unexpected character {char!r}", text, start)
    return _Token("word", match.group(), start, match.end())


# -- parsing -------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over RFC 7644 §3.4.2.2's grammar; lexes one token ahead, so the
    first problem in reading order is the one reported."""

    def __init__(self, text: object, what: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"a {what} must be a str, not {type(text).__name__}")
        self.text = text
        self.token = _lex(text, 0)
        self.previous = self.token
        self.depth = 0

    def enter(self) -> _Token:  # into `(`, `not (` or `[`: one more level of recursion
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.fail(f"nested more than {MAX_NESTING} levels deep (parentheses and brackets)")
        return self.advance()

    def advance(self) -> _Token:
        token = self.previous = self.token
        self.token = _lex(self.text, token.end)
        return token

    def fail(self, problem: str, position: int | None = None) -> NoReturn:
        where = self.token.start if position is None else position
        raise FilterSyntaxError(problem, self.text, where)

    def at_word(self, *words: str) -> bool:
        return self.token.kind == "word" and self.token.text.lower() in words

    def close(self, kind: str, opener: _Token) -> _Token:
        if self.token.kind == kind:
            self.depth -= 1
            return self.advance()
        name = "parentheses" if kind == ")" else "brackets"
        if self.token.kind == "end":
            self.fail(
                f"unbalanced {name}: {opener.text!r} at position {opener.start} is not closed"
            )
        self.fail(
            f"expected 'and', 'or' or {kind!r} (to close {opener.text!r} at position "
            f"{opener.start}), found {self.token.describe()}"
        )

    def filter(self) -> Filter:
        if self.token.kind == "end":
            self.fail("empty filter", 0)
        node = self.or_expr(in_value_path=False)
        self.finish("filter")
        return node

    def finish(self, what: str) -> None:
        token = self.token
        if token.kind == ")":
            self.fail("unbalanced parentheses: ')' without a matching '('")
        if token.kind == "]":
            self.fail("unbalanced brackets: ']' without a matching '['")
        if token.kind != "end":
            self.fail(f"unexpected {token.describe()} after a complete {what}")

    def or_expr(self, *, in_value_path: bool) -> Filter:
        node = self.and_expr(in_value_path=in_value_path)
        while self.at_word("or"):
            self.advance()
            node = Or(node, self.and_expr(in_value_path=in_value_path))
        return node

    def and_expr(self, *, in_value_path: bool) -> Filter:
        node = self.unary(in_value_path=in_value_path)
        while self.at_word("and"):
            self.advance()
            node = And(node, self.unary(in_value_path=in_value_path))
        return node

    def unary(self, *, in_value_path: bool) -> Filter:
        token = self.token
        if token.kind == "(":
            self.enter()
            inner = self.or_expr(in_value_path=in_value_path)
            self.close(")", token)
            return inner
        if self.at_word("not") and not self.not_is_an_attribute():
            self.advance()
            if self.token.kind != "(":
                self.fail(f"'not' must be followed by '(', found {self.token.describe()}")
            opener = self.enter()
            inner = self.or_expr(in_value_path=in_value_path)
            self.close(")", opener)
            return Not(inner)
        if token.kind != "word":
            self.fail(f"expected an attribute name, found {token.describe()}")
        self.advance()
        path = self.attr_path(token)
        if self.token.kind == "[":
            return ValuePath(path, self.value_filter(path, in_value_path=in_value_path))
        if self.at_word("pr"):
            self.advance()
            return Present(path)
        if self.token.kind == "end":
            self.fail(f"missing operator after {token.text!r}")
        if self.token.kind == "word" and not self.at_word(*_OPERATORS):
            self.fail(
                f"unknown operator {self.token.text!r} (expected pr, {', '.join(_OPERATORS)})"
            )
        if self.token.kind != "word":
            self.fail(f"expected an operator after {token.text!r}, found {self.token.describe()}")
        op = self.advance()
        return Comparison(path, op.text, self.value(op))

    def not_is_an_attribute(self) -> bool:
        # `not eq 1` compares an attribute named "not"; `not (…)` is the operator.
        following = _lex(self.text, self.token.end)
        return following.kind == "[" or (
            following.kind == "word" and following.text.lower() in (*_OPERATORS, "pr")
        )

    def value_filter(self, path: AttrPath, *, in_value_path: bool) -> Filter:
        opener = self.token
        if in_value_path:
            self.fail("value paths cannot be nested")
        if path.sub_attr is not None:
            self.fail(f"a value filter applies to an attribute, not to the sub-attribute {path}")
        self.enter()
        if self.token.kind == "]":
            self.fail("empty value filter")
        inner = self.or_expr(in_value_path=True)
        self.close("]", opener)
        return inner

    def attr_path(self, token: _Token) -> AttrPath:
        return _attr_path_of(token.text, self.text, token.start)

    def value(self, op: _Token) -> _Scalar:
        token = self.token
        if token.kind in ("end", ")", "]"):
            self.fail(f"missing value after {op.text!r}")
        if token.kind == "string":
            self.advance()
            return self.string(token)
        if token.kind == "number":
            self.advance()
            return self.number(token)
        if token.kind == "word":
            literal = token.text.lower()
            if literal in ("true", "false", "null"):
                self.advance()
                return {"true": True, "false": False, "null": None}[literal]
            self.fail(f"unquoted value {token.describe()}: strings go in double quotes")
        self.fail(
            f"expected a value (string, number, true, false or null), found {token.describe()}"
        )

    def string(self, token: _Token) -> str:
        try:
            value: str = json.loads(token.text)
        except json.JSONDecodeError as exc:
            where = token.start + exc.pos
            if exc.msg.startswith("Invalid control character"):
                self.fail("control character in string (escape it, e.g. \\n or \\u0009)", where)
            if exc.msg.startswith("Invalid \\u"):
                where -= 1  # json points after the backslash of `\u12`; the caret goes on it
            self.fail("invalid escape in string", where)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("string holds a lone surrogate (\\ud800-\\udfff)", token.start)
        return value

    def number(self, token: _Token) -> int | float:
        try:
            value: int | float = json.loads(token.text)
        except ValueError:  # more digits than int() accepts (Python 3.11+)
            self.fail("number has too many digits", token.start)
        if isinstance(value, float) and not math.isfinite(value):
            self.fail("number is out of range", token.start)
        return value


def _attr_path_of(word: str, text: str, position: int) -> AttrPath:
    match = _ATTR_PATH_RE.fullmatch(word)
    if match is None:
        raise FilterSyntaxError(
            f"invalid attribute path {word!r} (expected attr, attr.subAttr or urn:…:attr)",
            text,
            position,
        )
    return AttrPath(match.group("attr"), match.group("sub"), match.group("uri"))


def parse_filter(text: str) -> Filter:
    """Parse a filter (RFC 7644 §3.4.2.2); a syntax error raises `FilterSyntaxError`.

    Operators and `and`/`or`/`not` are case-insensitive; `not` binds tighter than `and`,
    which binds tighter than `or`.

    parse_filter('emails[type eq "work" and value co "@example.com"] or title pr')
    """
    return _Parser(text, "filter").filter()


def parse_path(text: str) -> PatchPath:
    """Parse a PATCH `path` (RFC 7644 §3.5.2); a syntax error raises `FilterSyntaxError`.

    parse_path('emails[type eq "work"].value')
    # PatchPath(path=AttrPath(attr='emails', …), value_filter=Comparison(…), sub_attr='value')
    """
    parser = _Parser(text, "path")
    token = parser.token
    if token.kind == "end":
        parser.fail("empty path", 0)
    if token.kind != "word":
        parser.fail(f"a path starts with an attribute name, not {token.describe()}")
    parser.advance()
    path = parser.attr_path(token)
    value_filter: Filter | None = None
    sub_attr: str | None = None
    if parser.token.kind == "[":
        value_filter = parser.value_filter(path, in_value_path=False)
        # `.subAttr` must follow the closing bracket directly.
        if parser.token.kind == "." and parser.token.start == parser.previous.end:
            dot = parser.advance()
            name = parser.token
            if name.start != dot.end or not _NAME_RE.fullmatch(name.text):
                parser.fail("expected a sub-attribute name after '.'", dot.end)
            parser.advance()
            sub_attr = name.text
    parser.finish("path")
    return PatchPath(path, value_filter, sub_attr)


# -- building ------------------------------------------------------------------------------


def _path_argument(path: object) -> AttrPath:
    if isinstance(path, AttrPath):
        return path
    if not isinstance(path, str):
        raise TypeError(f"path must be a str or AttrPath, not {type(path).__name__}")
    if _ATTR_PATH_RE.fullmatch(path) is None:
        bad = next((i for i, ch in enumerate(path) if ch not in _PATH_CHARS), 0)
        raise FilterSyntaxError(
            "path is not an attribute path (expected attr, attr.subAttr or urn:…:attr)", path, bad
        )
    return _attr_path_of(path, path, 0)


_PATH_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$_-.:+%")


def _value_argument(value: object) -> _Scalar:
    if isinstance(value, datetime.datetime):
        # RFC 7643 §2.3.5: xsd:dateTime; in UTC with `Z` so that servers comparing the
        # strings order them correctly.
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("value is a naive datetime; give it a tzinfo (e.g. timezone.utc)")
        utc = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return utc.isoformat() + "Z"
    if isinstance(value, datetime.date):
        raise TypeError("value is a date; SCIM compares dateTimes: pass an aware datetime")
    return _scalar(value)


def _combine(kind: type[And] | type[Or], name: str, filters: tuple[object, ...]) -> Filter:
    if not filters:
        raise ValueError(f"{name} needs at least one filter")
    node = _check_filter(filters[0], "filters[0]")
    for index, item in enumerate(filters[1:], 1):
        node = kind(node, _check_filter(item, f"filters[{index}]"))
    return node


class F:
    """Builds filters that are well-formed and escaped whatever the input.

    `path` is an attribute path (`userName`, `name.givenName`, `urn:…:User:manager.value`);
    `value` a str, int, float, bool, None or timezone-aware `datetime`.

    F.eq("userName", name) & ~F.pr("title")
    F.value_path("emails", F.eq("type", "work") & F.co("value", "@example.com"))
    F.gt("meta.lastModified", datetime(2024, 1, 1, tzinfo=timezone.utc))
    """

    __slots__ = ()

    @staticmethod
    def eq(path: str | AttrPath, value: object) -> Comparison:
        """`path eq value`: equal (case-insensitive for most string attributes)."""
        return Comparison(_path_argument(path), "eq", _value_argument(value))

    @staticmethod
    def ne(path: str | AttrPath, value: object) -> Comparison:
        """`path ne value`: not equal."""
        return Comparison(_path_argument(path), "ne", _value_argument(value))

    @staticmethod
    def co(path: str | AttrPath, value: object) -> Comparison:
        """`path co value`: contains."""
        return Comparison(_path_argument(path), "co", _value_argument(value))

    @staticmethod
    def sw(path: str | AttrPath, value: object) -> Comparison:
        """`path sw value`: starts with."""
        return Comparison(_path_argument(path), "sw", _value_argument(value))

    @staticmethod
    def ew(path: str | AttrPath, value: object) -> Comparison:
        """`path ew value`: ends with."""
        return Comparison(_path_argument(path), "ew", _value_argument(value))

    @staticmethod
    def gt(path: str | AttrPath, value: object) -> Comparison:
        """`path gt value`: greater than."""
        return Comparison(_path_argument(path), "gt", _value_argument(value))

    @staticmethod
    def ge(path: str | AttrPath, value: object) -> Comparison:
        """`path ge value`: greater than or equal."""
        return Comparison(_path_argument(path), "ge", _value_argument(value))

    @staticmethod
    def lt(path: str | AttrPath, value: object) -> Comparison:
        """`path lt value`: less than."""
        return Comparison(_path_argument(path), "lt", _value_argument(value))

    @staticmethod
    def le(path: str | AttrPath, value: object) -> Comparison:
        """`path le value`: less than or equal."""
        return Comparison(_path_argument(path), "le", _value_argument(value))

    @staticmethod
    def pr(path: str | AttrPath) -> Present:
        """`path pr`: present."""
        return Present(_path_argument(path))

    @staticmethod
    def and_(*filters: Filter) -> Filter:
        """All of `filters`: `F.and_(a, b, c)` is `a and b and c`."""
        return _combine(And, "and_", filters)

    @staticmethod
    def or_(*filters: Filter) -> Filter:
        """Any of `filters`: `F.or_(a, b, c)` is `a or b or c`."""
        return _combine(Or, "or_", filters)

    @staticmethod
    def not_(filter: Filter) -> Not:
        """`not (filter)`."""
        return Not(_check_filter(filter, "filter"))

    @staticmethod
    def value_path(path: str | AttrPath, filter: Filter) -> ValuePath:
        """`path[filter]`: some value of the multi-valued attribute `path` matches `filter`."""
        return ValuePath(_check_value_path(_path_argument(path)), filter)

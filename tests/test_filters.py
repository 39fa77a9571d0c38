"""Filters and PATCH paths: parse, serialise, build; as data in, data out."""

from __future__ import annotations

import copy
import datetime
import enum
import pickle
import random
from collections.abc import Callable

import pytest

from scimkit.filters import (
    And,
    AttrPath,
    Comparison,
    F,
    Filter,
    FilterSyntaxError,
    Not,
    Or,
    PatchPath,
    Present,
    ValuePath,
    parse_filter,
    parse_path,
    serialize,
)

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def cmp(
    name: str,
    op: str,
    value: str | int | float | bool | None,
    sub: str | None = None,
    uri: str | None = None,
) -> Comparison:
    return Comparison(AttrPath(name, sub, uri), op, value)


def pr(name: str, sub: str | None = None, uri: str | None = None) -> Present:
    return Present(AttrPath(name, sub, uri))


A, B, C = pr("a"), pr("b"), pr("c")

# -- RFC 7644 §3.4.2.2 ---------------------------------------------------------------------

# Every example filter of RFC 7644 §3.4.2.2 (Figure 2), with the tree it means.
RFC_EXAMPLES = [
    ('userName eq "bjensen"', cmp("userName", "eq", "bjensen")),
    ('name.familyName co "O\'Malley"', cmp("name", "co", "O'Malley", "familyName")),
    ('userName sw "J"', cmp("userName", "sw", "J")),
    (f'{CORE}:userName sw "J"', cmp("userName", "sw", "J", uri=CORE)),
    ("title pr", pr("title")),
    (
        'meta.lastModified gt "2011-05-13T04:42:34Z"',
        cmp("meta", "gt", "2011-05-13T04:42:34Z", "lastModified"),
    ),
    (
        'meta.lastModified ge "2011-05-13T04:42:34Z"',
        cmp("meta", "ge", "2011-05-13T04:42:34Z", "lastModified"),
    ),
    (
        'meta.lastModified lt "2011-05-13T04:42:34Z"',
        cmp("meta", "lt", "2011-05-13T04:42:34Z", "lastModified"),
    ),
    (
        'meta.lastModified le "2011-05-13T04:42:34Z"',
        cmp("meta", "le", "2011-05-13T04:42:34Z", "lastModified"),
    ),
    ('title pr and userType eq "Employee"', And(pr("title"), cmp("userType", "eq", "Employee"))),
    ('title pr or userType eq "Intern"', Or(pr("title"), cmp("userType", "eq", "Intern"))),
    (f'schemas eq "{ENTERPRISE}"', cmp("schemas", "eq", ENTERPRISE)),
    (
        'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
        And(
            cmp("userType", "eq", "Employee"),
            Or(cmp("emails", "co", "example.com"), cmp("emails", "co", "example.org", "value")),
        ),
    ),
    (
        'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
        And(
            cmp("userType", "ne", "Employee"),
            Not(
                Or(cmp("emails", "co", "example.com"), cmp("emails", "co", "example.org", "value"))
            ),
        ),
    ),
    (
        'userType eq "Employee" and (emails.type eq "work")',
        And(cmp("userType", "eq", "Employee"), cmp("emails", "eq", "work", "type")),
    ),
    (
        'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
        And(
            cmp("userType", "eq", "Employee"),
            ValuePath(
                AttrPath("emails"),
                And(cmp("type", "eq", "work"), cmp("value", "co", "@example.com")),
            ),
        ),
    ),
    (
        'emails[type eq "work" and value co "@example.com"] or '
        'ims[type eq "xmpp" and value co "@foo.com"]',
        Or(
            ValuePath(
                AttrPath("emails"),
                And(cmp("type", "eq", "work"), cmp("value", "co", "@example.com")),
            ),
            ValuePath(
                AttrPath("ims"), And(cmp("type", "eq", "xmpp"), cmp("value", "co", "@foo.com"))
            ),
        ),
    ),
]


@pytest.mark.parametrize(("text", "tree"), RFC_EXAMPLES, ids=[t for t, _ in RFC_EXAMPLES])
def test_rfc7644_example_filters_parse_to_their_meaning(text: str, tree: Filter) -> None:
    assert parse_filter(text) == tree


@pytest.mark.parametrize(("text", "tree"), RFC_EXAMPLES, ids=[t for t, _ in RFC_EXAMPLES])
def test_rfc7644_example_filters_round_trip_through_canonical_text(text: str, tree: Filter) -> None:
    canonical = str(parse_filter(text))
    assert parse_filter(canonical) == tree
    assert serialize(tree) == canonical
    assert str(parse_filter(canonical)) == canonical


def test_rfc7644_examples_are_already_canonical_except_for_redundant_parentheses() -> None:
    changed = {text: str(parse_filter(text)) for text, _ in RFC_EXAMPLES}
    changed = {text: out for text, out in changed.items() if text != out}
    assert changed == {
        'userType eq "Employee" and (emails.type eq "work")': (
            'userType eq "Employee" and emails.type eq "work"'
        )
    }


# -- operators, literals and names ---------------------------------------------------------


@pytest.mark.parametrize("op", ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"])
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.title])
def test_every_comparison_operator_parses_in_any_case_and_is_stored_lower_case(
    op: str, spelling: Callable[[str], str]
) -> None:
    node = parse_filter(f'title {spelling(op)} "x"')
    assert node == cmp("title", op, "x")
    assert isinstance(node, Comparison) and node.op == op
    assert str(node) == f'title {op} "x"'


@pytest.mark.parametrize("spelling", ["pr", "PR", "Pr"])
def test_present_operator_is_case_insensitive(spelling: str) -> None:
    assert parse_filter(f"title {spelling}") == pr("title")


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("true", True),
        ("false", False),
        ("null", None),
        # RFC 5234 §2.3: ABNF literal text is case-insensitive.
        ("TRUE", True),
        ("False", False),
        ("NULL", None),
        ("0", 0),
        ("-7", -7),
        ("42", 42),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("1.0", 1.0),
        ("-2.5e-3", -0.0025),
        ("6E2", 600.0),
        ('""', ""),
        ('"bjensen"', "bjensen"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash"),
        ('"caf\\u00e9"', "café"),
        ('"café"', "café"),
        ('"\\ud83d\\ude00"', "\U0001f600"),
        ('"a\\/b"', "a/b"),
        ('"\\b\\f\\n\\r\\t"', "\b\f\n\r\t"),
        ('"it\'s"', "it's"),
        ('"a ) or (b"', "a ) or (b"),
    ],
)
def test_values_are_json_literals_with_their_exact_type(
    literal: str, value: str | int | float | bool | None
) -> None:
    node = parse_filter(f"x eq {literal}")
    assert node == cmp("x", "eq", value)
    assert isinstance(node, Comparison) and type(node.value) is type(value)
    assert parse_filter(str(node)) == node


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("userName", AttrPath("userName")),
        ("name.givenName", AttrPath("name", "givenName")),
        ("x-custom_attr2", AttrPath("x-custom_attr2")),
        ("$ref", AttrPath("$ref")),
        ("members.$ref", AttrPath("members", "$ref")),
        (f"{CORE}:userName", AttrPath("userName", None, CORE)),
        (f"{CORE}:name.familyName", AttrPath("name", "familyName", CORE)),
        (f"{ENTERPRISE}:manager", AttrPath("manager", None, ENTERPRISE)),
        (f"{ENTERPRISE}:manager.value", AttrPath("manager", "value", ENTERPRISE)),
        ("URN:Example:Ext:1.0:Thing:colour", AttrPath("colour", None, "URN:Example:Ext:1.0:Thing")),
    ],
)
def test_attribute_paths_split_a_urn_at_its_last_colon(text: str, path: AttrPath) -> None:
    assert parse_filter(f"{text} pr") == Present(path)
    assert str(path) == text
    assert F.pr(text) == Present(path)


@pytest.mark.parametrize("word", ["and", "or", "not", "pr", "eq", "true", "null"])
def test_keywords_still_work_as_attribute_names(word: str) -> None:
    for text in (f"{word} pr", f"{word} eq 1", f"a pr and {word} pr", f"{word}[x pr]"):
        node = parse_filter(text)
        assert str(node) == text
        assert parse_filter(str(node)) == node


# -- precedence and grouping ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a pr or b pr and c pr", Or(A, And(B, C))),
        ("a pr and b pr or c pr", Or(And(A, B), C)),
        ("a pr and b pr and c pr", And(And(A, B), C)),
        ("a pr or b pr or c pr", Or(Or(A, B), C)),
        ("(a pr or b pr) and c pr", And(Or(A, B), C)),
        ("a pr and (b pr or c pr)", And(A, Or(B, C))),
        ("a pr and (b pr and c pr)", And(A, And(B, C))),
        ("a pr or (b pr or c pr)", Or(A, Or(B, C))),
        ("not (a pr) and b pr", And(Not(A), B)),
        ("not (a pr) or b pr and c pr", Or(Not(A), And(B, C))),
        ("not (a pr or b pr)", Not(Or(A, B))),
        ("not (not (a pr))", Not(Not(A))),
        ("NOT (a pr) AND b pr OR c pr", Or(And(Not(A), B), C)),
        ("((a pr))", A),
        ("not(a pr)", Not(A)),
        ("  a pr\tand\n b pr  ", And(A, B)),
        (
            'emails[type eq "work"] and a pr',
            And(ValuePath(AttrPath("emails"), cmp("type", "eq", "work")), A),
        ),
        (
            'emails[not (type eq "work") or primary eq true]',
            ValuePath(
                AttrPath("emails"), Or(Not(cmp("type", "eq", "work")), cmp("primary", "eq", True))
            ),
        ),
        ('emails[(type eq "a")]', ValuePath(AttrPath("emails"), cmp("type", "eq", "a"))),
        ('userName eq"x"', cmp("userName", "eq", "x")),
    ],
)
def test_not_binds_tighter_than_and_which_binds_tighter_than_or(text: str, tree: Filter) -> None:
    assert parse_filter(text) == tree


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (And(Or(A, B), C), "(a pr or b pr) and c pr"),
        (And(A, Or(B, C)), "a pr and (b pr or c pr)"),
        (And(A, And(B, C)), "a pr and (b pr and c pr)"),
        (And(And(A, B), C), "a pr and b pr and c pr"),
        (Or(A, Or(B, C)), "a pr or (b pr or c pr)"),
        (Or(Or(A, B), C), "a pr or b pr or c pr"),
        (Or(And(A, B), C), "a pr and b pr or c pr"),
        (Or(A, And(B, C)), "a pr or b pr and c pr"),
        (Not(A), "not (a pr)"),
        (Not(And(A, B)), "not (a pr and b pr)"),
        (And(Not(Or(A, B)), C), "not (a pr or b pr) and c pr"),
        (ValuePath(AttrPath("emails"), Or(A, B)), "emails[a pr or b pr]"),
        (cmp("n", "gt", 1), "n gt 1"),
        (cmp("n", "gt", 1.5), "n gt 1.5"),
        (cmp("n", "gt", 1e20), "n gt 1e+20"),
        (cmp("n", "gt", -0.5), "n gt -0.5"),
        (cmp("b", "eq", False), "b eq false"),
        (cmp("x", "eq", None), "x eq null"),
        (cmp("x", "eq", "é ☃"), 'x eq "é ☃"'),
        (cmp("x", "eq", 'q"\\\n'), 'x eq "q\\"\\\\\\n"'),
        (Comparison(AttrPath("x"), "EQ", "y"), 'x eq "y"'),
    ],
)
def test_serialise_adds_parentheses_only_where_precedence_needs_them(
    tree: Filter, text: str
) -> None:
    assert serialize(tree) == text
    assert str(tree) == text
    assert parse_filter(text) == tree


def random_filter(rng: random.Random, depth: int, *, in_value_path: bool = False) -> Filter:
    if depth == 0 or rng.random() < 0.3:
        name = rng.choice(["a", "b.c", "$ref", f"{ENTERPRISE}:manager.value", "not", "or"])
        path = parse_path(name).path
        if rng.random() < 0.2:
            return Present(path)
        value = rng.choice(["x", 'q"\\', "é\n", "", 0, -3, 2.5, 1e-7, True, False, None])
        return Comparison(
            path, rng.choice(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]), value
        )
    kind = rng.choice(["and", "or", "not", "vp"] if not in_value_path else ["and", "or", "not"])
    if kind == "not":
        return Not(random_filter(rng, depth - 1, in_value_path=in_value_path))
    if kind == "vp":
        return ValuePath(
            AttrPath(rng.choice(["emails", "members"])),
            random_filter(rng, depth - 1, in_value_path=True),
        )
    left = random_filter(rng, depth - 1, in_value_path=in_value_path)
    right = random_filter(rng, depth - 1, in_value_path=in_value_path)
    return And(left, right) if kind == "and" else Or(left, right)


def test_any_tree_survives_serialise_then_parse() -> None:
    rng = random.Random(7644)
    for _ in range(500):
        tree = random_filter(rng, 5)
        assert parse_filter(serialize(tree)) == tree


# -- syntax errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        ("", 0, "empty filter"),
        ("   ", 0, "empty filter"),
        ('userName eq "x', 12, "unterminated string"),
        ('userName eq "x\\"', 12, "unterminated string"),
        ("userName eq", 11, "missing value after 'eq'"),
        ("(userName eq)", 12, "missing value after 'eq'"),
        ("a[b eq]", 6, "missing value after 'eq'"),
        ("userName", 8, "missing operator"),
        ("userName xx 1", 9, "unknown operator 'xx'"),
        ("user name eq 1", 5, "unknown operator 'name'"),
        ("userName == 1", 9, "unexpected character '='"),
        ("userName (eq) 1", 9, "expected an operator"),
        ("(a pr", 5, "unbalanced parentheses: '(' at position 0 is not closed"),
        ("((a pr)", 7, "unbalanced parentheses"),
        ("a pr)", 4, "unbalanced parentheses: ')' without a matching '('"),
        ("(a pr b pr)", 6, "expected 'and', 'or' or ')'"),
        ("(a pr]", 5, "expected 'and', 'or' or ')'"),
        ("a[b eq 1", 8, "unbalanced brackets: '[' at position 1 is not closed"),
        ("a[b eq 1)", 8, "expected 'and', 'or' or ']'"),
        ("a[b eq 1]]", 9, "unbalanced brackets: ']' without a matching '['"),
        ("a[b[c eq 1]]", 3, "value paths cannot be nested"),
        ("a[not (b[c eq 1])]", 8, "value paths cannot be nested"),
        ("a.b[c eq 1]", 3, "not to the sub-attribute a.b"),
        ("a[]", 2, "empty value filter"),
        ("not a pr", 4, "'not' must be followed by '('"),
        ("not", 3, "'not' must be followed by '('"),
        ("a pr b pr", 5, "unexpected 'b' after a complete filter"),
        ('a eq "x" "y"', 9, "unexpected '\"y\"' after a complete filter"),
        ("a pr and", 8, "expected an attribute name, found the end of the text"),
        ("a pr or or", 10, "missing operator"),
        ("()", 1, "expected an attribute name, found ')'"),
        ('a eq "\\q"', 6, "invalid escape"),
        ('a eq "\\u12"', 6, "invalid escape"),
        ('a eq "tab\there"', 9, "control character in string"),
        ('a eq "\\ud800"', 5, "lone surrogate"),
        ("a eq 01", 5, "invalid number"),
        ("a eq 1.5.1", 5, "invalid number"),
        ("a eq -", 5, "invalid number"),
        ("a eq 1x", 5, "invalid number"),
        ("a eq 1e999", 5, "number is out of range"),
        ("a eq bjensen", 5, "unquoted value 'bjensen'"),
        ("a eq [", 5, "expected a value"),
        ("a..b pr", 0, "invalid attribute path 'a..b'"),
        ("a.b.c pr", 0, "invalid attribute path"),
        ("urn:x pr", 0, "invalid attribute path"),
        ("x:y pr", 0, "invalid attribute path"),
        ("$foo pr", 0, "invalid attribute path"),
        ("#", 0, "unexpected character '#'"),
        ("a eq 1 and # pr", 11, "unexpected character '#'"),
    ],
)
def test_parse_reports_the_position_and_nature_of_a_syntax_error(
    text: str, position: int, problem: str
) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    error = info.value
    assert (error.position, error.text) == (position, text)
    assert problem in error.problem
    assert isinstance(error, ValueError)


def test_parse_reports_the_first_problem_in_reading_order() -> None:
    # The unknown operator comes before the unterminated string.
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter('a xx 1 and b eq "open')
    assert info.value.position == 2


def test_syntax_error_message_shows_the_text_with_a_caret_under_the_position() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter('userName eq "unterminated')
    assert str(info.value) == (
        'unterminated string at position 12:\n  userName eq "unterminated\n              ^'
    )


def test_syntax_error_message_keeps_the_caret_aligned_past_control_characters() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter("a pr and\n\tb xx 1")
    lines = str(info.value).splitlines()
    assert len(lines) == 3
    assert lines[1] == "  a pr and  b xx 1"
    assert lines[2].index("^") == lines[1].index("xx")


# -- PATCH paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title", PatchPath(AttrPath("title"))),
        ("name.familyName", PatchPath(AttrPath("name", "familyName"))),
        ("members", PatchPath(AttrPath("members"))),
        (
            'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
            PatchPath(
                AttrPath("members"), cmp("value", "eq", "2819c223-7f76-453a-919d-413861904646")
            ),
        ),
        (
            'emails[type eq "work" and value ew "example.com"]',
            PatchPath(
                AttrPath("emails"),
                And(cmp("type", "eq", "work"), cmp("value", "ew", "example.com")),
            ),
        ),
        (
            'addresses[type eq "work"].streetAddress',
            PatchPath(AttrPath("addresses"), cmp("type", "eq", "work"), "streetAddress"),
        ),
        (
            'members[value eq "1"].$ref',
            PatchPath(AttrPath("members"), cmp("value", "eq", "1"), "$ref"),
        ),
        (f"{ENTERPRISE}:manager", PatchPath(AttrPath("manager", None, ENTERPRISE))),
        (f"{ENTERPRISE}:manager.value", PatchPath(AttrPath("manager", "value", ENTERPRISE))),
        (
            f'{CORE}:emails[type eq "work"].value',
            PatchPath(AttrPath("emails", None, CORE), cmp("type", "eq", "work"), "value"),
        ),
    ],
)
def test_parse_path_reads_rfc7644_patch_paths_and_round_trips(
    text: str, expected: PatchPath
) -> None:
    assert parse_path(text) == expected
    assert str(expected) == text
    assert serialize(expected) == text


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        ("", 0, "empty path"),
        ('emails[type eq "w"].', 20, "expected a sub-attribute name after '.'"),
        ('emails[type eq "w"].value.x', 20, "expected a sub-attribute name after '.'"),
        ('emails[type eq "w"]. value', 20, "expected a sub-attribute name after '.'"),
        ('emails[type eq "w"] .value', 20, "unexpected '.' after a complete path"),
        ('emails[type eq "w"]value', 19, "unexpected 'value' after a complete path"),
        ('name.givenName[type eq "w"]', 14, "not to the sub-attribute"),
        ('emails[a[b eq "w"]]', 8, "value paths cannot be nested"),
        ("a[b eq 1", 8, "unbalanced brackets"),
        ("a[b eq 1]]", 9, "unbalanced brackets"),
        ("x y", 2, "unexpected 'y' after a complete path"),
        ("(a)", 0, "a path starts with an attribute name"),
        ("a b eq 1", 2, "after a complete path"),
    ],
)
def test_parse_path_refuses_malformed_paths_with_the_position(
    text: str, position: int, problem: str
) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_path(text)
    assert info.value.position == position
    assert problem in info.value.problem


# -- building ------------------------------------------------------------------------------

HOSTILE_VALUES = [
    'x" or userName pr or "',
    '") or (userName pr',
    "back\\slash",
    '\\" or title pr or \\"',
    "trailing backslash \\",
    "".join(chr(c) for c in range(32)) + "\x7f",
    "line\nbreak\ttab\rreturn",
    "unicode é ☃ \U0001f600 \u2028",
    "] or title pr [",
    "null",
    "true",
    "42",
    "",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_builder_escapes_any_value_so_it_parses_back_as_one_comparison(
    value: str | int | float | bool | None,
) -> None:
    text = str(F.eq("userName", value))
    assert parse_filter(text) == cmp("userName", "eq", value)
    assert not any(ch < " " for ch in text)  # control characters travel escaped


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_builder_escapes_values_inside_value_paths_and_logic(
    value: str | int | float | bool | None,
) -> None:
    built = F.value_path("emails", F.eq("type", value) & ~F.co("value", value)) | F.sw("x", value)
    assert parse_filter(str(built)) == built


def test_builder_escapes_exactly_as_json_does() -> None:
    assert str(F.eq("userName", 'x" or userName pr or "')) == (
        'userName eq "x\\" or userName pr or \\""'
    )
    assert str(F.eq("a", "\\")) == 'a eq "\\\\"'
    assert str(F.eq("a", "\x00")) == 'a eq "\\u0000"'
    assert str(F.eq("a", "é")) == 'a eq "é"'


@pytest.mark.parametrize(
    ("built", "text"),
    [
        (F.eq("userName", "bjensen"), 'userName eq "bjensen"'),
        (F.ne("userType", "Employee"), 'userType ne "Employee"'),
        (F.co("emails", "@example.com"), 'emails co "@example.com"'),
        (F.sw("userName", "J"), 'userName sw "J"'),
        (F.ew("emails.value", ".org"), 'emails.value ew ".org"'),
        (F.gt("logins", 7), "logins gt 7"),
        (F.ge("score", 0.5), "score ge 0.5"),
        (
            F.lt("meta.lastModified", "2011-05-13T04:42:34Z"),
            'meta.lastModified lt "2011-05-13T04:42:34Z"',
        ),
        (F.le("n", -1), "n le -1"),
        (F.eq("active", True), "active eq true"),
        (F.eq("nickName", None), "nickName eq null"),
        (F.pr("title"), "title pr"),
        (
            F.eq(f"{ENTERPRISE}:manager.value", "26118915"),
            f'{ENTERPRISE}:manager.value eq "26118915"',
        ),
        (F.eq(AttrPath("name", "givenName"), "B"), 'name.givenName eq "B"'),
        (F.pr("a") & F.pr("b"), "a pr and b pr"),
        (F.pr("a") | F.pr("b"), "a pr or b pr"),
        (~F.pr("a"), "not (a pr)"),
        (F.pr("a") & (F.pr("b") | ~F.eq("c", None)), "a pr and (b pr or not (c eq null))"),
        ((F.pr("a") | F.pr("b")) & F.pr("c"), "(a pr or b pr) and c pr"),
        (F.and_(F.pr("a")), "a pr"),
        (F.and_(F.pr("a"), F.pr("b"), F.pr("c")), "a pr and b pr and c pr"),
        (F.or_(F.pr("a"), F.pr("b"), F.pr("c")), "a pr or b pr or c pr"),
        (F.and_(F.pr("a"), F.or_(F.pr("b"), F.pr("c"))), "a pr and (b pr or c pr)"),
        (F.not_(F.pr("a") | F.pr("b")), "not (a pr or b pr)"),
        (
            F.value_path("emails", F.eq("type", "work") & F.co("value", "@example.com")),
            'emails[type eq "work" and value co "@example.com"]',
        ),
        (
            F.eq("userType", "Employee") & F.value_path("emails", F.pr("value")),
            'userType eq "Employee" and emails[value pr]',
        ),
    ],
)
def test_builder_makes_the_filter_it_names(built: Filter, text: str) -> None:
    assert str(built) == text
    assert parse_filter(text) == built


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            "2024-01-02T03:04:05Z",
        ),
        (
            datetime.datetime(
                2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            "2024-01-02T01:04:05Z",
        ),
        (
            datetime.datetime(
                2024, 1, 1, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
            ),
            "2023-12-31T20:00:00Z",
        ),
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, 120000, tzinfo=datetime.timezone.utc),
            "2024-01-02T03:04:05.120000Z",
        ),
    ],
)
def test_builder_writes_datetimes_as_rfc3339_in_utc_with_z(
    when: datetime.datetime, text: str
) -> None:
    assert F.gt("meta.lastModified", when) == cmp("meta", "gt", text, "lastModified")


class Colour(str, enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


def test_builder_stores_enum_members_as_their_plain_json_value() -> None:
    assert F.eq("colour", Colour.RED) == parse_filter('colour eq "red"')
    assert F.eq("size", Size.BIG) == parse_filter("size eq 3")
    assert type(F.eq("size", Size.BIG).value) is int


@pytest.mark.parametrize(
    ("call", "error", "named"),
    # Arguments of the wrong type are the point of many rows: they must fail at run time.
    [
        (lambda: F.eq("user name", "x"), FilterSyntaxError, "path"),
        (lambda: F.eq("name.", "x"), ValueError, "path"),
        (lambda: F.eq("a pr or b", "x"), ValueError, "path"),
        (lambda: F.eq(5, "x"), TypeError, "path"),  # type: ignore[arg-type]
        (lambda: F.pr(None), TypeError, "path"),  # type: ignore[arg-type]
        (lambda: F.eq("a", object()), TypeError, "value"),
        (lambda: F.eq("a", [1]), TypeError, "value"),
        (lambda: F.eq("a", {"x": 1}), TypeError, "value"),
        (lambda: F.eq("a", b"bytes"), TypeError, "value"),
        (lambda: F.eq("a", float("nan")), ValueError, "value"),
        (lambda: F.eq("a", float("inf")), ValueError, "value"),
        (lambda: F.eq("a", "\ud800"), ValueError, "value"),
        (lambda: F.gt("a", datetime.datetime(2024, 1, 1)), ValueError, "naive"),
        (lambda: F.gt("a", datetime.date(2024, 1, 1)), TypeError, "date"),
        (lambda: F.and_(), ValueError, "and_"),
        (lambda: F.or_(), ValueError, "or_"),
        (lambda: F.and_(F.pr("a"), "b pr"), TypeError, "filters[1]"),  # type: ignore[arg-type]
        (lambda: F.or_("a pr"), TypeError, "filters[0]"),  # type: ignore[arg-type]
        (lambda: F.not_("a pr"), TypeError, "filter"),  # type: ignore[arg-type]
        (lambda: F.value_path("emails", "type pr"), TypeError, "filter"),  # type: ignore[arg-type]
        (lambda: F.value_path("emails.value", F.pr("x")), ValueError, "emails.value"),
        (lambda: F.value_path("a", F.value_path("b", F.pr("c"))), ValueError, "nested"),
        (lambda: F.pr("a") & "b pr", TypeError, "&"),
        (lambda: F.pr("a") | 1, TypeError, "|"),
        (lambda: Comparison(AttrPath("a"), "like", "x"), ValueError, "op"),
        (lambda: Comparison("a", "eq", "x"), TypeError, "path"),  # type: ignore[arg-type]
        (lambda: Present("a"), TypeError, "path"),  # type: ignore[arg-type]
        (lambda: And(F.pr("a"), None), TypeError, "right"),  # type: ignore[arg-type]
        (lambda: Or("a pr", F.pr("b")), TypeError, "left"),  # type: ignore[arg-type]
        (lambda: Not(None), TypeError, "expr"),  # type: ignore[arg-type]
        (lambda: AttrPath("bad name"), ValueError, "attr"),
        (lambda: AttrPath("a", "b.c"), ValueError, "sub_attr"),
        (lambda: AttrPath("a", uri="not-a-urn"), ValueError, "uri"),
        (lambda: AttrPath(1), TypeError, "attr"),  # type: ignore[arg-type]
        (lambda: PatchPath(AttrPath("a"), None, "b"), ValueError, "sub_attr"),
        (lambda: PatchPath(AttrPath("a"), "b pr"), TypeError, "value_filter"),  # type: ignore[arg-type]
        (lambda: parse_filter(None), TypeError, "filter"),  # type: ignore[arg-type]
        (lambda: parse_path(b"title"), TypeError, "path"),  # type: ignore[arg-type]
        (lambda: serialize("a pr"), TypeError, "str"),  # type: ignore[arg-type]
    ],
)
def test_misuse_fails_fast_naming_the_argument(
    call: Callable[[], object], error: type[Exception], named: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert named in str(info.value)


def test_a_filter_refuses_to_be_used_as_a_boolean() -> None:
    # `F.eq(...) and F.eq(...)` would otherwise quietly mean only the second filter.
    with pytest.raises(TypeError, match="combine filters with &"):
        F.eq("a", 1) and F.eq("b", 2)  # noqa: B018


# -- nodes ---------------------------------------------------------------------------------


def test_nodes_are_immutable() -> None:
    node = F.eq("a", 1)
    with pytest.raises(AttributeError):
        node.op = "ne"
    with pytest.raises(AttributeError):
        del node.value
    with pytest.raises(AttributeError):
        AttrPath("a").attr = "b"
    with pytest.raises(AttributeError):
        node.extra = 1


def test_nodes_compare_by_structure_and_value_type() -> None:
    assert parse_filter("a eq 1") == F.eq("a", 1)
    assert F.eq("a", 1) != F.eq("a", 1.0)
    assert F.eq("a", 1) != F.eq("a", True)
    assert F.eq("a", 0) != F.eq("a", False)
    assert F.eq("a", 1) != F.ne("a", 1)
    assert F.pr("a") != AttrPath("a")
    assert And(A, B) != Or(A, B)
    assert And(A, B) != And(B, A)


def test_equal_nodes_hash_alike() -> None:
    same = parse_filter('a eq 1 and emails[type eq "w"]')
    also = parse_filter('a EQ 1 AND emails[type EQ "w"]')
    assert same == also and hash(same) == hash(also)
    assert len({same, also, parse_filter('a eq 1.0 and emails[type eq "w"]')}) == 2
    assert len({F.eq("a", 1), F.eq("a", True), F.eq("a", 1.0)}) == 3


def test_nodes_copy_and_pickle_to_equal_nodes() -> None:
    node = parse_filter(f'emails[type eq "work"] and not ({ENTERPRISE}:manager.value pr)')
    path = parse_path('emails[type eq "work"].value')
    for original in (node, path):
        assert copy.copy(original) == original
        assert copy.deepcopy(original) == original
        assert pickle.loads(pickle.dumps(original)) == original


def test_repr_names_every_field() -> None:
    assert repr(F.eq("name.givenName", "B")) == (
        "Comparison(path=AttrPath(attr='name', sub_attr='givenName', uri=None), op='eq', value='B')"
    )

"""Filters and PATCH paths: parse, serialise, build; as data in, data out."""

from __future__ import annotations

import datetime

import pytest

from scimkit.filters import (
    And,
    AttrPath,
    Comparison,
    F,
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

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Every example filter of RFC 7644 §3.4.2.2.
RFC_EXAMPLES = [
    'userName eq "bjensen"',
    'name.familyName co "O\'Malley"',
    'userName sw "J"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
    "title pr",
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'meta.lastModified ge "2011-05-13T04:42:34Z"',
    'meta.lastModified lt "2011-05-13T04:42:34Z"',
    'meta.lastModified le "2011-05-13T04:42:34Z"',
    'title pr and userType eq "Employee"',
    'title pr or userType eq "Intern"',
    'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    'userType eq "Employee" and (emails.type eq "work")',
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    'emails[type eq "work" and value co "@example.com"] or '
    'ims[type eq "xmpp" and value co "@foo.com"]',
]


@pytest.mark.parametrize("text", RFC_EXAMPLES)
def test_rfc_examples_parse_and_round_trip(text):
    node = parse_filter(text)
    assert parse_filter(serialize(node)) == node
    assert parse_filter(str(node)) == node


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "a"', Comparison(AttrPath("userName"), "eq", "a")),
        ('userName EQ "a"', Comparison(AttrPath("userName"), "eq", "a")),
        ("title pr", Present(AttrPath("title"))),
        ("active eq true", Comparison(AttrPath("active"), "eq", True)),
        ("x eq null", Comparison(AttrPath("x"), "eq", None)),
        ("n gt -1.5e2", Comparison(AttrPath("n"), "gt", -150.0)),
        ("n le 10", Comparison(AttrPath("n"), "le", 10)),
        ('s eq "caf\\u00e9 \\"q\\""', Comparison(AttrPath("s"), "eq", 'café "q"')),
        (
            f'{ENTERPRISE}:manager.value eq "7"',
            Comparison(AttrPath("manager", "value", ENTERPRISE), "eq", "7"),
        ),
        ("$ref pr", Present(AttrPath("$ref"))),
        (
            "a pr or b pr and c pr",
            Or(Present(AttrPath("a")), And(Present(AttrPath("b")), Present(AttrPath("c")))),
        ),
        (
            "(a pr or b pr) and c pr",
            And(Or(Present(AttrPath("a")), Present(AttrPath("b"))), Present(AttrPath("c"))),
        ),
        ("NOT (a pr)", Not(Present(AttrPath("a")))),
        (
            'emails[type eq "work"]',
            ValuePath(AttrPath("emails"), Comparison(AttrPath("type"), "eq", "work")),
        ),
    ],
)
def test_parse_builds_the_expected_tree(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        ("", 0, "empty filter"),
        ('userName eq "x', 12, "unterminated string"),
        ("userName eq", 11, "expected a value"),
        ("userName xx 1", 9, "expected an operator"),
        ("(a pr", 5, "expected ')'"),
        ("a pr)", 4, "unexpected ')'"),
        ("a[b[c eq 1]]", 3, "cannot be nested"),
        ("not a pr", 4, "must be followed by '('"),
        ("a pr b pr", 5, "unexpected 'b'"),
        ('a eq "\\q"', 5, "invalid escape"),
        ("a eq #", 5, "unexpected character"),
        ("a eq 01", 5, "unexpected character"),
    ],
)
def test_parse_reports_the_position_of_a_syntax_error(text, position, problem):
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    assert info.value.position == position
    assert problem in info.value.problem
    assert isinstance(info.value, ValueError)
    assert str(info.value).endswith(" " * position + "^")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name.givenName", PatchPath(AttrPath("name", "givenName"))),
        (
            'members[value eq "2819c223"]',
            PatchPath(AttrPath("members"), Comparison(AttrPath("value"), "eq", "2819c223")),
        ),
        (
            'emails[type eq "work"].value',
            PatchPath(AttrPath("emails"), Comparison(AttrPath("type"), "eq", "work"), "value"),
        ),
        (f"{ENTERPRISE}:department", PatchPath(AttrPath("department", None, ENTERPRISE))),
    ],
)
def test_parse_path_reads_rfc7644_patch_paths(text, expected):
    assert parse_path(text) == expected
    assert str(parse_path(text)) == text


@pytest.mark.parametrize("text", ['emails[type eq "w"].', "a.b[c eq 1]", "x y", "a[b eq 1", ""])
def test_parse_path_refuses_malformed_paths(text):
    with pytest.raises(FilterSyntaxError):
        parse_path(text)


@pytest.mark.parametrize(
    "value",
    [
        'x" or userName pr or "',
        "back\\slash",
        'both \\" kinds',
        "line\nbreak\ttab\x00nul",
        "unicode ☃ é",
        ") or (",
    ],
)
def test_builder_escapes_any_value_so_it_parses_back_unchanged(value):
    built = F.eq("userName", value)
    parsed = parse_filter(str(built))
    assert parsed == Comparison(AttrPath("userName"), "eq", value)


def test_builder_operators_combine_with_precedence():
    built = F.eq("a", 1) & (F.pr("b") | ~F.eq("c", None))
    assert str(built) == "a eq 1 and (b pr or not (c eq null))"
    assert parse_filter(str(built)) == built
    assert str(F.and_(F.pr("a"), F.pr("b"), F.pr("c"))) == "a pr and b pr and c pr"
    assert str(F.or_(F.pr("a"), F.pr("b"))) == "a pr or b pr"
    assert str(F.not_(F.pr("a"))) == "not (a pr)"


def test_builder_value_path_and_datetimes():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert str(F.gt("meta.lastModified", when)) == 'meta.lastModified gt "2024-01-02T03:04:05Z"'
    vp = F.value_path("emails", F.eq("type", "work") & F.co("value", "@example.com"))
    assert str(vp) == 'emails[type eq "work" and value co "@example.com"]'


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: F.eq("user name", "x"), FilterSyntaxError),
        (lambda: F.eq(5, "x"), TypeError),
        (lambda: F.eq("a", object()), TypeError),
        (lambda: F.eq("a", float("nan")), ValueError),
        (lambda: F.and_(), ValueError),
        (lambda: F.not_("a pr"), TypeError),
        (lambda: parse_filter(None), TypeError),
    ],
)
def test_builder_misuse_fails_fast(call, error):
    with pytest.raises(error):
        call()


def test_nodes_are_immutable_and_hashable():
    node = F.eq("a", 1)
    with pytest.raises(AttributeError):
        node.op = "ne"  # type: ignore[misc]
    assert hash(node) == hash(parse_filter("a eq 1"))
    assert F.eq("a", 1) != F.eq("a", True)

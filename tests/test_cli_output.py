"""The command line's pure parts: cells, tables, records, paths, formats, the progress line."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from scimkit._cli.output import (
    GROUP_COLUMNS,
    USER_COLUMNS,
    USER_TABLE_COLUMNS,
    Column,
    attribute_columns,
    cell_text,
    choose_format,
    display_width,
    flatten,
    format_record,
    format_table,
    generic_columns,
    get_path,
    primary_email,
    redact_token,
    terminal_safe,
    write_resource,
    write_resources,
)
from scimkit._cli.progress import ProgressBar, format_duration, render_progress

ANN: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "1",
    "userName": "ann",
    "name": {"givenName": "Ann", "familyName": "Lee"},
    "emails": [
        {"value": "ann@home.example", "type": "home"},
        {"value": "ann@work.example", "type": "work", "primary": True},
    ],
    "active": True,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tours"},
    "meta": {"version": 'W/"1"'},
}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (1.5, "1.5"),
        ("text", "text"),
        (["a", "b"], "a, b"),
        ({"b": 1, "a": "x"}, '{"a":"x","b":1}'),
        ([{"value": "x"}], '{"value":"x"}'),
        ("zoë", "zoë"),
    ],
)
def test_cell_text_shows_json_values_plainly(value: Any, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),
        ("two\nlines", "two\\x0alines"),
        ("tab\there", "tab\\x09here"),
        ("\x9bcsi", "\\x9bcsi"),
        ("ümlaut", "ümlaut"),
    ],
)
def test_terminal_safe_escapes_control_characters(text: str, shown: str) -> None:
    assert terminal_safe(text) == shown


@pytest.mark.parametrize(
    ("text", "width"), [("abc", 3), ("日本", 4), ("e\u0301", 1), ("", 0), ("ａ", 2)]
)
def test_display_width_counts_terminal_columns(text: str, width: int) -> None:
    assert display_width(text) == width


def test_format_table_aligns_columns_and_draws_a_rule() -> None:
    lines = format_table(["id", "userName"], [["1", "ann"], ["22", "bartholomew"]])
    assert lines == [
        "id  userName",
        "--  -----------",
        "1   ann",
        "22  bartholomew",
    ]


def test_format_table_cuts_long_cells_and_escapes_control_characters() -> None:
    lines = format_table(["a", "b"], [["x" * 30, "\x1b]0;title\x07"]], max_cell=10)
    assert lines[2].startswith("xxxxxxxxx…  ")
    assert "\x1b" not in "".join(lines) and "\x07" not in "".join(lines)


def test_format_table_aligns_wide_characters_by_display_width() -> None:
    lines = format_table(["name", "n"], [["日本", "1"], ["ab", "2"]])
    assert lines[2] == "日本  1"
    assert lines[3] == "ab    2"


def test_format_table_without_rows_still_shows_the_header() -> None:
    assert format_table(["id"], []) == ["id", "--"]


def test_format_record_aligns_names() -> None:
    assert format_record([("id", "1"), ("userName", "ann")]) == ["id        1", "userName  ann"]
    assert format_record([]) == []


def test_flatten_joins_paths_as_scim_writes_them() -> None:
    pairs = dict(flatten(ANN))
    assert pairs["name.givenName"] == "Ann"
    assert pairs["emails[1].value"] == "ann@work.example"
    assert pairs["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"] == (
        "Tours"
    )
    assert pairs["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert flatten({"roles": [{"value": "a"}, "b"]}) == [
        ("roles[0].value", "a"),
        ("roles[1]", "b"),
    ]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("userName", "ann"),
        ("USERNAME", "ann"),
        ("name.givenName", "Ann"),
        ("name.givenname", "Ann"),
        ("emails.value", ["ann@home.example", "ann@work.example"]),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "Tours"),
        ("nickName", None),
        ("name.middleName", None),
        ("userName.x", None),
    ],
)
def test_get_path_reads_attributes_case_insensitively(path: str, value: Any) -> None:
    assert get_path(ANN, path) == value


@pytest.mark.parametrize(
    ("resource", "email"),
    [
        (ANN, "ann@work.example"),
        ({"emails": [{"value": "a@x"}, {"value": "b@x"}]}, "a@x"),
        ({"emails": []}, None),
        ({}, None),
        ({"emails": "not a list"}, None),
    ],
)
def test_primary_email_prefers_the_primary_then_the_first(
    resource: dict[str, Any], email: str | None
) -> None:
    assert primary_email(resource) == email


@pytest.mark.parametrize(
    ("requested", "tty", "chosen"),
    [(None, True, "table"), (None, False, "json"), ("csv", True, "csv"), ("table", False, "table")],
)
def test_choose_format_is_a_table_for_people_and_json_for_pipes(
    requested: str | None, tty: bool, chosen: str
) -> None:
    assert choose_format(requested, tty) == chosen


def test_user_columns_read_what_export_writes() -> None:
    row = {c.header: cell_text(c.read(ANN)) for c in USER_COLUMNS}
    assert row == {
        "id": "1",
        "userName": "ann",
        "externalId": "",
        "active": "true",
        "displayName": "",
        "givenName": "Ann",
        "familyName": "Lee",
        "email": "ann@work.example",
        "title": "",
    }
    table = {c.header: cell_text(c.read(ANN)) for c in USER_TABLE_COLUMNS}
    assert table["name"] == "Ann Lee"


def test_group_columns_join_member_ids() -> None:
    group = {"id": "g", "displayName": "Ops", "members": [{"value": "1"}, {"value": "2"}]}
    assert [cell_text(c.read(group)) for c in GROUP_COLUMNS] == ["g", "Ops", "", "1;2"]


def test_attribute_columns_put_id_first_once() -> None:
    assert [c.header for c in attribute_columns(["userName", "id", "name.givenName"])] == [
        "id",
        "userName",
        "name.givenName",
    ]


def test_generic_columns_follow_the_resources_own_attributes() -> None:
    resources: list[dict[str, Any]] = [
        {"id": "1", "schemas": [], "serial": "X"},
        {"id": "2", "rack": 4, "meta": {}},
    ]
    assert [c.header for c in generic_columns(resources, limit=None)] == ["id", "serial", "rack"]
    assert [c.header for c in generic_columns(resources, limit=2)] == ["id", "serial"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
def test_write_resources_in_every_format(fmt: str) -> None:
    out = io.StringIO()
    count = write_resources(
        iter([ANN, {"id": "2", "userName": "bob"}]), fmt, out, columns=USER_COLUMNS
    )
    assert count == 2
    text = out.getvalue()
    if fmt == "json":
        assert [u["userName"] for u in json.loads(text)] == ["ann", "bob"]
    elif fmt == "jsonl":
        assert [json.loads(line)["id"] for line in text.splitlines()] == ["1", "2"]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["userName"] for r in rows] == ["ann", "bob"]
        assert rows[0]["email"] == "ann@work.example"
    else:
        lines = text.splitlines()
        assert lines[0].split() == [c.header for c in USER_COLUMNS]
        assert lines[2].split()[:2] == ["1", "ann"]


@pytest.mark.parametrize(("fmt", "text"), [("json", "[]\n"), ("jsonl", ""), ("csv", "id\n")])
def test_write_resources_without_any(fmt: str, text: str) -> None:
    out = io.StringIO()
    assert write_resources(iter([]), fmt, out, columns=attribute_columns([])) == 0
    assert out.getvalue() == text


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
@pytest.mark.parametrize("columns", [USER_COLUMNS, None], ids=["user-columns", "own-columns"])
def test_write_resources_prints_nothing_when_the_first_page_fails(
    fmt: str, columns: tuple[Column, ...] | None
) -> None:
    def failing() -> Any:
        raise RuntimeError("page 1 failed")
        yield  # pragma: no cover

    out = io.StringIO()
    with pytest.raises(RuntimeError, match="^page 1 failed$"):
        write_resources(failing(), fmt, out, columns=columns)
    assert out.getvalue() == ""


def test_write_resources_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        write_resources([], "xml", io.StringIO())


def test_write_resource_as_a_record_puts_id_first_and_meta_last() -> None:
    out = io.StringIO()
    write_resource(ANN, "table", out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["id", "1"]
    assert lines[-1].startswith("meta.version")
    assert any(line.split() == ["name.givenName", "Ann"] for line in lines)


def test_write_resource_as_csv_is_a_header_and_a_row() -> None:
    out = io.StringIO()
    write_resource(ANN, "csv", out, columns=USER_COLUMNS)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:2] == ["id", "userName"] and rows[1][:2] == ["1", "ann"]


# -- progress ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (0.2, "0:01"), (15, "0:15"), (61, "1:01"), (3600, "1:00:00"), (3725, "1:02:05")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "line"),
    [
        (250, 1000, 5.0, "[######------------------]  25%  250/1,000 users  50/s  ETA 0:15"),
        (0, 1000, 0.0, "[------------------------]   0%  0/1,000 users  0.0/s  in 0:00"),
        (1000, 1000, 20.0, "[########################] 100%  1,000/1,000 users  50/s  in 0:20"),
        (12345, None, 10.0, "12,345 users  1,234/s  in 0:10"),
        (3, 0, 2.0, "3 users  1.5/s  in 0:02"),
        # A server whose totalResults was too low: the bar stops at 100%, no negative ETA.
        (12, 10, 4.0, "[########################] 100%  12/10 users  3.0/s  in 0:04"),
    ],
)
def test_render_progress(done: int, total: int | None, elapsed: float, line: str) -> None:
    assert render_progress(done, total, elapsed, noun="users") == line


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_redraws_at_most_every_interval_and_ends_the_line() -> None:
    clock = FakeClock()
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True, total=4, noun="users", clock=clock, interval=0.5)
    bar.advance()  # first draw at once
    clock.now += 0.1
    bar.advance()  # too soon: not drawn
    clock.now += 0.5
    bar.advance()
    bar.close()
    drawn = stream.getvalue()
    assert drawn.count("\r") == 3
    assert "1/4 users" in drawn and "2/4 users" not in drawn and "3/4 users" in drawn
    assert drawn.endswith("\r[##################------]  75%  3/4 users  5.0/s  ETA 0:01\n")


def test_progress_bar_clear_erases_the_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True, total=None, noun="rows", clock=FakeClock())
    bar.advance()
    shown = len(stream.getvalue()) - 1
    bar.clear()
    assert stream.getvalue().endswith("\r" + " " * shown + "\r")
    bar.clear()  # nothing on screen: nothing written
    assert stream.getvalue().count("\r") == 3


def test_progress_bar_draws_nothing_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=False, total=10, clock=FakeClock())
    for _ in range(10):
        bar.advance()
    bar.clear()
    bar.close()
    assert stream.getvalue() == "" and bar.done == 10


# -- token redaction -----------------------------------------------------------------------

LONG = "cli-S3CRET-token-4e8d"


@pytest.mark.parametrize(
    ("text", "token", "shown"),
    [
        # A short token is hidden where it stands as a whole word...
        ("bad token scim", "scim", "bad token [secure]"),
        ("Authorization: Bearer scim", "scim", "Authorization: Bearer [secure]"),
        (
            "GET /Users?access_token=scim&count=1",
            "scim",
            "GET /Users?access_token=[secure]&count=1",
        ),
        ('{"detail": "scim"}', "scim", '{"detail": "[secure]"}'),
        ("the token was scim.", "scim", "the token was [secure]."),
        ("(scim)", "scim", "([secure])"),
        ("a+b/c=", "a+b/c", "[secure]="),
        ("?t=a%2Bb%2Fc&x", "a+b/c", "?t=[secure]&x"),
        # ...and left alone inside another word.
        ("scimkit: error", "scim", "scimkit: error"),
        ("DEBUG scimkit.send: GET", "scim", "DEBUG scimkit.send: GET"),
        ("my_scim and scim2", "scim", "my_scim and scim2"),
        # A side of the token that is not a word character bounds itself.
        ("x+ab+y", "+ab+", "x[secure]y"),
        # A long token is hidden anywhere, glued to other text too.
        (f"xx{LONG}yy and {LONG}", LONG, "xx[secure]yy and [secure]"),
        ("nothing to hide", None, "nothing to hide"),
        ("nothing to hide", "", "nothing to hide"),
    ],
)
def test_redact_token_hides_whole_values_only(text: str, token: str | None, shown: str) -> None:
    assert redact_token(text, token) == shown

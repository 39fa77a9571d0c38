"""What the command line prints: cells, aligned tables, JSON, JSON Lines and CSV.

Everything here is pure (data in, text out) apart from the writers, which only write to the
stream they are given. Resources are plain JSON objects (`model.to_dict()`), so the same code
shows users, groups and any resource type a server has.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, TextIO

from .console import FORMATS

__all__ = [
    "FORMATS",
    "GROUP_COLUMNS",
    "GROUP_TABLE_COLUMNS",
    "USER_COLUMNS",
    "USER_TABLE_COLUMNS",
    "Column",
    "attribute_columns",
    "cell_text",
    "choose_format",
    "display_width",
    "flatten",
    "format_record",
    "format_table",
    "generic_columns",
    "get_path",
    "primary_email",
    "redact_token",
    "terminal_safe",
    "write_resource",
    "write_resources",
]

# C0 and C1 control characters, DEL included. A server's data must not move the cursor, clear
# the screen or set the terminal title (ANSI escapes start with ESC, \x1b).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: Columns a generic table shows at most, so that it stays readable.
_GENERIC_TABLE_LIMIT = 8


def choose_format(requested: str | None, stdout_is_tty: bool) -> str:
    """The output format: what was asked for, else a table for a person, JSON for a pipe."""
    if requested is not None:
        return requested
    return "table" if stdout_is_tty else "json"


# -- cells ---------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """One value as the text of a table or CSV cell.

    `None` is empty, booleans are JSON's `true`/`false`, lists are joined with `, `, objects
    are compact JSON.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        return ", ".join(cell_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def terminal_safe(text: str) -> str:
    """`text` with control characters shown as `\\xNN`, so that it cannot drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


#: A token at least this long is hidden even inside a longer word: a random string of 16
#: characters does not turn up in other text by chance, so there it can only be the token.
LONG_TOKEN = 16


def redact_token(text: str, token: str | None) -> str:
    """`text` with the bearer token shown as `[secure]`, as given and percent-encoded.

    The token is hidden where it stands as a whole word: not touching a letter, a digit or
    `_` on either side. That covers `Bearer TOKEN`, `?access_token=TOKEN&x=1`, `"TOKEN"` in
    JSON and `TOKEN.` at the end of a sentence, while a token `scim` leaves `scimkit` alone.
    A token of `LONG_TOKEN` characters or more is hidden anywhere, even glued to other text.

        redact_token("bad token scim", "scim") == "bad token [secure]"
        redact_token("scimkit: error", "scim") == "scimkit: error"
    """
    if not token:
        return text
    for form in dict.fromkeys((token, urllib.parse.quote(token, safe=""))):
        if len(form) >= LONG_TOKEN:
            text = text.replace(form, "[secure]")
        else:
            # A side that is not a word character is a boundary of its own.
            before = r"(?<!\w)" if re.match(r"\w", form) else ""
            after = r"(?!\w)" if re.match(r"\w", form[-1]) else ""
            text = re.sub(before + re.escape(form) + after, "[secure]", text)
    return text


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: wide East Asian characters take two, combining
    marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _fit(text: str, limit: int) -> str:
    """`text` cut to `limit` display columns, with `…` where it was cut."""
    if display_width(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        step = display_width(char)
        if used + step > limit - 1:
            break
        out.append(char)
        used += step
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def format_table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, max_cell: int = 48
) -> list[str]:
    """An aligned table: a header line, a rule, one line per row (no trailing blanks).

    Cells are made terminal-safe and cut to `max_cell` display columns.

        format_table(["id", "userName"], [["1", "ann"]])
        == ["id  userName", "--  --------", "1   ann"]
    """
    cells = [[_fit(terminal_safe(cell), max_cell) for cell in row] for row in rows]
    heads = [_fit(terminal_safe(h), max_cell) for h in headers]
    widths = [display_width(h) for h in heads]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], display_width(cell))

    def line(items: Sequence[str]) -> str:
        return "  ".join(_pad(item, widths[i]) for i, item in enumerate(items)).rstrip()

    lines = [line(heads), line(["-" * w for w in widths])]
    lines.extend(line(row) for row in cells)
    return lines


def format_record(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """One resource as `name  value` lines, names aligned (values are not cut)."""
    if not pairs:
        return []
    names = [terminal_safe(name) for name, _ in pairs]
    width = max(display_width(name) for name in names)
    return [
        f"{_pad(name, width)}  {terminal_safe(value)}".rstrip()
        for name, (_, value) in zip(names, pairs)
    ]


def flatten(value: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """A JSON object as (path, value) pairs, for a record view.

    Sub-attributes are joined with `.`, list elements that are objects get `[n]`, and an
    extension (a key that is a schema URN) is joined with `:` as SCIM paths write it.

        flatten({"name": {"givenName": "Ann"}, "emails": [{"value": "a@x"}]})
        == [("name.givenName", "Ann"), ("emails[0].value", "a@x")]
    """
    pairs: list[tuple[str, Any]] = []
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            joiner = ":" if not prefix and key.lower().startswith("urn:") else "."
            pairs.extend(flatten(item, path + joiner))
        elif isinstance(item, list) and any(isinstance(element, dict) for element in item):
            for index, element in enumerate(item):
                if isinstance(element, dict):
                    pairs.extend(flatten(element, f"{path}[{index}]."))
                else:
                    pairs.append((f"{path}[{index}]", element))
        else:
            pairs.append((path, item))
    return pairs


# -- reading attributes by SCIM path -------------------------------------------------------


def _member(obj: Any, name: str) -> Any:
    """`obj[name]`, case-insensitively (RFC 7643 §2.1); a list collects it from each element."""
    if isinstance(obj, list):
        found = [_member(item, name) for item in obj]
        return [item for item in found if item is not None] or None
    if not isinstance(obj, Mapping):
        return None
    if name in obj:
        return obj[name]
    lower = name.lower()
    for key, item in obj.items():
        if isinstance(key, str) and key.lower() == lower:
            return item
    return None


def get_path(resource: Mapping[str, Any], path: str) -> Any:
    """An attribute by its SCIM path: `userName`, `name.givenName`, `emails.value`,
    `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`."""
    current: Any = resource
    rest = path
    if path.lower().startswith("urn:") and ":" in path[4:]:
        urn, _, rest = path.rpartition(":")
        current = _member(resource, urn)
    for part in rest.split("."):
        current = _member(current, part)
        if current is None:
            return None
    return current


def primary_email(resource: Mapping[str, Any]) -> str | None:
    """The primary e-mail address, else the first one."""
    emails = _member(resource, "emails")
    if not isinstance(emails, list):
        return None
    values = [e for e in emails if isinstance(e, Mapping) and isinstance(e.get("value"), str)]
    for email in values:
        if email.get("primary") is True:
            return str(email["value"])
    return str(values[0]["value"]) if values else None


def _person_name(resource: Mapping[str, Any]) -> Any:
    shown = get_path(resource, "displayName") or get_path(resource, "name.formatted")
    if shown:
        return shown
    parts = [get_path(resource, "name.givenName"), get_path(resource, "name.familyName")]
    return " ".join(str(p) for p in parts if p) or None


def _member_ids(resource: Mapping[str, Any]) -> Any:
    members = _member(resource, "members")
    if not isinstance(members, list):
        return None
    return ";".join(str(m.get("value")) for m in members if isinstance(m, Mapping))


def _member_count(resource: Mapping[str, Any]) -> Any:
    members = _member(resource, "members")
    return len(members) if isinstance(members, list) else 0


class Column:
    """A column of a table or CSV file: its header and how to read its value."""

    __slots__ = ("header", "read")

    def __init__(self, header: str, read: Callable[[Mapping[str, Any]], Any] | None = None):
        self.header = header
        self.read: Callable[[Mapping[str, Any]], Any] = read or (
            lambda resource: get_path(resource, header)
        )

    def __repr__(self) -> str:
        return f"Column({self.header!r})"


#: Users in CSV: what `export` writes and `import` reads back.
USER_COLUMNS = (
    Column("id"),
    Column("userName"),
    Column("externalId"),
    Column("active"),
    Column("displayName"),
    Column("givenName", lambda r: get_path(r, "name.givenName")),
    Column("familyName", lambda r: get_path(r, "name.familyName")),
    Column("email", primary_email),
    Column("title"),
)
USER_TABLE_COLUMNS = (
    Column("id"),
    Column("userName"),
    Column("name", _person_name),
    Column("email", primary_email),
    Column("active"),
    Column("externalId"),
)
#: Groups in CSV: members are their ids joined with `;`.
GROUP_COLUMNS = (
    Column("id"),
    Column("displayName"),
    Column("externalId"),
    Column("members", _member_ids),
)
GROUP_TABLE_COLUMNS = (
    Column("id"),
    Column("displayName"),
    Column("members", _member_count),
    Column("externalId"),
)


def attribute_columns(attributes: Sequence[str]) -> tuple[Column, ...]:
    """Columns for `--attributes a,b`: `id` first (the server always returns it), then each."""
    names = ["id"] + [a for a in attributes if a.lower() != "id"]
    return tuple(Column(name) for name in names)


def generic_columns(resources: Sequence[Mapping[str, Any]], *, limit: int | None) -> list[Column]:
    """Columns for resources of a type we know nothing about: their top-level attributes in
    the order first seen, `schemas` and `meta` left out, `id` first."""
    names: list[str] = ["id"]
    seen = {"id", "schemas", "meta"}
    for resource in resources:
        for key in resource:
            if key.lower() not in seen:
                seen.add(key.lower())
                names.append(key)
    if limit is not None:
        names = names[:limit]
    return [Column(name) for name in names]


# -- writers -------------------------------------------------------------------------------


def _csv_writer(out: TextIO) -> Any:
    import csv  # only for --format csv: a listing in JSON or a table does without it

    return csv.writer(out, lineterminator="\n")


def _json_item(resource: Mapping[str, Any]) -> str:
    text = json.dumps(resource, indent=2, ensure_ascii=False)
    return "\n".join("  " + line for line in text.splitlines())


def write_resources(
    resources: Iterable[Mapping[str, Any]],
    fmt: str,
    out: TextIO,
    *,
    columns: Sequence[Column] | None = None,
    table_columns: Sequence[Column] | None = None,
    max_cell: int = 48,
) -> int:
    """Write resources as they come (a table waits for all of them, to align its columns);
    return how many were written.

    Nothing is written before the first resource arrives (or the list ends empty): a
    listing that fails on its first page leaves the output empty, not a lone header or `[`.

    `columns` are for CSV, `table_columns` for a table (default: `columns`); without either,
    the columns are the resources' own top-level attributes.
    """
    if fmt == "jsonl":
        count = 0
        for resource in resources:
            out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
        return count
    if fmt == "json":
        # "[" waits for the first item: a search that fails at once prints nothing.
        count = 0
        for resource in resources:
            out.write(",\n" if count else "[\n")
            out.write(_json_item(resource))
            count += 1
        out.write("\n]\n" if count else "[]\n")
        return count
    if fmt == "csv":
        items: Iterator[Mapping[str, Any]] = iter(resources)
        if columns is None:
            buffered = list(items)
            columns = generic_columns(buffered, limit=None)
            items = iter(buffered)
        # The header waits for the first item too (or for the end of an empty list), so
        # that a search that fails before its first page prints nothing.
        first = next(items, None)
        writer = _csv_writer(out)
        writer.writerow([column.header for column in columns])
        if first is None:
            return 0
        count = 0
        for resource in itertools.chain([first], items):
            writer.writerow([cell_text(column.read(resource)) for column in columns])
            count += 1
        return count
    if fmt == "table":
        buffered = list(resources)
        shown = table_columns or columns
        if shown is None:
            shown = generic_columns(buffered, limit=_GENERIC_TABLE_LIMIT)
        rows = [[cell_text(column.read(r)) for column in shown] for r in buffered]
        for line in format_table([c.header for c in shown], rows, max_cell=max_cell):
            out.write(line + "\n")
        return len(buffered)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _record_order(resource: Mapping[str, Any]) -> dict[str, Any]:
    """`id` first, the resource's own attributes, then `schemas` and `meta` last."""
    first = {k: v for k, v in resource.items() if k.lower() == "id"}
    last = {k: v for k, v in resource.items() if k.lower() in ("schemas", "meta")}
    middle = {k: v for k, v in resource.items() if k not in first and k not in last}
    return {**first, **middle, **last}


def write_resource(
    resource: Mapping[str, Any],
    fmt: str,
    out: TextIO,
    *,
    columns: Sequence[Column] | None = None,
) -> None:
    """Write one resource: a JSON object, one JSON line, a CSV header and row, or a record
    (one `attribute  value` line per flattened attribute) for a person."""
    if fmt == "json":
        out.write(json.dumps(resource, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "table":
        pairs = [(path, cell_text(value)) for path, value in flatten(_record_order(resource))]
        for line in format_record(pairs):
            out.write(line + "\n")
    else:
        write_resources([resource], fmt, out, columns=columns)

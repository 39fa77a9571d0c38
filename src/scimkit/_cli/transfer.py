"""`export` and `import`: whole directories to and from CSV or JSON Lines files.

Export streams: one page of the server's answer in memory, each resource written as it comes,
into `FILE.partial` that becomes `FILE` only when every page arrived (an interrupted export
never leaves a file that looks complete).

Import is a loop of small, pure decisions: a file row becomes a `Row` (what it sets); the
user it matches (by `externalId`, then `userName`, read fresh from the server) and the row
give a `Plan` (create, update with these PATCH operations, unchanged, or failed). Because the
match is made against the server each time, running an import again after an interruption
turns the rows already done into updates or `unchanged`, never into duplicates.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TextIO

from ..errors import SCIMResponseError
from ..filters import F
from ..models import PatchOp, PatchOperation
from ..models._base import copy_json
from .connection import Session
from .console import EXIT_OK, EXIT_REFUSED, UsageError
from .output import (
    GROUP_COLUMNS,
    USER_COLUMNS,
    Column,
    attribute_columns,
    get_path,
    terminal_safe,
    write_resources,
)
from .progress import ProgressBar

__all__ = [
    "CREATE",
    "FAILED",
    "RESULT_FIELDS",
    "UNCHANGED",
    "UPDATE",
    "Plan",
    "ResultsFile",
    "Row",
    "Summary",
    "count_rows",
    "csv_row",
    "describe_error",
    "describe_plan",
    "file_format",
    "json_row",
    "match_filters",
    "merge_user",
    "new_user",
    "partial_path",
    "plan_row",
    "read_rows",
    "run_export",
    "run_import",
    "with_primary_email",
]

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
FAILED = "failed"

# Never taken from a file: the server owns them (RFC 7643 §3.1, §4.1.2).
_READ_ONLY = ("id", "meta", "groups", "schemas")
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")

#: CSV headers with a meaning of their own; any other header is a SCIM attribute path.
_CSV_PATHS = {
    "username": "userName",
    "externalid": "externalId",
    "displayname": "displayName",
    "givenname": "name.givenName",
    "familyname": "name.familyName",
    "title": "title",
    "active": "active",
}


def file_format(path: str) -> str | None:
    """`csv`, `jsonl` or `json` from a file name's extension, else None."""
    lower = path.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(".json"):
        return "json"
    return None


# -- rows ----------------------------------------------------------------------------------


class Row:
    """What one line of an import file asks for.

    - `number`: the line in the file (the header is line 1 of a CSV file);
    - `data`: the SCIM attributes the row sets (complex ones partial for CSV);
    - `email`: a CSV row's `email` column: the primary address;
    - `merge`: CSV rows change sub-attributes (`name.givenName`) one by one; a JSON row's
      attribute replaces the user's whole attribute, as an exported user is complete;
    - `error`: why the row cannot be used, if it cannot.
    """

    __slots__ = ("data", "email", "error", "merge", "number")

    def __init__(
        self,
        number: int,
        data: dict[str, Any],
        *,
        email: str | None = None,
        merge: bool = False,
        error: str | None = None,
    ) -> None:
        self.number = number
        self.data = data
        self.email = email
        self.merge = merge
        self.error = error

    @property
    def user_name(self) -> str | None:
        value = get_path(self.data, "userName")
        return value if isinstance(value, str) and value else None

    @property
    def external_id(self) -> str | None:
        value = get_path(self.data, "externalId")
        return value if isinstance(value, str) and value else None

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.data!r}, email={self.email!r}, error={self.error!r})"


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `name.givenName` or `urn:…:User:department` inside `data`."""
    head = path
    rest: list[str] = []
    if path.lower().startswith("urn:") and ":" in path[4:]:
        urn, _, attribute = path.rpartition(":")
        target = data.setdefault(urn, {})
        if not isinstance(target, dict):
            raise ValueError(f"{urn} is not an object")
        _set_path(target, attribute, value)
        return
    head, *rest = path.split(".")
    if not head or any(not part for part in rest) or "[" in path:
        raise ValueError(f"{path!r} is not an attribute path like name.givenName")
    if not rest:
        data[head] = value
        return
    inner = data.setdefault(head, {})
    if not isinstance(inner, dict):
        raise ValueError(f"{head} is set and is not an object")
    _set_path(inner, ".".join(rest), value)


def csv_row(number: int, cells: Mapping[str, str | None]) -> Row:
    """A CSV row as a `Row`. Empty cells set nothing; `id` is ignored (the match is by
    `externalId` and `userName`); `active` takes true/false, yes/no or 1/0."""
    data: dict[str, Any] = {}
    email: str | None = None
    try:
        for header, raw in cells.items():
            if header is None:
                # csv.DictReader puts the cells of a too-long row under None.
                raise ValueError("the row has more cells than the header")
            value = (raw or "").strip()
            name = header.strip()
            if not value or not name or name.lower() == "id":
                continue
            if name.lower() == "email":
                email = value
                continue
            path = _CSV_PATHS.get(name.lower(), name)
            if path == "active":
                if value.lower() in _TRUE:
                    data["active"] = True
                elif value.lower() in _FALSE:
                    data["active"] = False
                else:
                    raise ValueError(f"active must be true or false, not {value!r}")
                continue
            _set_path(data, path, value)
    except ValueError as exc:
        return Row(number, data, email=email, merge=True, error=str(exc))
    return Row(number, data, email=email, merge=True)


def json_row(number: int, line: str) -> Row:
    """A JSON Lines row: one user object, as `export` writes it."""
    try:
        value = json.loads(line)
    except ValueError as exc:
        return Row(number, {}, error=f"not JSON: {exc}")
    if not isinstance(value, dict):
        return Row(number, {}, error=f"a JSON {type(value).__name__}, not a user object")
    data = {k: v for k, v in value.items() if k.lower() not in _READ_ONLY}
    return Row(number, data)


def read_rows(path: str, fmt: str) -> Iterator[Row]:
    """The rows of an import file, one at a time."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        if fmt == "csv":
            reader = csv.DictReader(stream)
            if reader.fieldnames is None:
                return
            for cells in reader:
                yield csv_row(reader.line_num, cells)
        else:
            for number, line in enumerate(stream, 1):
                if line.strip():
                    yield json_row(number, line)


def count_rows(path: str, fmt: str) -> int:
    """How many rows `read_rows` will give, read without keeping any (for the progress bar)."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        if fmt == "csv":
            return max(0, sum(1 for _ in csv.reader(stream)) - 1)
        return sum(1 for line in stream if line.strip())


# -- matching and planning (pure) ----------------------------------------------------------


def match_filters(row: Row) -> list[tuple[str, str]]:
    """The searches that find a row's user, in order: by `externalId`, then `userName`.

    `externalId` first: it is the identity the file's source system owns, while a
    `userName` can be renamed.
    """
    found: list[tuple[str, str]] = []
    if row.external_id:
        found.append(("externalId", str(F.eq("externalId", row.external_id))))
    if row.user_name:
        found.append(("userName", str(F.eq("userName", row.user_name))))
    return found


def with_primary_email(emails: Any, address: str) -> list[Any]:
    """`emails` with `address` as the primary address.

    An address already there becomes primary; otherwise the primary (or first) entry takes
    the new value and keeps its `type`; a user without addresses gets one.
    """
    items = [copy_json(e) for e in emails] if isinstance(emails, list) else []
    entries = [e for e in items if isinstance(e, dict)]
    if any(e.get("value") == address and e.get("primary") is True for e in entries):
        return items
    if len(entries) == 1 and entries[0].get("value") == address:
        return items
    existing = next((e for e in entries if e.get("value") == address), None)
    if existing is not None:
        for entry in entries:
            entry.pop("primary", None)
        existing["primary"] = True
        return items
    target = next((e for e in entries if e.get("primary") is True), entries[0] if entries else None)
    if target is None:
        return [*items, {"value": address, "primary": True}]
    target["value"] = address
    return items


def _key(data: Mapping[str, Any], name: str) -> str:
    """The key `data` uses for `name` (attribute names are case-insensitive), else `name`."""
    lower = name.lower()
    return next((k for k in data if k.lower() == lower), name)


def merge_user(
    existing: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    email: str | None = None,
    merge: bool = True,
) -> dict[str, Any]:
    """The user `existing` becomes: `changes` applied on a copy.

    With `merge`, a complex attribute (`name`, an extension) changes only the sub-attributes
    given; without it, each attribute given replaces the whole one.
    """
    result: dict[str, Any] = copy_json(dict(existing))
    for name, value in changes.items():
        key = _key(result, name)
        current = result.get(key)
        if merge and isinstance(value, dict) and isinstance(current, dict):
            combined = dict(current)
            for sub, sub_value in value.items():
                combined[_key(combined, sub)] = copy_json(sub_value)
            result[key] = combined
        else:
            result[key] = copy_json(value)
    if email:
        key = _key(result, "emails")
        result[key] = with_primary_email(result.get(key), email)
    return result


def new_user(row: Row) -> dict[str, Any]:
    """The user a row creates."""
    data: dict[str, Any] = copy_json(row.data)
    if row.email:
        key = _key(data, "emails")
        data[key] = with_primary_email(data.get(key), row.email)
    return data


class Plan:
    """What to do with one row: `action` (create, update, unchanged, failed), the user
    matched (`existing`), the `body` to create or the `operations` that update, and why a
    row failed (`reason`)."""

    __slots__ = ("action", "body", "desired", "existing", "operations", "reason", "row")

    def __init__(
        self,
        row: Row,
        action: str,
        *,
        existing: Mapping[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        desired: dict[str, Any] | None = None,
        operations: Sequence[PatchOperation] = (),
        reason: str | None = None,
    ) -> None:
        self.row = row
        self.action = action
        self.existing = existing
        self.body = body
        self.desired = desired
        self.operations = list(operations)
        self.reason = reason

    @property
    def user_id(self) -> str | None:
        found = get_path(self.existing or {}, "id")
        return found if isinstance(found, str) else None

    def __repr__(self) -> str:
        return f"<Plan row={self.row.number} {self.action} id={self.user_id}>"


def plan_row(row: Row, matches: Sequence[Mapping[str, Any]]) -> Plan:
    """The plan for a row, given the users its searches found (see `match_filters`).

    `matches` holds what the first search that found anything returned: more than one user
    is ambiguous and fails the row, as does a `userName` match whose `externalId` is another.
    """
    if row.error:
        return Plan(row, FAILED, reason=row.error)
    if len(matches) > 1:
        return Plan(row, FAILED, reason=f"{len(matches)} users match; expected one")
    if not matches:
        if not row.user_name:
            reason = (
                "no user matches, and the row has no userName to create one with"
                if row.external_id
                else "the row has neither userName nor externalId"
            )
            return Plan(row, FAILED, reason=reason)
        return Plan(row, CREATE, body=new_user(row))
    existing = matches[0]
    theirs = get_path(existing, "externalId")
    if row.external_id and theirs and theirs != row.external_id:
        return Plan(
            row,
            FAILED,
            existing=existing,
            reason=f"userName {row.user_name!r} belongs to a user with externalId {theirs!r}",
        )
    # A password is write-only (RFC 7643 §7 `returned: never`): it cannot be compared, so
    # an import sets it on create only.
    changes = {k: v for k, v in row.data.items() if k.lower() != "password"}
    desired = merge_user(existing, changes, email=row.email, merge=row.merge)
    operations = PatchOp.diff(existing, desired).operations or []
    if not operations:
        return Plan(row, UNCHANGED, existing=existing)
    return Plan(row, UPDATE, existing=existing, desired=desired, operations=operations)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _label(plan: Plan) -> str:
    row = plan.row
    name = row.user_name or get_path(plan.existing or {}, "userName") or row.external_id
    parts = [f"row {row.number}"]
    if name:
        parts.append(str(name))
    if plan.user_id:
        parts.append(f"id {plan.user_id}")
    return ", ".join(parts)


def describe_plan(plan: Plan) -> list[str]:
    """A plan as diff lines: `+ create`, `~ update`, `= unchanged`, `! failed`, then the
    attributes with `-` for what goes and `+` for what comes."""
    label = _label(plan)
    if plan.action == FAILED:
        return [f"! failed     {label}: {plan.reason}"]
    if plan.action == UNCHANGED:
        return [f"= unchanged  {label}"]
    if plan.action == CREATE:
        lines = [f"+ create     {label}"]
        for key, value in (plan.body or {}).items():
            shown = "[secure]" if key.lower() == "password" else _json(value)
            lines.append(f"    + {key}: {shown}")
        return lines
    lines = [f"~ update     {label}"]
    existing = plan.existing or {}
    for op in plan.operations:
        path = op.path or ""
        before = get_path(existing, path) if path and "[" not in path else None
        if op.op in ("replace", "remove"):
            shown = f": {_json(before)}" if before is not None else ""
            lines.append(f"    - {path}{shown}")
        if op.op in ("replace", "add"):
            lines.append(f"    + {path}: {_json(op.value)}")
    return lines


# -- results and summary -------------------------------------------------------------------


class Summary:
    """Counts per action, and the reason of each failed row."""

    def __init__(self) -> None:
        self.counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, FAILED: 0}
        self.failures: list[tuple[int, str]] = []

    def add(self, action: str, row: int, reason: str | None = None) -> None:
        self.counts[action] += 1
        if action == FAILED:
            self.failures.append((row, reason or "failed"))

    def as_dict(self, *, dry_run: bool) -> dict[str, Any]:
        return {
            "dryRun": dry_run,
            "created": self.counts[CREATE],
            "updated": self.counts[UPDATE],
            "unchanged": self.counts[UNCHANGED],
            "failed": self.counts[FAILED],
            "failures": [{"row": row, "reason": reason} for row, reason in self.failures],
        }

    def lines(self, *, dry_run: bool) -> list[str]:
        c = self.counts
        if dry_run:
            head = (
                f"dry run: would create {c[CREATE]}, update {c[UPDATE]}; "
                f"{c[UNCHANGED]} unchanged, {c[FAILED]} failed; nothing was changed"
            )
        else:
            head = (
                f"created {c[CREATE]}, updated {c[UPDATE]}, unchanged {c[UNCHANGED]}, "
                f"failed {c[FAILED]}"
            )
        return [head] + [f"  row {row}: {reason}" for row, reason in self.failures]


RESULT_FIELDS = ("row", "action", "id", "userName", "externalId", "status", "detail")


class ResultsFile:
    """One line per imported row, CSV or JSON Lines by the file's extension."""

    def __init__(self, stream: TextIO, fmt: str) -> None:
        self.stream = stream
        self.fmt = fmt
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            self._csv.writerow(RESULT_FIELDS)

    def write(self, values: Mapping[str, Any]) -> None:
        if self._csv is not None:
            cells = ["" if values.get(f) is None else values.get(f) for f in RESULT_FIELDS]
            self._csv.writerow(cells)
        else:
            record = {f: values.get(f) for f in RESULT_FIELDS}
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()


def partial_path(path: str) -> str:
    """Where an export writes until it is complete: beside `path`, so that the final
    rename stays on one file system."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.partial")


# -- the commands --------------------------------------------------------------------------


def describe_error(error: SCIMResponseError) -> str:
    """A refusal as the reason of a failed row: `HTTP 409 uniqueness: <detail>`."""
    parts = [f"HTTP {error.status}"]
    if error.scim_type:
        parts.append(error.scim_type)
    text = " ".join(parts)
    if error.detail:
        text += ": " + " ".join(error.detail.split())
    return text


def run_export(session: Session) -> int:
    """`scimkit export users|groups --out FILE`."""
    args = session.args
    console = session.console
    if args.format == "table":
        raise UsageError("export writes jsonl, csv or json, not a table")
    fmt = args.format or file_format(args.out)
    if fmt is None:
        raise UsageError("--out: name the file .jsonl, .csv or .json, or give --format")
    users = args.resource == "users"
    client = session.client
    query: dict[str, Any] = dict(
        filter=args.filter,
        attributes=args.attributes,
        excluded_attributes=args.excluded_attributes,
        sort_by=args.sort_by,
        sort_order=args.sort_order,
    )
    # RFC 7644 §3.4.2.4: count=0 answers totalResults alone, for the progress bar's ETA.
    counted = (client.search_users if users else client.search_groups)(filter=args.filter, count=0)
    total = counted.total_results if counted.ok else None
    if args.limit is not None and total is not None:
        total = min(total, args.limit)
    page_size = min(args.page_size, args.limit) if args.limit else args.page_size
    found: Iterator[Any] = (client.iter_users if users else client.iter_groups)(
        page_size=page_size, **query
    )
    if args.limit is not None:
        found = islice(found, args.limit)
    if args.attributes:
        columns: Sequence[Column] = attribute_columns(args.attributes)
    else:
        columns = USER_COLUMNS if users else GROUP_COLUMNS
    bar = ProgressBar(
        console.stderr,
        enabled=console.stderr_is_tty,
        total=total,
        noun=args.resource,
        clock=console.clock,
    )

    def each() -> Iterator[dict[str, Any]]:
        for resource in found:
            yield resource.to_dict()
            bar.advance()

    partial = partial_path(args.out)
    try:
        stream = open(partial, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"--out: cannot write {args.out!r}: {exc.strerror}") from None
    try:
        with stream:
            count = write_resources(each(), fmt, stream, columns=columns)
        os.replace(partial, args.out)
    except BaseException:
        bar.clear()
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise
    bar.close()
    console.error(f"exported {count} {args.resource} to {args.out}")
    return EXIT_OK


def _find(session: Session, row: Row) -> list[dict[str, Any]]:
    """The users a row's searches find: those of the first search that finds any."""
    if row.error:
        return []
    for _, query in match_filters(row):
        # Two are enough to tell one match from an ambiguous one.
        page = session.client.search_users(filter=query, count=2).raise_for_status()
        if page.users:
            return [user.to_dict() for user in page.users]
    return []


def _carry_out(session: Session, plan: Plan) -> tuple[str | None, int | None]:
    """Send a create or update; the user's id and the HTTP status."""
    client = session.client
    if plan.action == CREATE:
        created = client.create_user(plan.body or {}).raise_for_status()
        return (created.user.id if created.user else None), created.status_code
    user_id = plan.user_id or ""
    if session.v1:
        # SCIM 1.1 has no PatchOp: send the whole user as it should be.
        replaced = client.update_user({**(plan.desired or {}), "id": user_id})
        return user_id, replaced.raise_for_status().status_code
    patched = client.patch_user(user_id, PatchOp(operations=plan.operations))
    return user_id, patched.raise_for_status().status_code


def _result(plan: Plan, user_id: str | None, status: int | None) -> dict[str, Any]:
    if plan.action == FAILED:
        detail = plan.reason
    elif plan.action == UPDATE:
        detail = ", ".join(op.path or "" for op in plan.operations)
    else:
        detail = None
    return {
        "row": plan.row.number,
        "action": plan.action,
        "id": user_id,
        "userName": plan.row.user_name or get_path(plan.existing or {}, "userName"),
        "externalId": plan.row.external_id,
        "status": status,
        "detail": detail,
    }


def run_import(session: Session) -> int:
    """`scimkit import users FILE [--dry-run] [--results FILE]`."""
    args = session.args
    console = session.console
    fmt = file_format(args.file)
    if fmt not in ("csv", "jsonl"):
        raise UsageError("import reads FILE.csv or FILE.jsonl (one user per line)")
    results_format = None
    if args.results is not None:
        results_format = file_format(args.results)
        if results_format not in ("csv", "jsonl"):
            raise UsageError("--results: name the file .csv or .jsonl")
    # Text by default even in a pipe: `import --dry-run | less` is for a person to read.
    output = args.format or "table"
    try:
        total = count_rows(args.file, fmt)
    except OSError as exc:
        raise UsageError(f"cannot read {args.file!r}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{args.file!r} is not UTF-8 text: {exc.reason}") from None
    session.connect()  # a missing token or URL fails before any file is written
    results = None
    results_stream = None
    if args.results is not None and results_format is not None:
        try:
            results_stream = open(args.results, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UsageError(f"--results: cannot write {args.results!r}: {exc.strerror}") from None
        results = ResultsFile(results_stream, results_format)
    bar = ProgressBar(
        console.stderr, enabled=console.stderr_is_tty, total=total, noun="rows", clock=console.clock
    )
    summary = Summary()
    out = console.stdout
    dry_run = bool(args.dry_run)
    try:
        for row in read_rows(args.file, fmt):
            user_id: str | None = None
            status: int | None = None
            try:
                plan = plan_row(row, _find(session, row))
                user_id = plan.user_id
                if not dry_run and plan.action in (CREATE, UPDATE):
                    user_id, status = _carry_out(session, plan)
            except SCIMResponseError as error:
                plan = Plan(row, FAILED, reason=describe_error(error))
                status = error.status
            summary.add(plan.action, row.number, plan.reason)
            if results is not None:
                results.write(_result(plan, user_id, status))
            if dry_run and output == "table" and plan.action != UNCHANGED:
                bar.clear()
                for line in describe_plan(plan):
                    out.write(terminal_safe(line) + "\n")
                out.flush()
            bar.advance()
    except KeyboardInterrupt:
        bar.clear()
        # Ctrl+C ends in one line: `scimkit: interrupted; import stopped; ...`.
        done = summary.lines(dry_run=dry_run)[0]
        raise KeyboardInterrupt(f"interrupted; import stopped; rows done so far: {done}") from None
    except BaseException:
        bar.clear()
        console.error("import stopped; rows done so far: " + summary.lines(dry_run=dry_run)[0])
        raise
    finally:
        if results_stream is not None:
            results_stream.close()
    bar.close()
    if output in ("json", "jsonl"):
        indent = 2 if output == "json" else None
        out.write(json.dumps(summary.as_dict(dry_run=dry_run), indent=indent) + "\n")
    else:
        for line in summary.lines(dry_run=dry_run):
            out.write(terminal_safe(line) + "\n")
    return EXIT_REFUSED if summary.counts[FAILED] else EXIT_OK

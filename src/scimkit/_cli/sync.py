"""`sync`: make the server's users and groups agree with two files, through `scimkit.sync`.

The files are read with `import`'s row readers (`transfer.read_rows`: the columns `export`
writes, or JSON Lines), so a row means the same to both commands. Every desired record keeps
the file row it came from: the library names problems by position (`users[3]`,
`groups[0].members[2]`) and this module turns that into `users.csv row 5`.

A row the reader cannot use (`active` is `maybe`) is still handed to `plan_sync`, carrying an
attribute no schema defines (`POISON`): the library then refuses it as it refuses any bad
row, at that position. The rest of the plan is still made and shown, blocked until the rows
are fixed, and the server user the row stands for (by its key, when the reader got that far)
is held: neither changed nor deprovisioned. The row's own error replaces what the library
said about it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import SCIMResponseError, TransportError
from .connection import Session
from .console import EXIT_OK, EXIT_REFUSED, Console, UsageError
from .output import terminal_safe
from .progress import ProgressBar, render_progress
from .transfer import describe_error, file_format, json_row, new_user, partial_path, read_rows

if TYPE_CHECKING:
    # `scimkit.sync` is loaded when a sync runs, not whenever the command line starts.
    from ..sync import Change, Outcome, Plan, Problem, SyncResult

__all__ = [
    "DesiredFile",
    "describe_change",
    "deletion_limit",
    "read_groups_file",
    "read_users_file",
    "run_sync",
    "sync_summary",
]

#: An attribute no schema defines, given to a row the reader could not use (see the module).
POISON = "scimkit-cli-unreadable-row"
_WHERE = re.compile(r"(users|groups)\[(\d+)\](?:\.members\[(\d+)\])?")
_MEMBER_PATH = re.compile(r'^members\[value eq "(.*)"\]$')
_PLACEHOLDER = "bulkId:"


def deletion_limit(text: str) -> int | float:
    """`--max-deletions`: `N` deactivations and deletions, or `P%` of the managed users.

    deletion_limit("500") == 500; deletion_limit("10%") == 0.1
    """
    value = text.strip()
    try:
        if value.endswith("%"):
            percent = float(value[:-1])
            if not 0 <= percent <= 100:
                raise ValueError
            return percent / 100
        number = int(value)
        if number < 0:
            raise ValueError
        return number
    except ValueError:
        raise ValueError(
            f"--max-deletions: {text!r} is neither a count (500) nor a percentage (10%)"
        ) from None


# -- the desired side, from files ----------------------------------------------------------


@dataclass
class DesiredFile:
    """The records of one file, the row each came from, and the rows it could not use.

    - `records`: what `plan_sync` gets (users, or groups with `members` by key);
    - `rows`: the file row of each record (a group: the first row naming it);
    - `member_rows`: a group's file row of each member (CSV: one row per membership);
    - `errors`: record index -> why its row could not be used.
    """

    name: str
    records: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    member_rows: list[list[int]] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)

    def add(self, row: int, record: dict[str, Any], error: str | None = None) -> None:
        if error is not None:
            self.errors[len(self.records)] = error
            record = {**record, POISON: True}
        self.records.append(record)
        self.rows.append(row)
        self.member_rows.append([])

    def where(self, index: int, member: int | None = None) -> str:
        """`users.csv row 5` for record `index` (or the row of one of its members)."""
        row = self.rows[index] if index < len(self.rows) else index
        if member is not None and index < len(self.member_rows):
            known = self.member_rows[index]
            row = known[member] if member < len(known) else row
        return f"{self.name} row {row}"


def _file_format(path: str, option: str) -> str:
    fmt = file_format(path)
    if fmt not in ("csv", "jsonl"):
        raise UsageError(f"{option}: name the file .csv or .jsonl (one record per line)")
    return fmt


@contextlib.contextmanager
def _readable(path: str, option: str) -> Iterator[None]:
    """File errors as usage errors that name the option."""
    try:
        yield
    except OSError as exc:
        raise UsageError(f"{option}: cannot read {path!r}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{option}: {path!r} is not UTF-8 text: {exc.reason}") from None
    except csv.Error as exc:
        raise UsageError(f"{option}: {path!r} is not CSV: {exc}") from None


def read_users_file(path: str) -> DesiredFile:
    """The desired users of a CSV or JSON Lines file, as `import` reads it: CSV columns are
    what `export` writes or attribute paths, empty cells say nothing; `email` is the primary
    address; JSON Lines rows are user objects (`id`, `meta`, `groups`, `schemas` ignored)."""
    fmt = _file_format(path, "--users")
    found = DesiredFile(os.path.basename(path))
    with _readable(path, "--users"):
        for row in read_rows(path, fmt):
            found.add(row.number, new_user(row), row.error)
    return found


def read_groups_file(path: str) -> DesiredFile:
    """The desired groups: CSV rows `displayName,member` (one per membership; a row with an
    empty `member` names a group without adding one), or JSON Lines objects with
    `displayName` and `members`, a list of user keys."""
    fmt = _file_format(path, "--groups")
    found = DesiredFile(os.path.basename(path))
    with _readable(path, "--groups"):
        if fmt == "jsonl":
            for number, line in enumerate(_lines(path), 1):
                if line.strip():
                    row = json_row(number, line)
                    found.add(number, row.data, row.error)
            return found
        _read_group_rows(path, found)
    return found


def _lines(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        yield from stream


def _read_group_rows(path: str, found: DesiredFile) -> None:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        headers = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
        if "displayname" not in headers or "member" not in headers:
            raise UsageError("--groups: a CSV file needs the columns displayName,member")
        others = sorted(set(headers) - {"displayname", "member"})
        if others:
            raise UsageError(f"--groups: unknown CSV column {headers[others[0]]!r}")
        by_name: dict[str, int] = {}
        for cells in reader:
            number = reader.line_num
            name = (cells.get(headers["displayname"]) or "").strip()
            member = (cells.get(headers["member"]) or "").strip()
            if None in cells:
                found.add(number, {}, "the row has more cells than the header")
            elif not name:
                found.add(number, {}, "no displayName")
            else:
                index = by_name.setdefault(name.lower(), len(found.records))
                if index == len(found.records):
                    found.add(number, {"displayName": name, "members": []})
                if member:
                    found.records[index]["members"].append(member)
                    found.member_rows[index].append(number)


# -- problems ------------------------------------------------------------------------------


def _problem_lines(
    problems: list[Problem], users: DesiredFile, groups: DesiredFile | None
) -> list[tuple[str, int, str]]:
    """Each problem as (file, row, text) with file rows for positions; a row the reader
    could not use shows its own error instead of what the library said about it."""
    files = {"users": users, "groups": groups}

    def rows(match: re.Match[str]) -> str:
        source = files[match.group(1)]
        if source is None:
            return match.group(0)
        member = None if match.group(3) is None else int(match.group(3))
        return source.where(int(match.group(2)), member)

    lines: list[tuple[str, int, str]] = []
    for kind, source in files.items():
        for index, error in (source.errors if source else {}).items():
            assert source is not None
            lines.append((kind, source.rows[index], f"{source.where(index)}: {error}"))
    for problem in problems:
        found = _WHERE.match(problem.where)
        if found is None:
            lines.append(("", 0, f"{problem.where}: {problem.message}"))
            continue
        source = files[found.group(1)]
        index = int(found.group(2))
        if source is None or index in source.errors:
            continue
        where = _WHERE.sub(rows, problem.where)
        row = int(where.rpartition(" row ")[2]) if " row " in where else 0
        lines.append((found.group(1), row, where + ": " + _WHERE.sub(rows, problem.message)))
    return sorted(lines, key=lambda line: (line[0] != "users", line[1]))


# -- the plan as diff lines ----------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _shown(name: str, value: Any) -> str:
    return "[secure]" if name.lower() == "password" else _json(value)


def _member(change: Change, value: Any) -> str:
    """A member by its user key when the plan knows it (see `Change.member_keys`)."""
    text = str(value)
    key = change.member_keys.get(text)
    if text.startswith(_PLACEHOLDER):
        return f"{key or text[len(_PLACEHOLDER) :]} (created by this plan)"
    return text if key is None else key


def _unquoted(text: str) -> str:
    """The id in `members[value eq "..."]`, its JSON string escapes undone."""
    try:
        value = json.loads(f'"{text}"')
    except ValueError:
        return text
    return value if isinstance(value, str) else text


def _lookup(data: Any, name: str) -> Any:
    if not isinstance(data, dict):
        return None
    lower = name.lower()
    return next((v for k, v in data.items() if k.lower() == lower), None)


def _old(before: Mapping[str, Any] | None, path: str) -> Any:
    """The server's value at `path` (`title`, `name.familyName`, `urn:...:User:department`)
    from what the change replaces, None when not known (a filtered path, as `import`)."""
    if not before or not path or "[" in path:
        return None
    lower = path.lower()
    for name, value in before.items():
        head = name.lower()
        if lower == head:
            return value
        if lower.startswith(head) and lower[len(head)] in ".:":
            for part in path[len(head) + 1 :].split("."):
                value = _lookup(value, part)
            return value
    return None


def _replaced(change: Change, path: str, op: str, value: Any) -> list[str]:
    """`import --dry-run`'s notation: `- path: old` for what goes, `+ path: new` for what
    comes."""
    lines = []
    if op in ("replace", "remove"):
        old = _old(change.before, path)
        lines.append(f"    - {path}: {_shown(path, old)}" if old is not None else f"    - {path}")
    if op in ("replace", "add"):
        lines.append(f"    + {path}: {_shown(path, value)}")
    return lines


def _body_lines(change: Change) -> list[str]:
    """What a create or an update sends, one attribute or member a line."""
    body = change.body or {}
    lines: list[str] = []
    for operation in body.get("Operations", []):
        op, value = operation.get("op"), operation.get("value")
        path = str(operation.get("path") or "")
        removed = _MEMBER_PATH.match(path)
        if op == "remove" and removed:
            lines.append(f"    - member {_member(change, _unquoted(removed.group(1)))}")
        elif op == "add" and path == "members" and isinstance(value, list):
            lines += [f"    + member {_member(change, m.get('value'))}" for m in value]
        else:
            lines += _replaced(change, path, str(op), value)
    for name, value in body.items():
        if name in ("schemas", "Operations"):
            continue
        if name == "members" and isinstance(value, list):
            for member in value:
                sign = "-" if member.get("operation") == "delete" else "+"
                lines.append(f"    {sign} member {_member(change, member.get('value'))}")
        else:
            op = "replace" if _old(change.before, name) is not None else "add"
            lines += _replaced(change, name, op, value)
    return lines


def describe_change(change: Change, users: DesiredFile | None = None) -> list[str]:
    """One planned change as diff lines, in the notation of `import --dry-run`:
    `+ create`, `~ update`, `- deactivate`, `- delete`, then what the request sends."""
    sign = {"create": "+", "update": "~"}.get(change.action, "-")
    parts = []
    if change.resource_type == "Group":
        parts.append(f"group {change.key}")
    else:
        if users is not None and change.index is not None:
            parts.append(users.where(change.index))
        parts.append(change.key)
    if change.id:
        parts.append(f"id {change.id}")
    head = f"{sign} {change.action:<10} " + ", ".join(parts)
    if change.action in ("deactivate", "delete"):
        return [head]
    return [head, *_body_lines(change)]


# -- summaries -----------------------------------------------------------------------------


def _planned(plan: Plan) -> dict[str, dict[str, int]]:
    """Counts per resource type and action; a group updated in several batches is one."""
    counts: dict[str, dict[str, int]] = {
        "users": {"create": 0, "update": 0, "deactivate": 0, "delete": 0},
        "groups": {"create": 0, "update": 0, "delete": 0},
    }
    seen: set[tuple[str, str, str]] = set()
    for change in plan.changes:
        kind = "users" if change.resource_type == "User" else "groups"
        mark = (kind, change.action, change.key.lower())
        if kind == "groups" and mark in seen:
            continue
        seen.add(mark)
        counts[kind][change.action] = counts[kind].get(change.action, 0) + 1
    return counts


def _failure(outcome: Outcome) -> dict[str, Any]:
    error = outcome.error
    if isinstance(error, SCIMResponseError):
        reason, status = describe_error(error), error.status
    else:
        reason, status = " ".join(str(error).split()), None
    change = outcome.change
    return {
        "action": change.action,
        "resourceType": change.resource_type,
        "key": change.key,
        "id": change.id,
        "status": status,
        "reason": reason,
    }


def sync_summary(
    plan: Plan, result: SyncResult | None, *, dry_run: bool, problems: list[str]
) -> dict[str, Any]:
    """What `--format json` prints: the plan's counts, or what the apply did."""
    summary: dict[str, Any] = {"dryRun": dry_run, "planned": _planned(plan)}
    summary["blocked"] = plan.blocked
    summary["problems"] = problems
    if result is not None:
        summary["done"] = {
            "created": len(result.created),
            "updated": len(result.updated),
            "deactivated": len(result.deactivated),
            "deleted": len(result.deleted),
            "failed": len(result.failed),
            "skipped": len(result.skipped),
        }
        summary["failures"] = [_failure(o) for o in result.failed]
    return summary


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """The summary for a person: the first line, then problems or failures, one a line."""
    users, groups = summary["planned"]["users"], summary["planned"]["groups"]
    done = summary.get("done")
    if done is None:
        verb = "dry run: would" if summary["dryRun"] else "plan:"
        head = (
            f"{verb} create {users['create']}, update {users['update']}, deactivate "
            f"{users['deactivate']}, delete {users['delete']} users; create {groups['create']}, "
            f"update {groups['update']}, delete {groups['delete']} groups; nothing was changed"
        )
    else:
        head = (
            f"created {done['created']}, updated {done['updated']}, deactivated "
            f"{done['deactivated']}, deleted {done['deleted']}, failed {done['failed']}"
        )
        if done["skipped"]:
            head += f", skipped {done['skipped']}"
    lines = [head]
    if summary["blocked"]:
        lines.append(f"BLOCKED, nothing was written: {summary['blocked']}")
    lines += [f"  {text}" for text in summary["problems"]]
    for failure in summary.get("failures", []):
        where = f" (id {failure['id']})" if failure["id"] else ""
        lines.append(
            f"  {failure['action']} {failure['resourceType']} {failure['key']!r}{where}: "
            f"{failure['reason']}"
        )
    return lines


# -- the command ---------------------------------------------------------------------------


class _NetworkStopped(Exception):
    """Raised from the progress callback: a change failed for want of a network, so the
    rest would too; the apply starts nothing more."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _print(session: Session, lines: list[str]) -> None:
    out = session.console.stdout
    for line in lines:
        out.write(terminal_safe(line) + "\n")
    out.flush()


def _settings(session: Session) -> dict[str, Any]:
    args = session.args
    if args.apply_plan is not None:
        given = [
            option
            for option, value in (
                ("--users", args.users),
                ("--groups", args.groups),
                ("--scope", args.scope),
                ("--match", args.match),
                ("--deprovision", args.deprovision),
                ("--max-deletions", args.max_deletions),
                ("--delete-groups", args.delete_groups or None),
            )
            if value is not None
        ]
        if given:
            raise UsageError(f"--apply-plan takes its settings from the plan; leave out {given[0]}")
        return {}
    if args.users is None:
        raise UsageError("give --users FILE (the users that should exist), or --apply-plan FILE")
    limit = "500" if args.max_deletions is None else args.max_deletions
    try:
        max_deletions = deletion_limit(limit)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return dict(
        match=args.match or "externalId",
        scope=args.scope,
        deprovision=args.deprovision or "deactivate",
        max_deletions=max_deletions,
        delete_groups=bool(args.delete_groups),
    )


class _ReadingLine:
    """The line stderr shows on a terminal while the server is read, redrawn after each page
    (at most every 0.1 s): `reading the server: [###---]  12%  12,000/100,000 users ...`."""

    def __init__(self, console: Console) -> None:
        self.stream = console.stderr
        self.clock = console.clock
        self.shown = 0
        self.kind = ""
        self.started = self.drawn_at = self.told_at = self.clock()
        self._draw("reading the server...")

    def __call__(self, read: int, total: int | None, resource_type: str) -> None:
        now = self.clock()
        first = resource_type != self.kind
        if first:  # the groups are read from the last page of users on
            self.kind, self.started = resource_type, self.told_at
        self.told_at = now
        last = total is not None and read >= total
        if not (first or last or now - self.drawn_at >= 0.1):
            return
        noun = "users" if resource_type == "User" else "groups"
        self.drawn_at = now
        self._draw(
            "reading the server: " + render_progress(read, total, now - self.started, noun=noun)
        )

    def _draw(self, line: str) -> None:
        self.stream.write("\r" + line.ljust(self.shown))
        self.stream.flush()
        self.shown = max(self.shown, len(line))

    def clear(self) -> None:
        self.stream.write("\r" + " " * self.shown + "\r")
        self.stream.flush()


def _make_plan(
    session: Session, settings: dict[str, Any]
) -> tuple[Plan, DesiredFile | None, list[str]]:
    """The plan from `--users` / `--groups` (or `--apply-plan`), and its problems as lines."""
    from ..sync import Plan, plan_sync

    args = session.args
    console = session.console
    if args.apply_plan is not None:
        with (
            _readable(args.apply_plan, "--apply-plan"),
            open(args.apply_plan, encoding="utf-8") as f,
        ):
            text = f.read()
        try:
            plan = Plan.from_json(text, session.connect())
        except ValueError as exc:
            raise UsageError(f"--apply-plan: {exc}") from None
        return plan, None, [f"{p.where}: {p.message}" for p in plan.problems]
    users = read_users_file(args.users)
    groups = None if args.groups is None else read_groups_file(args.groups)
    client = session.connect()  # a missing token or URL fails before the server is read
    reading = _ReadingLine(console) if console.stderr_is_tty else None
    try:
        plan = plan_sync(
            client,
            users=users.records,
            groups=None if groups is None else groups.records,
            progress=reading,
            **settings,
        )
    finally:
        if reading is not None:
            reading.clear()
    problems = [text for _, _, text in _problem_lines(plan.problems, users, groups)]
    if plan.problems:
        # The library counted its own findings, some about rows shown by their own error.
        plan.blocked = f"{len(problems)} problem(s) in the files"
    return plan, users, problems


def _apply(session: Session, plan: Plan, problems: list[str]) -> int:
    """Carry the plan out with a progress line; the summary; the exit code."""
    from ..sync import SyncBlocked

    console = session.console
    bar = ProgressBar(
        console.stderr,
        enabled=console.stderr_is_tty,
        total=len(plan.changes),
        noun="changes",
        clock=console.clock,
    )
    outcomes: list[Outcome] = []

    def progress(done: int, total: int, outcome: Outcome) -> None:
        outcomes.append(outcome)
        bar.advance()
        if isinstance(outcome.error, TransportError):
            raise _NetworkStopped(outcome.error)

    try:
        result = plan.apply(workers=session.args.workers, progress=progress)
    except SyncBlocked:
        _finish(session, sync_summary(plan, None, dry_run=False, problems=problems))
        return EXIT_REFUSED
    except _NetworkStopped as stopped:
        bar.clear()
        console.error("sync stopped; done so far: " + _so_far(outcomes))
        raise stopped.error from None
    except KeyboardInterrupt:
        bar.clear()
        done = _so_far(outcomes)
        raise KeyboardInterrupt(f"interrupted; sync stopped; done so far: {done}") from None
    except BaseException:
        bar.clear()
        raise
    bar.close()
    _finish(session, sync_summary(plan, result, dry_run=False, problems=problems))
    return EXIT_OK if result.ok else EXIT_REFUSED


def _so_far(outcomes: list[Outcome]) -> str:
    from ..sync import SyncResult

    result = SyncResult()
    for outcome in outcomes:
        if outcome.note == "skipped":
            result.skipped.append(outcome.change)
        else:
            result.file(outcome)
    return str(result)


def _finish(session: Session, summary: dict[str, Any]) -> None:
    output = session.args.format or "table"
    if output in ("json", "jsonl"):
        indent = 2 if output == "json" else None
        session.console.stdout.write(json.dumps(summary, indent=indent) + "\n")
        session.console.stdout.flush()
    else:
        _print(session, summary_lines(summary))


def _write_plan(path: str, plan: Plan) -> None:
    partial = partial_path(path)
    try:
        with open(partial, "w", encoding="utf-8", newline="") as stream:
            stream.write(plan.to_json())
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise UsageError(f"--plan-out: cannot write {path!r}: {exc.strerror}") from None


def run_sync(session: Session) -> int:
    """`scimkit sync --users FILE [--groups FILE] [...] [--dry-run | --plan-out FILE |
    --apply-plan FILE]`."""
    args = session.args
    if args.format == "csv":
        raise UsageError("sync prints text, json or jsonl, not csv")
    settings = _settings(session)
    plan, users, problems = _make_plan(session, settings)
    reviewing = bool(args.dry_run or args.plan_out)
    if reviewing:
        if (args.format or "table") == "table":
            for change in plan.changes:
                _print(session, describe_change(change, users))
        if args.plan_out:
            _write_plan(args.plan_out, plan)
        _finish(session, sync_summary(plan, None, dry_run=bool(args.dry_run), problems=problems))
        if args.plan_out:
            count = len(plan.changes)
            session.console.error(f"wrote the plan ({count} changes) to {args.plan_out}")
        return EXIT_REFUSED if plan.blocked else EXIT_OK
    return _apply(session, plan, problems)

"""`scimkit export` and `scimkit import`: the pure row -> plan logic as tables, then whole runs
against a local SCIM server (file contents, dry runs, results files, reruns after failures)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scimkit._cli.output import attribute_columns, write_resources
from scimkit._cli.transfer import (
    CREATE,
    FAILED,
    UNCHANGED,
    UPDATE,
    Row,
    Summary,
    csv_row,
    describe_plan,
    file_format,
    json_row,
    match_filters,
    merge_user,
    partial_path,
    plan_row,
    with_primary_email,
)
from scimkit.testing import Fault, SCIMServer

from .cli_helpers import CLI, TOKEN, CtrlCAt, add_user, writes
from .conftest import SleepRecorder

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def users_by_name(server: SCIMServer) -> dict[str, dict[str, Any]]:
    return {u["userName"]: u for u in server.resources("Users")}


# -- pure: rows ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("users.csv", "csv"),
        ("USERS.CSV", "csv"),
        ("u.jsonl", "jsonl"),
        ("u.ndjson", "jsonl"),
        ("u.json", "json"),
        ("u.txt", None),
        ("csv", None),
    ],
)
def test_file_format_from_the_extension(name: str, fmt: str | None) -> None:
    assert file_format(name) == fmt


@pytest.mark.parametrize(
    ("cells", "data", "email"),
    [
        ({"userName": "ann", "id": "ignored", "title": ""}, {"userName": "ann"}, None),
        ({"USERNAME": " ann ", "Email": "a@x"}, {"userName": "ann"}, "a@x"),
        (
            {"userName": "ann", "givenName": "Ann", "familyName": "Lee"},
            {"userName": "ann", "name": {"givenName": "Ann", "familyName": "Lee"}},
            None,
        ),
        ({"userName": "a", "active": "YES"}, {"userName": "a", "active": True}, None),
        ({"userName": "a", "active": "0"}, {"userName": "a", "active": False}, None),
        (
            {"userName": "a", "name.middleName": "Q", "nickName": "N"},
            {"userName": "a", "name": {"middleName": "Q"}, "nickName": "N"},
            None,
        ),
        (
            {"userName": "a", f"{ENTERPRISE}:department": "Tours"},
            {"userName": "a", ENTERPRISE: {"department": "Tours"}},
            None,
        ),
        ({"externalId": "e1", "displayName": "A"}, {"externalId": "e1", "displayName": "A"}, None),
    ],
)
def test_csv_row_reads_export_headers_and_attribute_paths(
    cells: dict[str, str], data: dict[str, Any], email: str | None
) -> None:
    row = csv_row(2, cells)
    assert row.error is None and row.merge
    assert row.data == data and row.email == email


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        ({"userName": "a", "active": "maybe"}, "active must be true or false"),
        ({"userName": "a", None: ["extra"]}, "more cells than the header"),
        ({"userName": "a", "emails[0].value": "x"}, "is not an attribute path"),
        ({"userName": "a", "name": "flat", "name.givenName": "x"}, "is not an object"),
    ],
)
def test_csv_row_errors_say_what_is_wrong(cells: dict[str, Any], error: str) -> None:
    row = csv_row(3, cells)
    assert row.error is not None and error in row.error


def test_json_row_drops_what_the_server_owns() -> None:
    row = json_row(
        1, '{"id": "1", "meta": {}, "schemas": [], "groups": [], "userName": "a", "title": "t"}'
    )
    assert row.data == {"userName": "a", "title": "t"} and not row.merge and row.error is None
    assert json_row(2, "{oops").error is not None
    assert json_row(3, "[1, 2]").error == "a JSON list, not a user object"


@pytest.mark.parametrize(
    ("emails", "address", "result"),
    [
        (None, "a@x", [{"value": "a@x", "primary": True}]),
        ([], "a@x", [{"value": "a@x", "primary": True}]),
        ([{"value": "a@x", "primary": True}], "a@x", [{"value": "a@x", "primary": True}]),
        ([{"value": "a@x", "type": "work"}], "a@x", [{"value": "a@x", "type": "work"}]),
        (
            [{"value": "old@x", "type": "work", "primary": True}],
            "new@x",
            [{"value": "new@x", "type": "work", "primary": True}],
        ),
        (
            [{"value": "h@x", "type": "home"}, {"value": "w@x", "primary": True}],
            "h@x",
            [{"value": "h@x", "type": "home", "primary": True}, {"value": "w@x"}],
        ),
        (
            [{"value": "h@x"}, {"value": "w@x"}],
            "n@x",
            [{"value": "n@x"}, {"value": "w@x"}],
        ),
    ],
)
def test_with_primary_email(emails: Any, address: str, result: list[Any]) -> None:
    before = json.dumps(emails)
    assert with_primary_email(emails, address) == result
    assert json.dumps(emails) == before  # the input is not changed


def test_merge_user_changes_sub_attributes_or_replaces_whole_attributes() -> None:
    existing = {"id": "1", "userName": "a", "name": {"givenName": "A", "familyName": "B"}}
    merged = merge_user(existing, {"NAME": {"familyname": "C"}, "title": "T"})
    assert merged == {
        "id": "1",
        "userName": "a",
        "name": {"givenName": "A", "familyName": "C"},
        "title": "T",
    }
    replaced = merge_user(existing, {"name": {"familyName": "C"}}, merge=False)
    assert replaced["name"] == {"familyName": "C"}
    assert existing["name"] == {"givenName": "A", "familyName": "B"}


def test_match_filters_escape_and_try_external_id_first() -> None:
    row = Row(2, {"userName": 'o"brien', "externalId": "e 1"})
    assert match_filters(row) == [
        ("externalId", 'externalId eq "e 1"'),
        ("userName", 'userName eq "o\\"brien"'),
    ]
    assert match_filters(Row(3, {"title": "x"})) == []


# -- pure: plans ---------------------------------------------------------------------------

ANN = {
    "id": "u1",
    "userName": "ann",
    "externalId": "e1",
    "title": "Guide",
    "name": {"givenName": "Ann"},
    "meta": {"version": 'W/"1"'},
}


def test_plan_row_creates_when_nothing_matches() -> None:
    plan = plan_row(Row(2, {"userName": "bob"}, email="b@x", merge=True), [])
    assert plan.action == CREATE
    assert plan.body == {"userName": "bob", "emails": [{"value": "b@x", "primary": True}]}
    assert describe_plan(plan) == [
        "+ create     row 2, bob",
        '    + userName: "bob"',
        '    + emails: [{"primary": true, "value": "b@x"}]',
    ]


def test_plan_row_is_unchanged_when_the_row_says_what_the_server_has() -> None:
    plan = plan_row(Row(2, {"userName": "ann", "title": "Guide"}, merge=True), [ANN])
    assert plan.action == UNCHANGED and plan.user_id == "u1"
    assert describe_plan(plan) == ["= unchanged  row 2, ann, id u1"]


def test_plan_row_updates_with_the_diff_as_patch_operations() -> None:
    row = Row(4, {"userName": "ann", "title": "Lead", "name": {"familyName": "Lee"}}, merge=True)
    plan = plan_row(row, [ANN])
    assert plan.action == UPDATE
    assert [(op.op, op.path, op.value) for op in plan.operations] == [
        ("replace", "title", "Lead"),
        ("add", "name.familyName", "Lee"),
    ]
    assert describe_plan(plan) == [
        "~ update     row 4, ann, id u1",
        '    - title: "Guide"',
        '    + title: "Lead"',
        '    + name.familyName: "Lee"',
    ]


def test_plan_row_never_updates_a_password_it_cannot_compare() -> None:
    plan = plan_row(Row(2, {"userName": "ann", "password": "pw"}), [ANN])
    assert plan.action == UNCHANGED
    created = plan_row(Row(2, {"userName": "new", "password": "pw"}), [])
    assert created.body == {"userName": "new", "password": "pw"}
    assert "    + password: [secure]" in describe_plan(created)


@pytest.mark.parametrize(
    ("row", "matches", "reason"),
    [
        (Row(2, {}, error="bad row"), [], "bad row"),
        (Row(2, {"title": "x"}), [], "neither userName nor externalId"),
        (Row(2, {"externalId": "e9"}), [], "no userName to create one with"),
        (Row(2, {"userName": "ann"}), [ANN, {**ANN, "id": "u2"}], "2 users match"),
        (
            Row(2, {"userName": "ann", "externalId": "e2"}),
            [ANN],
            "userName 'ann' belongs to a user with externalId 'e1'",
        ),
    ],
)
def test_plan_row_fails_rows_it_cannot_carry_out_safely(
    row: Row, matches: list[dict[str, Any]], reason: str
) -> None:
    plan = plan_row(row, matches)
    assert plan.action == FAILED and plan.reason is not None and reason in plan.reason
    assert describe_plan(plan)[0].startswith("! failed     row 2")


def test_summary_counts_and_lists_failures() -> None:
    summary = Summary()
    for action in (CREATE, CREATE, UPDATE, UNCHANGED):
        summary.add(action, 1)
    summary.add(FAILED, 7, "HTTP 409 uniqueness: taken")
    assert summary.lines(dry_run=False) == [
        "created 2, updated 1, unchanged 1, failed 1",
        "  row 7: HTTP 409 uniqueness: taken",
    ]
    assert summary.lines(dry_run=True)[0] == (
        "dry run: would create 2, update 1; 1 unchanged, 1 failed; nothing was changed"
    )
    assert summary.as_dict(dry_run=False)["failures"] == [
        {"row": 7, "reason": "HTTP 409 uniqueness: taken"}
    ]


def test_partial_path_is_a_hidden_sibling() -> None:
    assert partial_path("/tmp/out/users.csv") == "/tmp/out/.users.csv.partial"
    assert partial_path("users.csv") == ".users.csv.partial"


@pytest.mark.parametrize(("fmt", "header_lines"), [("jsonl", 0), ("csv", 1), ("json", 0)])
def test_writers_write_each_resource_before_the_next_is_fetched(
    fmt: str, header_lines: int
) -> None:
    out = io.StringIO()

    def pages() -> Iterator[dict[str, Any]]:
        for number in range(3):
            # What came before is already written when the next one is asked for: an
            # export keeps one page in memory, not the directory. The CSV header waits for
            # the first resource, so that a first page that fails leaves nothing written.
            assert out.getvalue().count('"' if fmt == "json" else "\n") == (
                4 * number if fmt == "json" else number + (header_lines if number else 0)
            )
            yield {"id": str(number)}

    assert write_resources(pages(), fmt, out, columns=attribute_columns([])) == 3


# -- export --------------------------------------------------------------------------------


def seed(server: SCIMServer, count: int) -> None:
    for n in range(count):
        add_user(
            server,
            f"user{n}",
            externalId=f"e{n}",
            name={"givenName": "User", "familyName": str(n)},
            emails=[{"value": f"user{n}@example.com", "type": "work", "primary": True}],
            active=n % 2 == 0,
            title="Guide",
        )


def test_export_users_csv_streams_every_page(cli: CLI, scim: SCIMServer, tmp_path: Path) -> None:
    seed(scim, 5)
    out = tmp_path / "users.csv"
    done = cli("export", "users", "--out", str(out), "--page-size", "2")
    assert done.code == 0, done.err
    assert done.out == "" and done.err == f"exported 5 users to {out}\n"
    rows = read_csv(out)
    assert [r["userName"] for r in rows] == [f"user{n}" for n in range(5)]
    assert rows[1] == {
        "id": users_by_name(scim)["user1"]["id"],
        "userName": "user1",
        "externalId": "e1",
        "active": "false",
        "displayName": "",
        "givenName": "User",
        "familyName": "1",
        "email": "user1@example.com",
        "title": "Guide",
    }
    searches = [r.query for r in scim.requests if r.path.endswith("/Users")]
    assert searches[0]["count"] == ["0"]  # totalResults alone, for the ETA
    assert [q["startIndex"] for q in searches[1:]] == [["1"], ["3"], ["5"]]
    assert list(tmp_path.iterdir()) == [out]


def test_export_users_jsonl_is_the_full_resources(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    seed(scim, 3)
    out = tmp_path / "users.jsonl"
    assert cli("export", "users", "--out", str(out), "--filter", "active eq true").code == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    stored = users_by_name(scim)
    assert exported == [stored["user0"], stored["user2"]]


def test_export_json_limit_and_attributes(cli: CLI, scim: SCIMServer, tmp_path: Path) -> None:
    seed(scim, 4)
    out = tmp_path / "users.json"
    done = cli("export", "users", "--out", str(out), "--limit", "3", "--attributes", "userName")
    assert done.code == 0, done.err
    assert [u["userName"] for u in json.loads(out.read_text(encoding="utf-8"))] == [
        "user0",
        "user1",
        "user2",
    ]
    csv_out = tmp_path / "names.csv"
    assert cli("export", "users", "--out", str(csv_out), "--attributes", "userName").code == 0
    assert csv_out.read_text(encoding="utf-8").splitlines()[0] == "id,userName"


def test_export_groups_csv_and_jsonl(cli: CLI, scim: SCIMServer, tmp_path: Path) -> None:
    ann = add_user(scim, "ann")
    group = scim.add_resource("Groups", {"displayName": "Ops", "members": [{"value": ann}]})
    out = tmp_path / "groups.csv"
    assert cli("export", "groups", "--out", str(out)).code == 0
    assert read_csv(out) == [
        {"id": group["id"], "displayName": "Ops", "externalId": "", "members": ann}
    ]
    lines = tmp_path / "groups.jsonl"
    assert cli("export", "groups", "--out", str(lines)).code == 0
    assert json.loads(lines.read_text(encoding="utf-8"))["members"][0]["value"] == ann


def test_export_shows_progress_with_eta_on_a_terminal_only(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    seed(scim, 3)
    on_tty = cli("export", "users", "--out", str(tmp_path / "a.jsonl"), tty=True)
    assert on_tty.code == 0
    assert "\r[" in on_tty.err and "3/3 users" in on_tty.err
    assert on_tty.err.endswith(f"exported 3 users to {tmp_path / 'a.jsonl'}\n")
    piped = cli("export", "users", "--out", str(tmp_path / "b.jsonl"))
    assert "\r" not in piped.err


class FaultAfter:
    """A clock for the progress bar that injects a fault into the server at its `n`-th
    reading: the bar reads it once when it starts and once per item, so the fault hits
    exactly the requests after the first items were handled."""

    def __init__(self, server: SCIMServer, n: int, fault: Fault, **where: Any) -> None:
        self.server = server
        self.n = n
        self.fault = fault
        self.where = where
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        if self.calls == self.n:
            self.server.inject(self.fault, **self.where)
        return float(self.calls)


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        (Fault.status(503, body={"status": "503", "detail": "page 2 broke"}), 1, "page 2 broke"),
        (Fault.drop(), 3, "network error (RemoteProtocolError)"),
    ],
)
def test_export_that_fails_midway_leaves_no_file(
    cli: CLI,
    scim: SCIMServer,
    tmp_path: Path,
    sleeps: SleepRecorder,
    fault: Fault,
    code: int,
    message: str,
) -> None:
    seed(scim, 4)
    out = tmp_path / "users.csv"
    clock = FaultAfter(scim, 2, fault, method="GET", times=5)  # after the first user
    done = cli("export", "users", "--out", str(out), "--page-size", "2", tty=True, clock=clock)
    assert done.code == code and message in done.err
    searches = [r.query.get("startIndex") for r in scim.requests if r.path.endswith("/Users")]
    assert searches[:3] == [None, ["1"], ["3"]]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "users", "--out", "users.txt"], "name the file .jsonl, .csv or .json"),
        (["export", "users", "--out", "u.csv", "--format", "table"], "not a table"),
        (["export", "users", "--out", "/no/such/dir/u.csv"], "cannot write"),
        (["export", "devices", "--out", "u.csv"], "invalid choice"),
    ],
)
def test_export_usage_errors(cli: CLI, argv: list[str], message: str) -> None:
    done = cli(*argv)
    assert done.code == 2 and message in done.err


# -- import --------------------------------------------------------------------------------

IMPORT_CSV = """userName,externalId,email,givenName,familyName,title,active
ann,e1,ann@example.com,Ann,Lee,Guide,true
bob,e2,bob@new.example,Bob,Ray,Lead,false
cal,e3,cal@example.com,Cal,Poe,,true
,,,,,,
dee,e4,dee@example.com,Dee,Kim,,perhaps
"""


def existing_users(server: SCIMServer) -> None:
    add_user(
        server,
        "ann",
        externalId="e1",
        emails=[{"value": "ann@example.com", "primary": True}],
        name={"givenName": "Ann", "familyName": "Lee"},
        title="Guide",
        active=True,
    )
    add_user(
        server,
        "bob",
        externalId="e2",
        emails=[{"value": "bob@old.example", "type": "work", "primary": True}],
        name={"givenName": "Bob", "familyName": "Ray"},
        title="Intern",
        active=True,
    )


def test_import_creates_updates_leaves_unchanged_and_reports_failures(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    existing_users(scim)
    source = write(tmp_path / "users.csv", IMPORT_CSV)
    results = tmp_path / "results.csv"
    done = cli("import", "users", source, "--results", str(results))
    assert done.code == 1, done.err  # a row failed
    assert done.out.splitlines() == [
        "created 1, updated 1, unchanged 1, failed 2",
        "  row 5: the row has neither userName nor externalId",
        "  row 6: active must be true or false, not 'perhaps'",
    ]
    users = users_by_name(scim)
    assert sorted(users) == ["ann", "bob", "cal"]
    assert users["bob"]["title"] == "Lead" and users["bob"]["active"] is False
    assert users["bob"]["emails"] == [{"value": "bob@new.example", "type": "work", "primary": True}]
    assert users["cal"]["externalId"] == "e3" and users["cal"]["name"]["familyName"] == "Poe"
    rows = read_csv(results)
    assert [(r["row"], r["action"], r["status"]) for r in rows] == [
        ("2", "unchanged", ""),
        ("3", "update", "200"),
        ("4", "create", "201"),
        ("5", "failed", ""),
        ("6", "failed", ""),
    ]
    assert rows[2]["id"] == users["cal"]["id"] and rows[1]["id"] == users["bob"]["id"]
    assert "title" in rows[1]["detail"] and "active" in rows[1]["detail"]
    assert writes(scim) == ["PATCH", "POST"]


def test_import_dry_run_shows_the_diff_and_changes_nothing(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    existing_users(scim)
    before = scim.resources("Users")
    source = write(tmp_path / "users.csv", IMPORT_CSV)
    results = tmp_path / "plan.jsonl"
    done = cli("import", "users", source, "--dry-run", "--results", str(results), tty=True)
    assert done.code == 1
    assert scim.resources("Users") == before
    assert {r.method for r in scim.requests} == {"GET"}
    out = done.out
    assert f"~ update     row 3, bob, id {users_by_name(scim)['bob']['id']}" in out
    assert '    - title: "Intern"\n    + title: "Lead"\n' in out
    assert "    - active: true\n    + active: false\n" in out
    assert "+ create     row 4, cal\n" in out and '    + externalId: "e3"\n' in out
    assert "! failed     row 6, dee: active must be true or false" in out
    assert "= unchanged" not in out  # only what would change
    assert out.splitlines()[-3] == (
        "dry run: would create 1, update 1; 1 unchanged, 2 failed; nothing was changed"
    )
    planned = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert [(p["action"], p["status"]) for p in planned] == [
        ("unchanged", None),
        ("update", None),
        ("create", None),
        ("failed", None),
        ("failed", None),
    ]


def test_import_twice_is_all_unchanged_the_second_time(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "users.csv",
        "userName,externalId,email,title\nann,e1,a@x.org,Guide\nbob,e2,b@x.org,Lead\n",
    )
    first = cli("import", "users", source)
    assert first.code == 0 and first.out.startswith("created 2, updated 0, unchanged 0")
    scim.clear_requests()
    second = cli("import", "users", source, "--format", "json")
    assert second.code == 0
    assert second.json == {
        "dryRun": False,
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "failed": 0,
        "failures": [],
    }
    assert writes(scim) == []


def test_import_after_an_interruption_never_duplicates(
    cli: CLI, scim: SCIMServer, tmp_path: Path, sleeps: SleepRecorder
) -> None:
    lines = ["userName,externalId,title"] + [f"user{n},e{n},Guide" for n in range(6)]
    source = write(tmp_path / "users.csv", "\n".join(lines) + "\n")
    # After two rows, the next create is carried out but its answer is lost: the run stops
    # (exit 3) without knowing whether user2 exists.
    clock = FaultAfter(scim, 3, Fault.drop_after_processing(), method="POST")
    interrupted = cli("import", "users", source, tty=True, clock=clock)
    assert interrupted.code == 3
    assert "may have reached the server" in interrupted.err
    assert "import stopped; rows done so far: created 2, updated 0" in interrupted.err
    assert sorted(users_by_name(scim)) == ["user0", "user1", "user2"]
    rerun = cli("import", "users", source)
    assert rerun.code == 0, rerun.err
    assert rerun.out.startswith("created 3, updated 0, unchanged 3, failed 0")
    names = [u["userName"] for u in scim.resources("Users")]
    assert sorted(names) == [f"user{n}" for n in range(6)]


def test_import_stopped_before_a_create_is_finished_by_the_rerun(
    cli: CLI, scim: SCIMServer, tmp_path: Path, sleeps: SleepRecorder
) -> None:
    lines = ["userName,externalId"] + [f"user{n},e{n}" for n in range(5)]
    source = write(tmp_path / "users.csv", "\n".join(lines) + "\n")
    # The third row's search never gets an answer, even retried: nothing more is written.
    clock = FaultAfter(scim, 3, Fault.drop(), method="GET", times=5)
    stopped = cli("import", "users", source, tty=True, clock=clock)
    assert stopped.code == 3 and "network error" in stopped.err
    assert sorted(users_by_name(scim)) == ["user0", "user1"]
    scim.clear_faults()
    rerun = cli("import", "users", source)
    assert rerun.code == 0
    assert rerun.out.startswith("created 3, updated 0, unchanged 2, failed 0")
    assert sorted(users_by_name(scim)) == [f"user{n}" for n in range(5)]


def test_import_row_refused_by_the_server_is_failed_with_its_reason(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    source = write(tmp_path / "users.csv", "userName\nann\nbob\n")
    scim.inject(
        Fault.status(
            400, body={"status": "400", "scimType": "invalidValue", "detail": "bad\nname"}
        ),
        method="POST",
        times=1,
    )
    results = tmp_path / "results.jsonl"
    done = cli("import", "users", source, "--results", str(results))
    assert done.code == 1
    assert "  row 2: HTTP 400 invalidValue: bad name" in done.out.splitlines()
    first = json.loads(results.read_text(encoding="utf-8").splitlines()[0])
    assert first["action"] == "failed" and first["status"] == 400
    assert sorted(users_by_name(scim)) == ["bob"]


def test_import_matches_by_external_id_before_user_name(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    ann_id = add_user(scim, "ann", externalId="e1")
    source = write(tmp_path / "users.csv", "userName,externalId\nanne,e1\nzed,e9\nanne,e7\n")
    done = cli("import", "users", source)
    assert done.code == 1
    stored = scim.get_resource("Users", ann_id)
    assert stored is not None and stored["userName"] == "anne"  # renamed, not duplicated
    assert "  row 4: userName 'anne' belongs to a user with externalId 'e1'" in done.out
    assert sorted(users_by_name(scim)) == ["anne", "zed"]


def test_import_jsonl_restores_an_export(cli: CLI, scim: SCIMServer, tmp_path: Path) -> None:
    seed(scim, 3)
    exported = tmp_path / "users.jsonl"
    assert cli("export", "users", "--out", str(exported)).code == 0
    user1 = users_by_name(scim)["user1"]
    assert (
        cli("users", "patch", user1["id"], "--set", "title=Changed", "--remove", "name").code == 0
    )
    scim.clear_requests()
    done = cli("import", "users", str(exported))
    assert done.code == 0, done.err
    assert done.out.startswith("created 0, updated 1, unchanged 2, failed 0")
    restored = users_by_name(scim)["user1"]
    assert restored["title"] == "Guide" and restored["name"] == user1["name"]
    assert writes(scim) == ["PATCH"]


def test_import_csv_round_trip_of_an_export_is_unchanged(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    seed(scim, 4)
    exported = tmp_path / "users.csv"
    assert cli("export", "users", "--out", str(exported)).code == 0
    scim.clear_requests()
    done = cli("import", "users", str(exported))
    assert done.code == 0 and done.out.startswith("created 0, updated 0, unchanged 4")
    assert writes(scim) == []


def test_import_jsonl_bad_lines_fail_alone(cli: CLI, scim: SCIMServer, tmp_path: Path) -> None:
    source = write(tmp_path / "u.jsonl", '{"userName": "ann"}\n\n{oops\n[1]\n{"userName": "bob"}\n')
    done = cli("import", "users", source)
    assert done.code == 1
    assert done.out.splitlines()[0] == "created 2, updated 0, unchanged 0, failed 2"
    assert "  row 3: not JSON:" in done.out and "  row 4: a JSON list" in done.out


def test_import_shows_progress_on_a_terminal(cli: CLI, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", "userName\nann\nbob\n")
    done = cli("import", "users", source, tty=True)
    assert done.code == 0
    assert "2/2 rows" in done.err and "\r[" in done.err
    assert "\r" not in cli("import", "users", source).err


def test_import_scim_1_1_updates_with_put(v1_server: SCIMServer, tmp_path: Path) -> None:
    cli = CLI({"SCIM_BASE_URL": v1_server.url, "SCIM_TOKEN": v1_server.token or ""})
    add_user(v1_server, "ann", title="Guide")
    source = write(tmp_path / "users.csv", "userName,title\nann,Lead\nbob,New\n")
    done = cli("import", "users", source, "--scim-version", "1.1")
    assert done.code == 0, done.err
    assert done.out.startswith("created 1, updated 1")
    assert writes(v1_server) == ["PUT", "POST"]
    assert users_by_name(v1_server)["ann"]["title"] == "Lead"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "users", "users.txt"], "import reads FILE.csv or FILE.jsonl"),
        (["import", "users", "/no/such/file.csv"], "cannot read"),
        (["import", "users", "u.csv", "--results", "r.txt"], "--results: name the file"),
        (["import", "groups", "g.csv"], "invalid choice"),
    ],
)
def test_import_usage_errors(cli: CLI, scim: SCIMServer, argv: list[str], message: str) -> None:
    done = cli(*argv)
    assert done.code == 2 and message in done.err
    assert scim.requests == []


def test_import_results_file_that_cannot_be_written(cli: CLI, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", "userName\nann\n")
    done = cli("import", "users", source, "--results", "/no/such/dir/r.csv")
    assert done.code == 2 and "cannot write" in done.err


# -- Ctrl+C --------------------------------------------------------------------------------


def _interrupt_midway(
    server: SCIMServer, argv: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Run `scimkit ARGV` in a real process against a slow server, and press Ctrl+C once it
    is paging (its third request has arrived)."""
    server.inject(Fault.delay(0.2), times=10_000)
    process = subprocess.Popen(
        [sys.executable, "-m", "scimkit", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SCIM_BASE_URL": server.url, "SCIM_TOKEN": TOKEN},
    )
    try:
        deadline = time.monotonic() + 30
        while len(server.requests) < 3 and process.poll() is None:
            assert time.monotonic() < deadline, "the command never reached its third request"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_ctrl_c_during_an_export_exits_130_with_one_line(scim: SCIMServer, tmp_path: Path) -> None:
    for number in range(40):
        add_user(scim, f"user{number:02d}")
    done = _interrupt_midway(
        scim, ["export", "users", "--out", "u.jsonl", "--page-size", "1"], tmp_path
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == "scimkit: interrupted\n"
    # Neither the file nor its partial copy is left behind.
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_an_import_exits_130_with_one_line(scim: SCIMServer, tmp_path: Path) -> None:
    rows = "".join(f'{{"userName": "user{number:02d}"}}\n' for number in range(40))
    (tmp_path / "u.jsonl").write_text(rows, encoding="utf-8")
    done = _interrupt_midway(scim, ["import", "users", "u.jsonl"], tmp_path)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert done.stderr.startswith("scimkit: interrupted; import stopped; rows done so far: ")


def test_ctrl_c_during_a_long_list_exits_130_with_one_line(
    scim: SCIMServer, tmp_path: Path
) -> None:
    for number in range(40):
        add_user(scim, f"user{number:02d}")
    done = _interrupt_midway(
        scim, ["users", "list", "--page-size", "1", "--format", "jsonl"], tmp_path
    )
    assert done.returncode == 130 and done.stderr == "scimkit: interrupted\n"
    # What was printed before Ctrl+C is whole lines of whole users.
    assert all(json.loads(line)["userName"] for line in done.stdout.splitlines())


@pytest.mark.parametrize("command", ["export", "import"])
def test_ctrl_c_takes_the_progress_line_off_before_its_one_line(
    cli: CLI, scim: SCIMServer, tmp_path: Path, command: str
) -> None:
    for number in range(5):
        add_user(scim, f"user{number}")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(f'{{"userName": "new{n}"}}\n' for n in range(5)), encoding="utf-8")
    if command == "export":
        argv = ["export", "users", "--out", str(tmp_path / "out.jsonl"), "--page-size", "1"]
    else:
        argv = ["import", "users", str(source)]
    done = cli(*argv, tty=True, clock=CtrlCAt(4))
    assert done.code == 130
    drawn, _, after = done.err.rpartition("\r")
    # A progress line was up, then blanked and the cursor sent back to its start...
    blank = drawn.split("\r")[-1]
    assert "/s" in drawn and blank and blank.strip() == ""
    # ...and what follows it is the one line.
    assert after.count("\n") == 1 and after.startswith("scimkit: interrupted")
    assert "Traceback" not in done.err

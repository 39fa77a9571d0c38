"""`scimkit sync`: whole runs against a local SCIM server (dry run, apply, plan files, the
brake, bad rows, a server that goes away), and the pure pieces as tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scimkit._cli.sync import deletion_limit, describe_change, read_groups_file
from scimkit.sync import Change
from scimkit.testing import Fault, SCIMServer

from .cli_helpers import CLI, CtrlCAt, add_user, writes
from .conftest import SleepRecorder

USERS_CSV = """\
userName,externalId,email,title
ann,e1,ann@example.com,Lead
bob,e2,bob@example.com,Guide
"""

GROUPS_CSV = """\
displayName,member
Guides,e1
Guides,e2
Leads,e1
"""


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def users_by_name(server: SCIMServer) -> dict[str, dict[str, Any]]:
    return {u["userName"]: u for u in server.resources("Users")}


def members(server: SCIMServer, name: str) -> list[str]:
    """The userNames of a group's members, sorted."""
    names = {u["id"]: u["userName"] for u in server.resources("Users")}
    group = next(g for g in server.resources("Groups") if g["displayName"] == name)
    return sorted(names[m["value"]] for m in group.get("members", []))


def directory(server: SCIMServer) -> dict[str, str]:
    """A server holding ann (title Intern, to be updated), cal (gone from the file) and a
    `Guides` group whose only member is cal; the ids by userName (and `Guides`)."""
    ids = {
        "ann": add_user(
            server,
            "ann",
            externalId="e1",
            title="Intern",
            emails=[{"value": "ann@example.com", "primary": True}],
        ),
        "cal": add_user(server, "cal", externalId="e3"),
    }
    group = server.add_resource(
        "Groups", {"displayName": "Guides", "members": [{"value": ids["cal"]}]}
    )
    ids["Guides"] = str(group["id"])
    return ids


def sources(tmp_path: Path) -> list[str]:
    users = write(tmp_path / "users.csv", USERS_CSV)
    groups = write(tmp_path / "groups.csv", GROUPS_CSV)
    return ["sync", "--users", users, "--groups", groups]


# -- pure ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit"), [("500", 500), ("0", 0), ("10%", 0.1), (" 2.5% ", 0.025), ("100%", 1.0)]
)
def test_max_deletions_takes_a_count_or_a_percentage(text: str, limit: float) -> None:
    assert deletion_limit(text) == limit


@pytest.mark.parametrize("text", ["-1", "ten", "101%", "%", "1.5"])
def test_max_deletions_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="--max-deletions"):
        deletion_limit(text)


@pytest.mark.parametrize(
    ("change", "lines"),
    [
        (
            Change("create", "User", "e2", body={"userName": "bob", "password": "pw"}),
            ["+ create     e2", '    + userName: "bob"', "    + password: [secure]"],
        ),
        (
            Change(
                "update",
                "User",
                "e1",
                "U1",
                {
                    "Operations": [
                        {"op": "replace", "path": "title", "value": "Lead"},
                        {"op": "remove", "path": "nickName"},
                        {"op": "replace", "path": "name.familyName", "value": "Lee"},
                        {"op": "add", "path": "displayName", "value": "Ann Lee"},
                        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Tours"},
                        {"op": "remove", "path": 'emails[value eq "a@x"]'},
                    ]
                },
                before={
                    "title": "Intern",
                    "nickName": "Annie",
                    "name": {"familyName": "Li", "givenName": "Ann"},
                    ENTERPRISE: {"department": "Sales"},
                },
            ),
            [
                "~ update     e1, id U1",
                '    - title: "Intern"',
                '    + title: "Lead"',
                '    - nickName: "Annie"',
                '    - name.familyName: "Li"',
                '    + name.familyName: "Lee"',
                '    + displayName: "Ann Lee"',
                f'    - {ENTERPRISE}:department: "Sales"',
                f'    + {ENTERPRISE}:department: "Tours"',
                '    - emails[value eq "a@x"]',
            ],
        ),
        (
            # SCIM 1.1: the partial resource; what it replaces is shown as `import` does.
            Change(
                "update",
                "User",
                "e1",
                "U1",
                {"schemas": ["urn:scim:schemas:core:1.0"], "title": "Lead", "nickName": "Al"},
                before={"title": "Intern"},
            ),
            [
                "~ update     e1, id U1",
                '    - title: "Intern"',
                '    + title: "Lead"',
                '    + nickName: "Al"',
            ],
        ),
        (Change("deactivate", "User", "e3", "U3"), ["- deactivate e3, id U3"]),
        (Change("delete", "Group", "Old", "G9"), ["- delete     group Old, id G9"]),
        (
            Change(
                "update",
                "Group",
                "Guides",
                "G1",
                {
                    "Operations": [
                        {"op": "replace", "path": "displayName", "value": "Guides"},
                        {"op": "add", "path": "members", "value": [{"value": "bulkId:e2"}]},
                        {"op": "add", "path": "members", "value": [{"value": "U1"}]},
                        {"op": "remove", "path": 'members[value eq "U3"]'},
                        {"op": "remove", "path": 'members[value eq "U\\"4"]'},
                    ]
                },
                before={"displayName": "guides"},
                member_keys={"bulkId:e2": "e2", "U1": "e1", "U3": "cal", 'U"4': "dee"},
            ),
            [
                "~ update     group Guides, id G1",
                '    - displayName: "guides"',
                '    + displayName: "Guides"',
                "    + member e2 (created by this plan)",
                "    + member e1",
                "    - member cal",
                "    - member dee",
            ],
        ),
        (
            # SCIM 1.1: a partial resource, removed members marked `operation: delete`.
            Change(
                "update",
                "Group",
                "Guides",
                "G1",
                {"members": [{"value": "U1"}, {"value": "U3", "operation": "delete"}]},
                member_keys={"U1": "e1"},
            ),
            ["~ update     group Guides, id G1", "    + member e1", "    - member U3"],
        ),
        (
            Change(
                "create",
                "Group",
                "Leads",
                body={"displayName": "Leads", "members": [{"value": "U1"}]},
                member_keys={"U1": "e1"},
            ),
            ["+ create     group Leads", '    + displayName: "Leads"', "    + member e1"],
        ),
    ],
)
def test_each_change_is_shown_as_diff_lines(change: Change, lines: list[str]) -> None:
    assert describe_change(change) == lines


def test_groups_csv_is_one_row_per_membership(tmp_path: Path) -> None:
    path = write(tmp_path / "groups.csv", "displayName,member\nGuides,e1\nLeads,\nguides,e2\n,e3\n")
    found = read_groups_file(path)
    assert found.records[:2] == [
        {"displayName": "Guides", "members": ["e1", "e2"]},
        {"displayName": "Leads", "members": []},
    ]
    assert found.rows[:2] == [2, 3] and found.member_rows[0] == [2, 4]
    assert found.errors == {2: "no displayName"} and found.where(2) == "groups.csv row 5"


# -- whole runs ----------------------------------------------------------------------------


def test_dry_run_prints_the_plan_and_writes_nothing(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    ids = directory(scim)
    before = (scim.resources("Users"), scim.resources("Groups"))
    done = cli(*sources(tmp_path), "--dry-run")
    assert done.code == 0, done.err
    assert (scim.resources("Users"), scim.resources("Groups")) == before
    assert writes(scim) == []
    out = done.out.splitlines()
    assert out[:2] == ["+ create     users.csv row 3, e2", '    + userName: "bob"']
    update = out.index(f"~ update     users.csv row 2, e1, id {ids['ann']}")
    assert out[update + 1 : update + 3] == ['    - title: "Intern"', '    + title: "Lead"']
    group = out.index(f"~ update     group Guides, id {ids['Guides']}")
    # Members by their keys (a server user the files lost: its userName), never by id.
    assert out[group + 1 : group + 4] == [
        "    + member e1",
        "    + member e2 (created by this plan)",
        "    - member cal",
    ]
    leads = out.index("+ create     group Leads")
    assert out[leads + 1 : leads + 3] == ['    + displayName: "Leads"', "    + member e1"]
    assert f"- deactivate e3, id {ids['cal']}" in out
    assert out[-1] == (
        "dry run: would create 1, update 1, deactivate 1, delete 0 users; "
        "create 1, update 1, delete 0 groups; nothing was changed"
    )


def test_sync_applies_the_plan_and_a_second_run_changes_nothing(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    directory(scim)
    done = cli(*sources(tmp_path), "--workers", "2")
    assert done.code == 0, done.err
    assert done.out == "created 2, updated 2, deactivated 1, deleted 0, failed 0\n"
    users = users_by_name(scim)
    assert users["ann"]["title"] == "Lead" and users["bob"]["externalId"] == "e2"
    assert users["cal"]["active"] is False
    assert members(scim, "Guides") == ["ann", "bob"] and members(scim, "Leads") == ["ann"]
    scim.clear_requests()
    again = cli(*sources(tmp_path), "--format", "json")
    assert again.code == 0, again.err
    assert again.json["done"] == {
        "created": 0,
        "updated": 0,
        "deactivated": 0,
        "deleted": 0,
        "failed": 0,
        "skipped": 0,
    }
    assert writes(scim) == []


def test_plan_out_writes_nothing_then_apply_plan_carries_it_out(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    ids = directory(scim)
    plan = tmp_path / "plan.json"
    planned = cli(*sources(tmp_path), "--plan-out", str(plan))
    assert planned.code == 0, planned.err
    assert writes(scim) == [] and f"- deactivate e3, id {ids['cal']}" in planned.out
    assert planned.err == f"wrote the plan (5 changes) to {plan}\n"
    document = json.loads(plan.read_text(encoding="utf-8"))
    assert document["format"] == "scimkit-sync-plan/1" and len(document["changes"]) == 5
    scim.clear_requests()
    applied = cli("sync", "--apply-plan", str(plan))
    assert applied.code == 0, applied.err
    assert applied.out == "created 2, updated 2, deactivated 1, deleted 0, failed 0\n"
    # The plan is carried out as written: no page of the server is read again.
    assert sorted(writes(scim)) == ["PATCH"] * 3 + ["POST"] * 2
    assert users_by_name(scim)["cal"]["active"] is False
    assert members(scim, "Guides") == ["ann", "bob"]


@pytest.mark.parametrize("limit", ["1", "20%"])
def test_brake_exits_1_with_zero_writes(
    cli: CLI, scim: SCIMServer, tmp_path: Path, limit: str
) -> None:
    for number in range(5):
        add_user(scim, f"user{number}", externalId=f"e{number}")
    users = write(tmp_path / "users.csv", "userName,externalId\nuser0,e0\nuser1,e1\nuser2,e2\n")
    done = cli("sync", "--users", users, "--max-deletions", limit)
    assert done.code == 1
    assert writes(scim) == []
    assert (
        "BLOCKED, nothing was written: 2 deactivations/deletions exceed max_deletions" in done.out
    )
    raised = cli("sync", "--users", users, "--max-deletions", "2")
    assert raised.code == 0, raised.err
    assert raised.out.startswith("created 0, updated 0, deactivated 2")


def test_empty_users_file_always_trips_the_brake(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    add_user(scim, "ann", externalId="e1")
    users = write(tmp_path / "users.csv", "userName,externalId\n")
    done = cli("sync", "--users", users, "--max-deletions", "100%")
    assert done.code == 1 and "empty or truncated source" in done.out
    assert writes(scim) == []


def test_bad_rows_are_named_by_row_before_anything_is_sent(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    users = write(
        tmp_path / "users.csv",
        "userName,externalId,active\nann,e1,true\nbob,e2,maybe\ncal,e1,\n,e4,\ndee,,\n",
    )
    groups = write(tmp_path / "groups.csv", "displayName,member\nGuides,e1\n,e2\nGuides,e9\n")
    done = cli("sync", "--users", users, "--groups", groups)
    assert done.code == 1
    assert writes(scim) == []  # the server is read (the rest of the plan), never written
    assert done.out.splitlines()[1:] == [
        "BLOCKED, nothing was written: 6 problem(s) in the files",
        "  users.csv row 3: active must be true or false, not 'maybe'",
        "  users.csv row 4: externalId 'e1' again (as users.csv row 2)",
        "  users.csv row 5: no userName (every user needs one)",
        "  users.csv row 6: no externalId (the match key)",
        "  groups.csv row 3: no displayName",
        "  groups.csv row 4: no desired user has externalId 'e9'",
    ], done.out
    # The rest of the plan is still shown, and blocked until the rows are fixed.
    shown = cli("sync", "--users", users, "--groups", groups, "--dry-run")
    assert shown.code == 1 and writes(scim) == []
    assert shown.out.splitlines()[:2] == [
        "+ create     users.csv row 2, e1",
        '    + userName: "ann"',
    ]
    assert "+ create     group Guides" in shown.out
    assert "BLOCKED, nothing was written: 6 problem(s) in the files" in shown.out


def test_scope_protects_users_outside_it(cli: CLI, scim: SCIMServer, tmp_path: Path) -> None:
    add_user(scim, "ann", externalId="e1", userType="Employee")
    add_user(scim, "old", externalId="e8", userType="Employee")
    add_user(scim, "vendor", externalId="v1", userType="Contractor")
    users = write(tmp_path / "users.csv", "userName,externalId\nann,e1\n")
    done = cli("sync", "--users", users, "--scope", 'userType eq "Employee"')
    assert done.code == 0, done.err
    assert done.out.startswith("created 0, updated 0, deactivated 1")
    users_now = users_by_name(scim)
    assert users_now["old"]["active"] is False
    assert users_now["vendor"].get("active", True) is True


def test_json_lines_users_and_groups_with_delete(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    add_user(scim, "gone", externalId="e9")
    users = write(
        tmp_path / "users.jsonl",
        '{"userName": "ann", "externalId": "e1", "name": {"givenName": "Ann"}}\n\n'
        '{"id": "ignored", "userName": "bob", "externalId": "e2"}\n',
    )
    groups = write(
        tmp_path / "groups.jsonl",
        '{"displayName": "Guides", "members": ["e1", {"value": "e2"}]}\n',
    )
    done = cli("sync", "--users", users, "--groups", groups, "--deprovision", "delete")
    assert done.code == 0, done.err
    assert done.out == "created 3, updated 0, deactivated 0, deleted 1, failed 0\n"
    assert sorted(users_by_name(scim)) == ["ann", "bob"]
    assert users_by_name(scim)["ann"]["name"] == {"givenName": "Ann"}
    assert members(scim, "Guides") == ["ann", "bob"]


def test_a_refused_change_is_reported_and_exits_1(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    users = write(tmp_path / "users.csv", "userName,externalId\nann,e1\nbob,e2\n")
    refusal = {"status": "400", "scimType": "invalidValue", "detail": "no\nthanks"}
    scim.inject(Fault.status(400, body=refusal), method="POST", times=1)
    done = cli("sync", "--users", users, "--workers", "1")
    assert done.code == 1
    lines = done.out.splitlines()
    assert lines[0] == "created 1, updated 0, deactivated 0, deleted 0, failed 1"
    assert lines[1].startswith("  create User 'e") and lines[1].endswith(
        ": HTTP 400 invalidValue: no thanks"
    )
    assert len(scim.resources("Users")) == 1


# The clock readings before the apply's progress line starts: the line shown while the
# server is read takes one when it starts and one per page (an empty server: one page).
READING = 2


class StopServerAt:
    """A clock for the apply's progress line that stops the server at its `n`-th reading:
    the line reads it once when it starts and once per change done (after `READING`)."""

    def __init__(self, server: SCIMServer, n: int) -> None:
        self.server = server
        self.n = n
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        if self.reads == READING + self.n:
            self.server.stop()
        return float(self.reads)


def test_server_going_away_exits_3_and_a_rerun_finishes_the_job(
    cli: CLI, scim: SCIMServer, tmp_path: Path, sleeps: SleepRecorder
) -> None:
    lines = ["userName,externalId"] + [f"user{n},e{n}" for n in range(8)]
    users = write(tmp_path / "users.csv", "\n".join(lines) + "\n")
    # Each create waits a little on the server, so the line reads the clock for the second
    # change done while the third create is still waiting; stopping the server then cuts it.
    scim.inject(Fault.delay(0.2), method="POST", times=100)
    stopped = cli("sync", "--users", users, "--workers", "1", tty=True, clock=StopServerAt(scim, 3))
    assert stopped.code == 3, stopped.err
    assert "sync stopped; done so far: 2 created" in stopped.err
    assert stopped.err.splitlines()[-1].startswith("scimkit: network error (")
    assert "may have reached the server" in stopped.err
    assert "Traceback" not in stopped.err
    created = len(scim.resources("Users"))
    assert 2 <= created < 8
    scim.clear_faults()
    scim.start()
    rerun = cli("sync", "--users", users)
    assert rerun.code == 0, rerun.err
    assert rerun.out.startswith(f"created {8 - created}, updated 0")
    assert sorted(users_by_name(scim)) == [f"user{n}" for n in range(8)]


def test_ctrl_c_during_the_apply_exits_130_with_what_was_done(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    lines = ["userName,externalId"] + [f"user{n},e{n}" for n in range(6)]
    users = write(tmp_path / "users.csv", "\n".join(lines) + "\n")
    done = cli("sync", "--users", users, "--workers", "1", tty=True, clock=CtrlCAt(READING + 3))
    assert done.code == 130
    last = done.err.rpartition("\r")[2]
    assert last.startswith("scimkit: interrupted; sync stopped; done so far: 2 created")
    assert "Traceback" not in done.err
    assert 2 <= len(scim.resources("Users")) < 6
    rerun = cli("sync", "--users", users)
    assert rerun.code == 0 and sorted(users_by_name(scim)) == [f"user{n}" for n in range(6)]


def test_progress_line_on_a_terminal_only(cli: CLI, scim: SCIMServer, tmp_path: Path) -> None:
    users = write(tmp_path / "users.csv", USERS_CSV)
    shown = cli("sync", "--users", users, tty=True)
    assert shown.code == 0 and "2/2 changes" in shown.err and "reading the server" in shown.err
    again = cli("sync", "--users", users, "--deprovision", "keep")
    assert again.code == 0 and again.err == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sync"], "give --users FILE"),
        (["sync", "--users", "u.txt"], "--users: name the file .csv or .jsonl"),
        (["sync", "--users", "missing.csv"], "--users: cannot read 'missing.csv'"),
        (["sync", "--apply-plan", "p.json", "--users", "u.csv"], "leave out --users"),
        (["sync", "--apply-plan", "missing.json"], "--apply-plan: cannot read"),
        (["sync", "--users", "u.csv", "--max-deletions", "lots"], "--max-deletions: 'lots'"),
        (["sync", "--users", "u.csv", "--groups", "g.csv"], "needs the columns displayName,member"),
        (["sync", "--users", "u.csv", "--format", "csv"], "not csv"),
        (["sync", "--users", "u.csv", "--dry-run", "--plan-out", "p.json"], "not allowed with"),
        (["sync", "--users", "u.csv", "--scope", 'userType eq "x'], "scope"),
    ],
)
def test_sync_usage_errors(
    cli: CLI,
    scim: SCIMServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "u.csv", "userName,externalId\nann,e1\n")
    write(tmp_path / "g.csv", "name,member\nGuides,e1\n")
    done = cli(*argv)
    assert done.code == 2, done
    assert message in done.err
    assert writes(scim) == []


def test_apply_plan_refuses_a_file_that_is_not_a_plan(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    plan = write(tmp_path / "plan.json", '{"format": "something else"}')
    done = cli("sync", "--apply-plan", plan)
    assert done.code == 2 and "--apply-plan: text is not a scimkit sync plan" in done.err


def test_import_help_points_at_sync(cli: CLI) -> None:
    done = cli("import", "--help")
    assert done.code == 0 and "scimkit sync" in done.out


def test_reading_the_server_shows_a_live_count_on_a_terminal(
    cli: CLI, scim: SCIMServer, tmp_path: Path
) -> None:
    directory(scim)
    add_user(scim, "dee", externalId="e4")
    done = cli(*sources(tmp_path), "--dry-run", tty=True)
    assert done.code == 0, done.err
    drawn = done.err.split("\r")
    assert "reading the server: [" in done.err
    assert any("100%  3/3 users" in line for line in drawn)
    assert any("100%  1/1 groups" in line for line in drawn)
    assert drawn[-1] == ""  # taken off the screen before the plan is printed
    quiet = cli(*sources(tmp_path), "--dry-run")
    assert quiet.code == 0 and quiet.err == ""

"""The `scimkit` command line against a local SCIM server on 127.0.0.1: every command, each
output format, the exit codes, and a token that never shows."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from typing import Any

import pytest

from scimkit._cli.parser import EXAMPLES, TOKEN_REFUSED, hide_secret_values, secret_values
from scimkit._cli.service import serve_exports
from scimkit.cli import main
from scimkit.testing import Fault, SCIMServer

from .cli_helpers import CLI, TOKEN, add_user, closed_port_url, free_port, writes
from .conftest import SleepRecorder
from .tls import server_context

# -- users ---------------------------------------------------------------------------------


def test_users_create_from_options_prints_the_user_as_json_in_a_pipe(
    cli: CLI, scim: SCIMServer
) -> None:
    done = cli(
        "users",
        "create",
        "--user-name",
        "ann",
        "--email",
        "ann@example.com",
        "--given-name",
        "Ann",
        "--family-name",
        "Lee",
        "--display-name",
        "Ann Lee",
        "--title",
        "Guide",
        "--external-id",
        "hr-1",
        "--inactive",
    )
    assert done.code == 0, done.err
    user = done.json
    assert user["userName"] == "ann" and user["id"]
    stored = scim.get_resource("Users", user["id"])
    assert stored is not None
    assert stored["name"] == {"givenName": "Ann", "familyName": "Lee"}
    assert stored["emails"] == [{"value": "ann@example.com", "primary": True}]
    assert stored["active"] is False and stored["externalId"] == "hr-1"
    assert stored["displayName"] == "Ann Lee" and stored["title"] == "Guide"


def test_users_create_from_data_inline_file_and_stdin(
    cli: CLI, scim: SCIMServer, tmp_path: Any
) -> None:
    assert cli("users", "create", "--data", '{"userName": "a1", "title": "x"}').code == 0
    path = tmp_path / "user.json"
    path.write_text('{"userName": "a2", "nickName": "Two"}', encoding="utf-8")
    assert cli("users", "create", "--data", f"@{path}").code == 0
    done = cli("users", "create", "--data", "-", "--title", "Over", stdin='{"userName": "a3"}')
    assert done.code == 0 and done.json["title"] == "Over"
    names = sorted(u["userName"] for u in scim.resources("Users"))
    assert names == ["a1", "a2", "a3"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["users", "create"], "needs --user-name"),
        (["users", "create", "--data", "{not json"], "--data is not valid JSON"),
        (["users", "create", "--data", "[1]"], "--data must be a JSON object"),
        (["users", "create", "--data", "@/no/such/file.json"], "cannot read"),
        (["users", "create", "--active", "--inactive", "--user-name", "x"], "not allowed with"),
        (["users", "patch", "some-id"], "nothing to change"),
        (["users", "patch", "x", "--set", "title"], "--set takes PATH=VALUE"),
        (["users", "update", "x"], "nothing to change"),
        (["users", "update", "x", "--replace"], "--replace sends --data"),
        (["users", "get"], "one of the arguments ID --user-name is required"),
        (["users", "list", "--limit", "0"], "must be at least 1"),
        (["users"], "required: ACTION"),
        (["groups", "create"], "needs --display-name"),
        (["groups", "add-member", "g"], "at least one member"),
        (["users", "list", "--format", "xml"], "invalid choice"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    cli: CLI, scim: SCIMServer, argv: list[str], message: str
) -> None:
    done = cli(*argv)
    assert done.code == 2
    assert message in done.err
    assert "Traceback" not in done.err
    assert writes(scim) == []


def test_no_command_prints_help_and_exits_2(cli: CLI) -> None:
    done = cli()
    assert done.code == 2 and "usage: scimkit" in done.err


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("scimkit ")
    assert main(["users", "list", "--help"]) == 0
    assert "--filter" in capsys.readouterr().out


CONNECTION_OPTIONS = ("--base-url", "--token-env", "--no-token", "--timeout", "--proxy")


def test_help_lists_connection_options_once_and_every_command_has_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    assert "connection:" in top and "examples:" in top
    for option in CONNECTION_OPTIONS:
        assert f"  {option} " in top, option
    for command, examples in EXAMPLES.items():
        assert main([*command.split(), "--help"]) == 0
        text = capsys.readouterr().out
        assert "examples:\n" + examples in text, command
        # Each example runs the command it illustrates.
        assert all(
            line.strip().startswith(f"scimkit {command}")
            for line in examples.splitlines()
            if line.strip().startswith("scimkit")
        ), command
        if command in ("serve", "demo"):
            continue
        # The connection block is not repeated: one line points to the top-level help.
        assert "connection:" not in text and "see `scimkit --help`" in text, command
        assert "--insecure" in text and "  --insecure " not in text, command
        assert "--format" in text and "--verbose" in text, command
    # Still accepted after the command, though not listed there.
    assert main(["users", "list", "--timeout", "x"]) == 2
    assert "--timeout" in capsys.readouterr().err


def test_users_list_pages_through_everything(cli: CLI, scim: SCIMServer) -> None:
    for n in range(7):
        add_user(scim, f"user{n}")
    done = cli("users", "list", "--page-size", "3")
    assert done.code == 0, done.err
    assert [u["userName"] for u in done.json] == [f"user{n}" for n in range(7)]
    starts = [r.query["startIndex"] for r in scim.requests if r.path.endswith("/Users")]
    assert starts == [["1"], ["4"], ["7"]]


def test_users_list_limit_filter_sort_and_attributes(cli: CLI, scim: SCIMServer) -> None:
    for name in ("cal", "ann", "bob", "dee"):
        add_user(scim, name, active=name != "dee")
    done = cli(
        "users",
        "list",
        "--filter",
        "active eq true",
        "--sort-by",
        "userName",
        "--sort-order",
        "descending",
        "--limit",
        "2",
        "--attributes",
        "userName",
        "--format",
        "csv",
    )
    assert done.code == 0, done.err
    rows = list(csv.DictReader(io.StringIO(done.out)))
    assert [r["userName"] for r in rows] == ["cal", "bob"]
    assert list(rows[0]) == ["id", "userName"]
    query = scim.requests[-1].query
    assert query["filter"] == ["active eq true"] and query["count"] == ["2"]
    assert query["attributes"] == ["userName"]


def test_users_list_as_a_table_on_a_terminal(cli: CLI, scim: SCIMServer) -> None:
    add_user(scim, "ann", name={"givenName": "Ann", "familyName": "Lee"}, active=True)
    done = cli("users", "list", tty=True)
    lines = done.out.splitlines()
    assert lines[0].split() == ["id", "userName", "name", "email", "active", "externalId"]
    assert set(lines[1]) == {"-", " "}
    assert "ann" in lines[2] and "Ann Lee" in lines[2] and "true" in lines[2]


def test_users_list_empty_table_says_so_on_stderr(cli: CLI) -> None:
    done = cli("users", "list", tty=True)
    assert done.code == 0 and "no users" in done.err


def test_users_list_jsonl_is_one_user_per_line(cli: CLI, scim: SCIMServer) -> None:
    for name in ("ann", "bob"):
        add_user(scim, name)
    done = cli("users", "list", "--format", "jsonl")
    assert [u["userName"] for u in done.lines] == ["ann", "bob"]


def test_users_get_by_id_and_by_user_name(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(scim, "ann", title="Guide")
    by_id = cli("users", "get", user_id)
    by_name = cli("users", "get", "--user-name", "ann")
    assert by_id.json == by_name.json and by_id.json["title"] == "Guide"
    record = cli("users", "get", user_id, "--format", "table").out.splitlines()
    assert record[0].split() == ["id", user_id]
    assert ["title", "Guide"] in [line.split() for line in record]


def test_users_get_by_user_name_sends_one_search(cli: CLI, scim: SCIMServer) -> None:
    add_user(scim, "ann", title="Guide")
    scim.clear_requests()
    done = cli("users", "get", "--user-name", "ann")
    assert done.code == 0 and done.json["title"] == "Guide"
    [request] = scim.requests
    assert request.method == "GET" and request.path.endswith("/Users")
    assert request.query["filter"] == ['userName eq "ann"']


def test_users_get_unknown_exits_1_with_status_and_detail(cli: CLI) -> None:
    done = cli("users", "get", "no-such-id")
    assert done.code == 1 and done.out == ""
    assert done.err.startswith("scimkit: the server refused: HTTP 404 Not Found")
    assert "no-such-id" in done.err and done.err.count("\n") == 1
    missing = cli("users", "get", "--user-name", "nobody")
    assert missing.code == 1 and "no user with userName 'nobody'" in missing.err


def test_a_conflict_shows_status_scim_type_and_detail(cli: CLI, scim: SCIMServer) -> None:
    add_user(scim, "ann")
    done = cli("users", "create", "--user-name", "ann")
    assert done.code == 1
    assert "HTTP 409 Conflict, scimType uniqueness: " in done.err
    assert "(POST http://127.0.0.1:" in done.err


def test_users_update_merges_options_and_sends_if_match(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(
        scim,
        "ann",
        name={"givenName": "Ann", "familyName": "Lee"},
        emails=[{"value": "old@example.com", "type": "work", "primary": True}],
        title="Guide",
    )
    done = cli("users", "update", user_id, "--family-name", "Ray", "--email", "new@example.com")
    assert done.code == 0, done.err
    stored = scim.get_resource("Users", user_id)
    assert stored is not None
    assert stored["name"] == {"givenName": "Ann", "familyName": "Ray"}
    assert stored["emails"] == [{"value": "new@example.com", "type": "work", "primary": True}]
    assert stored["title"] == "Guide"
    put = [r for r in scim.requests if r.method == "PUT"][-1]
    assert put.headers.get("If-Match") == 'W/"1"'


def test_users_update_by_user_name_can_rename(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(scim, "ann")
    done = cli("users", "update", "--user-name", "ann", "--new-user-name", "anne")
    assert done.code == 0 and done.json["userName"] == "anne"
    stored = scim.get_resource("Users", user_id)
    assert stored is not None and stored["userName"] == "anne"


def test_users_update_replace_sends_data_as_the_whole_user(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(scim, "ann", title="Guide", nickName="A")
    done = cli("users", "update", user_id, "--replace", "--data", '{"userName": "ann"}')
    assert done.code == 0, done.err
    stored = scim.get_resource("Users", user_id)
    assert stored is not None and "title" not in stored and "nickName" not in stored
    assert [r.method for r in scim.requests] == ["PUT"]


def test_users_update_refused_when_someone_else_changed_the_user(
    cli: CLI, scim: SCIMServer
) -> None:
    user_id = add_user(scim, "ann")
    scim.inject(Fault.status(412, body={"detail": "stale"}), method="PUT")
    done = cli("users", "update", user_id, "--title", "x")
    assert done.code == 1 and "HTTP 412 Precondition Failed" in done.err


def test_users_patch_set_add_remove(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(scim, "ann", title="Guide", nickName="A")
    done = cli(
        "users",
        "patch",
        user_id,
        "--set",
        "title=Lead",
        "--set",
        "active=false",
        "--add",
        'emails=[{"value": "a@example.com"}]',
        "--remove",
        "nickName",
    )
    assert done.code == 0, done.err
    body = scim.requests[-1].json
    assert body["Operations"] == [
        {"op": "replace", "path": "title", "value": "Lead"},
        {"op": "replace", "path": "active", "value": False},
        {"op": "add", "path": "emails", "value": [{"value": "a@example.com"}]},
        {"op": "remove", "path": "nickName"},
    ]
    assert done.json["title"] == "Lead" and "nickName" not in done.json


def test_users_patch_with_data_and_a_204_answer(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(scim, "ann")
    scim.inject(Fault.status(204), method="PATCH")
    data = '[{"op": "replace", "path": "title", "value": "x"}]'
    done = cli("users", "patch", "--user-name", "ann", "--data", data)
    assert done.code == 0, done.err
    assert done.json["id"] == user_id  # read again after the 204
    assert cli("users", "patch", user_id, "--data", "{}", "--set", "a=1").code == 2


def test_users_deactivate_and_delete(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(scim, "ann", active=True)
    done = cli("users", "deactivate", user_id)
    assert done.code == 0 and done.json["active"] is False
    assert scim.requests[-1].json["Operations"] == [
        {"op": "replace", "path": "active", "value": False}
    ]
    deleted = cli("users", "delete", "--user-name", "ann", "--format", "table")
    assert deleted.code == 0 and deleted.out == f"deleted user {user_id}\n"
    assert scim.resources("Users") == []
    again = cli("users", "delete", user_id)
    assert again.code == 1 and "HTTP 404" in again.err


def test_delete_prints_a_json_message_in_a_pipe(cli: CLI, scim: SCIMServer) -> None:
    user_id = add_user(scim, "ann")
    assert cli("users", "delete", user_id).json == {"id": user_id, "deleted": True}


# -- groups --------------------------------------------------------------------------------


def test_groups_create_list_get_and_delete(cli: CLI, scim: SCIMServer) -> None:
    ann = add_user(scim, "ann")
    done = cli("groups", "create", "--display-name", "Ops", "--external-id", "g1", "--member", ann)
    assert done.code == 0, done.err
    group_id = done.json["id"]
    assert [m["value"] for m in done.json["members"]] == [ann]
    listed = cli("groups", "list", "--format", "csv")
    assert list(csv.DictReader(io.StringIO(listed.out))) == [
        {"id": group_id, "displayName": "Ops", "externalId": "g1", "members": ann}
    ]
    table = cli("groups", "list", tty=True).out.splitlines()
    assert table[0].split() == ["id", "displayName", "members", "externalId"]
    assert table[2].split() == [group_id, "Ops", "1", "g1"]
    got = cli("groups", "get", "--display-name", "Ops")
    assert got.json["id"] == group_id
    assert cli("groups", "get", group_id, "--format", "jsonl").lines[0]["displayName"] == "Ops"
    assert cli("groups", "delete", "--display-name", "Ops").code == 0
    assert scim.resources("Groups") == []


def test_groups_add_and_remove_members_by_id_and_user_name(cli: CLI, scim: SCIMServer) -> None:
    ann, bob = add_user(scim, "ann"), add_user(scim, "bob")
    group_id = scim.add_resource("Groups", {"displayName": "Ops"})["id"]
    added = cli("groups", "add-member", group_id, ann, "--user-name", "bob", "--format", "table")
    assert added.code == 0, added.err
    assert added.out == f"added 2 members to group {group_id}\n"
    stored = scim.get_resource("Groups", group_id)
    assert stored is not None and sorted(m["value"] for m in stored["members"]) == sorted(
        [ann, bob]
    )
    removed = cli("groups", "remove-member", group_id, ann)
    assert removed.json == {"id": group_id, "removed": [ann]}
    assert scim.requests[-1].json["Operations"] == [
        {"op": "remove", "path": f'members[value eq "{ann}"]'}
    ]
    stored = scim.get_resource("Groups", group_id)
    assert stored is not None and [m["value"] for m in stored["members"]] == [bob]


def test_groups_update_merges_options_and_sends_if_match(cli: CLI, scim: SCIMServer) -> None:
    ann, bob = add_user(scim, "ann"), add_user(scim, "bob")
    group_id = scim.add_resource(
        "Groups", {"displayName": "Ops", "externalId": "o-1", "members": [{"value": ann}]}
    )["id"]
    done = cli(
        "groups",
        "update",
        "--display-name",
        "Ops",
        "--new-display-name",
        "Run",
        "--external-id",
        "r-1",
    )
    assert done.code == 0, done.err
    assert done.json["displayName"] == "Run" and done.json["externalId"] == "r-1"
    assert [m["value"] for m in done.json["members"]] == [ann]  # kept as it was
    put = scim.requests[-1]
    assert put.method == "PUT" and put.headers.get("If-Match")
    changed = cli("groups", "update", group_id, "--member", bob, "--member", ann)
    assert sorted(m["value"] for m in changed.json["members"]) == sorted([ann, bob])
    emptied = cli("groups", "update", group_id, "--no-members", "--data", '{"externalId": "x"}')
    assert emptied.code == 0 and not emptied.json.get("members")
    stored = scim.get_resource("Groups", group_id)
    assert stored is not None
    assert stored["displayName"] == "Run" and stored["externalId"] == "x"
    assert not stored.get("members")
    nothing = cli("groups", "update", group_id)
    assert nothing.code == 2 and "nothing to change" in nothing.err
    both = cli("groups", "update", group_id, "--member", ann, "--no-members")
    assert both.code == 2


def test_groups_rename_by_name_and_by_id_with_one_patch(cli: CLI, scim: SCIMServer) -> None:
    ann = add_user(scim, "ann")
    group_id = scim.add_resource("Groups", {"displayName": "Ops", "members": [{"value": ann}]})[
        "id"
    ]
    scim.clear_requests()
    done = cli("groups", "rename", "Ops", "Run")
    assert done.code == 0 and done.json["displayName"] == "Run"
    assert [r.method for r in scim.requests] == ["GET", "PATCH"]
    # The PATCH names displayName alone: members are neither read back nor sent.
    assert "members" not in scim.requests[-1].body.decode()
    by_id = cli("groups", "rename", "--id", group_id, "Run Team", "--format", "table", tty=True)
    assert by_id.code == 0 and ["displayName", "Run", "Team"] in [
        line.split() for line in by_id.out.splitlines()
    ]
    stored = scim.get_resource("Groups", group_id)
    assert stored is not None
    assert stored["displayName"] == "Run Team" and [m["value"] for m in stored["members"]] == [ann]
    unknown = cli("groups", "rename", "Ops", "X")
    assert unknown.code == 1 and "no group with displayName 'Ops'" in unknown.err
    for argv in (["Run Team"], ["A", "B", "C"], ["--id", group_id, "A", "B"], ["Run Team", " "]):
        assert cli("groups", "rename", *argv).code == 2, argv


def test_groups_update_and_rename_speak_scim_1_1(v1_server: SCIMServer) -> None:
    cli = CLI({"SCIM_BASE_URL": v1_server.url, "SCIM_TOKEN": v1_server.token or ""})
    group_id = v1_server.add_resource("Groups", {"displayName": "Ops"})["id"]
    renamed = cli("--scim-version", "1.1", "groups", "rename", "Ops", "Run")
    assert renamed.code == 0, renamed.err
    assert v1_server.requests[-1].json == {
        "schemas": ["urn:scim:schemas:core:1.0"],
        "displayName": "Run",
    }
    updated = cli("--scim-version", "1.1", "groups", "update", group_id, "--external-id", "r")
    assert updated.code == 0, updated.err
    stored = v1_server.get_resource("Groups", group_id)
    assert stored is not None and stored["externalId"] == "r"


def test_groups_get_ambiguous_display_name_exits_1(cli: CLI, scim: SCIMServer) -> None:
    for _ in range(2):
        scim.add_resource("Groups", {"displayName": "Ops"})
    done = cli("groups", "get", "--display-name", "Ops")
    assert done.code == 1 and "2 resources match" in done.err


# -- SCIM 1.1 ------------------------------------------------------------------------------


def test_scim_1_1_patches_are_partial_resources(v1_server: SCIMServer) -> None:
    cli = CLI({"SCIM_BASE_URL": v1_server.url, "SCIM_TOKEN": v1_server.token or ""})
    user_id = add_user(v1_server, "ann", title="Guide", nickName="A", active=True)
    done = cli(
        "--scim-version",
        "1.1",
        "users",
        "patch",
        user_id,
        "--set",
        "name.givenName=Ann",
        "--remove",
        "nickName",
    )
    assert done.code == 0, done.err
    body = v1_server.requests[-1].json
    assert body["name"] == {"givenName": "Ann"} and body["meta"] == {"attributes": ["nickName"]}
    assert cli("users", "deactivate", user_id, "--scim-version", "1.1").json["active"] is False
    group_id = v1_server.add_resource("Groups", {"displayName": "Ops"})["id"]
    add = cli("groups", "add-member", group_id, user_id, "--scim-version", "1.1")
    assert add.code == 0, add.err
    assert v1_server.requests[-1].json["members"] == [{"value": user_id}]
    remove = cli("groups", "remove-member", group_id, user_id, "--scim-version", "1.1")
    assert remove.code == 0, remove.err
    stored = v1_server.get_resource("Groups", group_id)
    assert stored is not None and not stored.get("members")
    assert cli("users", "patch", user_id, "--scim-version", "1.1", "--set", "a[x]=1").code == 2


# -- search, discover, raw -----------------------------------------------------------------


def test_search_one_page_with_every_query_option(cli: CLI, scim: SCIMServer) -> None:
    for name in ("ann", "bob", "cal", "dee"):
        add_user(scim, name, title=name.upper())
    done = cli(
        "search",
        "Users",
        "--filter",
        'userName ne "dee"',
        "--attributes",
        "userName,title",
        "--sort-by",
        "userName",
        "--sort-order",
        "descending",
        "--count",
        "2",
        "--start-index",
        "2",
        "--format",
        "jsonl",
    )
    assert done.code == 0, done.err
    assert [u["userName"] for u in done.lines] == ["bob", "ann"]
    query = scim.requests[-1].query
    assert query["startIndex"] == ["2"] and query["count"] == ["2"]
    assert query["sortOrder"] == ["descending"]


def test_search_table_tells_which_results_it_shows(cli: CLI, scim: SCIMServer) -> None:
    for name in ("ann", "bob", "cal"):
        add_user(scim, name)
    done = cli("search", "users", "--count", "2", tty=True)
    assert done.code == 0 and done.err == "results 1-2 of 3\n"
    assert done.out.splitlines()[0].split()[:2] == ["id", "userName"]
    none = cli("search", "Groups", tty=True)
    assert none.err == "no results (totalResults 0)\n"


def test_search_range_line_only_with_a_table_or_verbose(cli: CLI, scim: SCIMServer) -> None:
    for name in ("ann", "bob", "cal"):
        add_user(scim, name)
    for fmt in ("json", "jsonl", "csv"):
        done = cli("search", "users", "--count", "2", "--format", fmt, tty=True)
        assert done.code == 0 and done.err == "", fmt
    assert cli("search", "Groups", "--format", "json").err == ""
    assert cli("groups", "list", "--format", "json").err == ""
    verbose = cli("search", "users", "--count", "2", "--format", "json", "-v")
    assert verbose.code == 0 and "results 1-2 of 3\n" in verbose.err
    assert [u["userName"] for u in verbose.json] == ["ann", "bob"]
    assert "no groups\n" in cli("groups", "list", "-v").err


def test_search_any_endpoint_and_every_type(cli: CLI, scim: SCIMServer) -> None:
    with SCIMServer(token=TOKEN, resource_types={"Devices": "urn:example:Device"}) as devices:
        devices.add_resource("Devices", {"serialNumber": "X1", "rack": 4})
        devices.add_resource("Users", {"userName": "ann"})
        env = {"SCIM_BASE_URL": devices.url}
        found = cli("search", "/Devices", "--format", "csv", env=env)
        assert found.code == 0, found.err
        rows = list(csv.DictReader(io.StringIO(found.out)))
        assert rows[0]["serialNumber"] == "X1" and rows[0]["rack"] == "4"
        every = cli("search", "/", env=env)
        assert sorted(r.get("userName") or r.get("serialNumber") for r in every.json) == [
            "X1",
            "ann",
        ]
        assert devices.requests[-1].method == "POST" and devices.requests[-1].path.endswith(
            "/.search"
        )


def test_search_post_sends_the_query_in_a_body(cli: CLI, scim: SCIMServer) -> None:
    add_user(scim, "ann")
    done = cli("search", "Users", "--post", "--filter", 'userName eq "ann"')
    assert done.code == 0 and [u["userName"] for u in done.json] == ["ann"]
    sent = scim.requests[-1]
    assert sent.method == "POST" and sent.json["filter"] == 'userName eq "ann"'


def test_search_with_a_bad_filter_exits_1_with_scim_type(cli: CLI) -> None:
    done = cli("search", "Users", "--filter", 'userName eq "unterminated')
    assert done.code == 1 and "scimType invalidFilter" in done.err


def test_discover_table_shows_features_schemes_types_and_schemas(cli: CLI) -> None:
    done = cli("discover", tty=True)
    assert done.code == 0, done.err
    lines = [line.split() for line in done.out.splitlines()]
    assert ["patch", "yes"] in lines and ["changePassword", "no"] in lines
    assert ["bulk", "yes", "maxOperations=1000,", "maxPayloadSize=1048576"] in lines
    assert ["etag", "yes"] in lines and ["sort", "yes"] in lines
    assert ["filter", "yes", "maxResults=1000"] in lines
    for title in ("Features", "Authentication schemes", "Resource types", "Schemas"):
        assert [title] in [[" ".join(line)] for line in lines]
    assert any(line[:2] == ["oauthbearertoken", "OAuth"] for line in lines)
    assert any(line[:2] == ["User", "/Users"] for line in lines)


def test_discover_json_and_csv(cli: CLI) -> None:
    document = cli("discover").json
    assert document["serviceProviderConfig"]["patch"] == {"supported": True}
    assert [t["endpoint"] for t in document["resourceTypes"]] == ["/Users", "/Groups"]
    assert len(document["schemas"]) == 3
    rows = list(csv.DictReader(io.StringIO(cli("discover", "--format", "csv").out)))
    assert rows[0] == {"feature": "patch", "supported": "yes", "details": ""}


def test_discover_copes_without_resource_types_and_schemas(cli: CLI, scim: SCIMServer) -> None:
    scim.inject(Fault.status(404), path="/ResourceTypes")
    scim.inject(Fault.status(404), path="/Schemas")
    done = cli("discover", tty=True)
    assert done.code == 0, done.err
    assert "/ResourceTypes: not available (HTTP 404)" in done.out
    assert "Resource types" not in done.out


def test_raw_get_post_and_include(cli: CLI, scim: SCIMServer) -> None:
    add_user(scim, "ann")
    got = cli("raw", "GET", "/Users?count=1&filter=userName%20eq%20%22ann%22")
    assert got.code == 0 and got.json["totalResults"] == 1
    assert scim.requests[-1].query["filter"] == ['userName eq "ann"']
    posted = cli("raw", "post", "Users", "--data", '{"userName": "bob"}', "-i")
    assert posted.code == 0, posted.err
    head, _, body = posted.out.partition("\n\n")
    assert head.splitlines()[0] == "HTTP 201 Created"
    assert "Content-Type: application/scim+json" in head
    assert json.loads(body)["userName"] == "bob"
    compact = cli("raw", "GET", "/ServiceProviderConfig", "--format", "jsonl")
    assert compact.out.count("\n") == 1


def test_raw_error_prints_the_body_and_exits_1(cli: CLI) -> None:
    done = cli("raw", "GET", "/Users/nope")
    assert done.code == 1
    assert done.json["status"] == "404"
    assert "HTTP 404" in done.err
    assert cli("raw", "GET", "http://elsewhere.example/x").code == 2


# -- connection, token and exit codes ------------------------------------------------------


def test_options_work_before_and_after_the_command(cli: CLI, scim: SCIMServer) -> None:
    add_user(scim, "ann")
    env = {"SCIM_BASE_URL": "http://127.0.0.1:1/nowhere"}
    before = cli("--base-url", scim.url, "--format", "jsonl", "users", "list", env=env)
    after = cli("users", "list", "--base-url", scim.url, "--format", "jsonl", env=env)
    assert before.code == after.code == 0
    assert before.out == after.out and before.lines[0]["userName"] == "ann"


def test_missing_base_url_or_token_is_a_usage_error(scim: SCIMServer) -> None:
    cli = CLI({})
    done = cli("users", "list")
    assert done.code == 2 and "no SCIM base URL" in done.err
    done = cli("users", "list", env={"SCIM_BASE_URL": scim.url})
    assert done.code == 2 and "no token: set $SCIM_TOKEN" in done.err
    assert scim.requests == []


def test_token_from_another_variable(scim: SCIMServer) -> None:
    cli = CLI({"SCIM_BASE_URL": scim.url, "MY_TOKEN": TOKEN, "SCIM_TOKEN": "wrong-token"})
    assert cli("users", "list", "--token-env", "MY_TOKEN").code == 0
    refused = cli("users", "list")
    assert refused.code == 1 and "HTTP 401" in refused.err


def test_token_prompt_only_on_a_terminal(scim: SCIMServer) -> None:
    cli = CLI({"SCIM_BASE_URL": scim.url})
    cli.answer = TOKEN
    done = cli("users", "list", stdin_tty=True)
    assert done.code == 0, done.err
    assert cli.prompts == ["SCIM bearer token (or set $SCIM_TOKEN): "]
    assert TOKEN not in done.out + done.err
    assert cli("users", "list").code == 2 and len(cli.prompts) == 1


def test_no_token_sends_no_authorization(cli: CLI) -> None:
    with SCIMServer(token=None) as open_server:
        done = cli("users", "list", "--no-token", env={"SCIM_BASE_URL": open_server.url})
        assert done.code == 0, done.err
        assert "Authorization" not in open_server.requests[-1].headers


def test_bad_base_url_is_a_usage_error(cli: CLI) -> None:
    done = cli("users", "list", "--base-url", "ftp://example.com/scim")
    assert done.code == 2 and "http:// or https://" in done.err


def test_a_closed_port_exits_3(cli: CLI, sleeps: SleepRecorder) -> None:
    done = cli("users", "list", "--base-url", closed_port_url())
    assert done.code == 3 and done.out == ""
    assert done.err.startswith("scimkit: network error (ConnectError): ")
    assert done.err.count("\n") == 1 and "Traceback" not in done.err


def test_a_timeout_exits_3_and_says_a_write_may_have_happened(
    cli: CLI, scim: SCIMServer, sleeps: SleepRecorder
) -> None:
    scim.inject(Fault.delay(2), method="POST")
    done = cli("users", "create", "--user-name", "ann", "--timeout", "0.2")
    assert done.code == 3
    assert "ReadTimeout" in done.err and "may have reached the server" in done.err


def test_insecure_warns_loudly(cli: CLI) -> None:
    done = cli("users", "list", "--insecure")
    assert done.code == 0
    assert "WARNING: --insecure" in done.err and "NOT verified" in done.err


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
@pytest.mark.parametrize("resource", ["users", "groups"])
def test_a_list_that_fails_before_its_first_page_prints_nothing(
    cli: CLI, sleeps: SleepRecorder, fmt: str, resource: str
) -> None:
    done = cli("--format", fmt, resource, "list", "--base-url", closed_port_url(), tty=True)
    assert done.code == 3 and done.out == ""
    assert done.err.startswith("scimkit: network error (ConnectError): ")


def test_insecure_reaches_a_self_signed_https_server_and_only_with_it(
    sleeps: SleepRecorder,
) -> None:
    with SCIMServer(token=TOKEN, ssl_context=server_context()) as https_server:
        add_user(https_server, "ann")
        cli = CLI({"SCIM_BASE_URL": https_server.url, "SCIM_TOKEN": TOKEN})
        assert https_server.url.startswith("https://")
        verified = cli("users", "list", "--format", "jsonl")
        assert verified.code == 3 and verified.out == ""
        assert verified.err.startswith("scimkit: network error (TLSError): ")
        assert "CERTIFICATE_VERIFY_FAILED" in verified.err
        assert "WARNING" not in verified.err and https_server.requests == []
        insecure = cli("users", "list", "--format", "jsonl", "--insecure")
        assert insecure.code == 0, insecure.err
        assert [u["userName"] for u in insecure.lines] == ["ann"]
        assert "WARNING: --insecure" in insecure.err and "NOT verified" in insecure.err
        assert len(https_server.requests) == 1


SECRET = "s3cr3tTOKEN-9f2a"

#: Every way of putting a token on the command line that argparse used to turn into
#: `--token-env VALUE`, and the forms it is refused in, before and after the command.
TOKEN_ON_THE_COMMAND_LINE = [
    ["--token", SECRET, "users", "list"],
    [f"--token={SECRET}", "users", "list"],
    ["users", "list", "--token", SECRET],
    ["users", "list", f"--token={SECRET}"],
    ["users", "--token", SECRET, "list"],
    ["--tok", SECRET, "users", "list"],
    ["users", "list", "--tok", SECRET],
    [f"--toke={SECRET}", "users", "list"],
    ["export", "users", "--out", "users.csv", "--token", SECRET],
    ["serve", "--token", SECRET],
    ["demo", f"--token={SECRET}"],
    ["users", "list", "--token"],
]


@pytest.mark.parametrize("argv", TOKEN_ON_THE_COMMAND_LINE, ids=" ".join)
def test_a_token_on_the_command_line_is_refused_without_repeating_it(
    cli: CLI, scim: SCIMServer, argv: list[str]
) -> None:
    done = cli(*argv)
    assert done.code == 2
    assert done.out == "" and done.err == TOKEN_REFUSED + "\n"
    assert SECRET not in done.err
    assert scim.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--to", SECRET, "users", "list"],
        ["users", "list", "--tokens", SECRET],
        ["--token-e", SECRET, "users", "list"],
        ["users", "list", f"--password={SECRET}"],
        ["export", "--api-key", SECRET, "users", "--out", "users.csv"],
        ["users", "get", "--bearer", SECRET],
        ["users", "list", "--token-env"],
    ],
    ids=" ".join,
)
def test_other_secret_like_options_are_usage_errors_that_hide_their_value(
    cli: CLI, scim: SCIMServer, argv: list[str]
) -> None:
    done = cli(*argv)
    assert done.code == 2 and done.out == ""
    assert "scimkit" in done.err and "error:" in done.err
    assert SECRET not in done.err
    assert scim.requests == []


def test_a_token_given_to_token_env_is_not_repeated(cli: CLI, scim: SCIMServer) -> None:
    done = cli("users", "list", "--token-env", SECRET)
    assert done.code == 2 and "--token-env names is not set" in done.err
    assert SECRET not in done.err
    shown = cli("users", "list", "--token-env", "MY_TOKEN")
    assert shown.code == 2 and "no token: set $MY_TOKEN" in shown.err
    assert scim.requests == []


def test_help_does_not_offer_token(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["users", "list", "--help"], ["serve", "--help"]):
        assert main(argv) == 0
        shown = capsys.readouterr().out
        assert "--tok " not in shown and "--token " not in shown and "--token]" not in shown
    assert "--token-env" in shown


@pytest.mark.parametrize(
    ("argv", "values"),
    [
        (["--tok", "s3cr3t", "users", "list"], ["s3cr3t"]),
        (["users", "list", "--password=s3cr3t"], ["s3cr3t"]),
        (["--to", "abc", "--Api-Key", "k3y"], ["abc", "k3y"]),
        (["--token-env", "MY_TOKEN", "--no-token", "users", "--no-auth", "x"], []),
        (["--tokens", "--format", "json"], []),
        (["--secret"], []),
        (["--secret="], []),
        (["raw", "GET", "/x", "--", "--token", "x"], []),
        (["users", "list", "--filter", "token eq 1"], []),
    ],
)
def test_secret_values_are_the_words_given_to_secret_like_options(
    argv: list[str], values: list[str]
) -> None:
    assert secret_values(argv) == values


@pytest.mark.parametrize(
    ("text", "values", "hidden"),
    [
        (
            "unrecognized arguments: --tok s3cr3t",
            ["s3cr3t"],
            "unrecognized arguments: --tok [secure]",
        ),
        ("invalid choice: 'a\\\\b'", ["a\\b"], "invalid choice: '[secure]'"),
        (
            "invalid choice: 'x' (choose from 'export')",
            ["x"],
            "invalid choice: '[secure]' (choose from 'export')",
        ),
        ("nothing to hide", [], "nothing to hide"),
    ],
)
def test_hide_secret_values(text: str, values: list[str], hidden: str) -> None:
    assert hide_secret_values(text, values) == hidden


def test_verbose_logs_requests_and_tracebacks_without_the_token(cli: CLI, scim: SCIMServer) -> None:
    done = cli("-v", "users", "get", "nope")
    assert done.code == 1
    assert "DEBUG scimkit" in done.err and "Traceback" in done.err
    assert "[secure]" in done.err
    assert TOKEN not in done.out + done.err


def test_the_token_never_shows_whatever_happens(
    cli: CLI, scim: SCIMServer, sleeps: SleepRecorder
) -> None:
    user_id = add_user(scim, "ann")
    # A server that echoes the token in its error detail.
    scim.inject(Fault.status(400, body={"detail": f"bad token {TOKEN}", "status": "400"}))
    runs = [
        cli("-v", "users", "get", user_id),
        cli("-v", "users", "list", "--format", "table", tty=True),
        cli("-v", "discover"),
        cli("-v", "raw", "GET", "/Users"),
        cli("-v", "users", "list", "--base-url", closed_port_url()),
        cli("-v", "users", "create", "--user-name", "ann"),
    ]
    assert runs[0].code == 1 and "bad token [secure]" in runs[0].err
    for done in runs:
        assert TOKEN not in done.out and TOKEN not in done.err


def test_a_short_token_is_hidden_only_as_a_whole_word() -> None:
    with SCIMServer(token="scim") as short:
        cli = CLI({"SCIM_BASE_URL": short.url, "SCIM_TOKEN": "scim"})
        short.inject(Fault.status(400, body={"detail": "bad token scim.", "status": "400"}))
        done = cli("-v", "users", "list")
    assert done.code == 1
    # The logger's name and the package in the traceback stay readable...
    assert "DEBUG scimkit" in done.err and "[secure]kit" not in done.err
    assert "scimkit/cli.py" in done.err
    # ...and the token the server echoed does not show.
    last = done.err.splitlines()[-1]
    assert last.startswith("scimkit: the server refused: HTTP 400 Bad Request: bad token [secure].")
    # The base URL's `/scim/` segment is the token as a whole word, so it is hidden too.
    assert "/[secure]/v2/Users" in last
    assert re.search(r"\bscim\b", done.err) is None


def test_main_runs_in_process_with_the_real_streams(
    scim: SCIMServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCIM_BASE_URL", scim.url)
    monkeypatch.setenv("SCIM_TOKEN", TOKEN)
    add_user(scim, "ann")
    assert main(["users", "list"]) == 0
    captured = capsys.readouterr()
    assert [u["userName"] for u in json.loads(captured.out)] == ["ann"]
    assert main(["users", "get", "nope"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


# -- real processes ------------------------------------------------------------------------


def scimkit(
    *argv: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scimkit", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


def test_python_m_scimkit_exit_codes_in_a_real_process(scim: SCIMServer) -> None:
    add_user(scim, "ann")
    env = {"SCIM_BASE_URL": scim.url, "SCIM_TOKEN": TOKEN}
    listed = scimkit("users", "list", "--format", "jsonl", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["userName"] == "ann"
    refused = scimkit("users", "get", "nope", env=env)
    assert refused.returncode == 1 and "HTTP 404" in refused.stderr
    usage = scimkit("users", "create", env=env)
    assert usage.returncode == 2
    offline = scimkit("users", "list", env={**env, "SCIM_BASE_URL": closed_port_url()})
    assert offline.returncode == 3 and "ConnectError" in offline.stderr
    for done in (listed, refused, usage, offline):
        assert TOKEN not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


def test_a_token_on_the_command_line_never_shows_in_a_real_process() -> None:
    env = {"SCIM_BASE_URL": closed_port_url()}
    for argv in (
        ["--token", SECRET, "users", "list"],
        ["users", "list", f"--token={SECRET}"],
        ["--tok", SECRET, "users", "list"],
        ["--to", SECRET, "users", "list"],
    ):
        done = scimkit(*argv, env=env)
        assert done.returncode == 2, argv
        assert SECRET not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


# Starts the rest of its command line with SIGINT ignored, as a shell without job control
# (`sh -c 'scimkit serve &'`, a CI step run beside others) starts a background command.
SIGINT_IGNORED = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


@pytest.mark.parametrize(
    "launcher", [[], ["-c", SIGINT_IGNORED]], ids=["sigint-default", "sigint-ignored-at-start"]
)
def test_serve_runs_a_server_the_cli_can_use_until_interrupted(launcher: list[str]) -> None:
    port = free_port()
    env = {**os.environ, "SERVE_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            *launcher,
            "-m",
            "scimkit",
            "serve",
            "--port",
            str(port),
            "--token-env",
            "SERVE_TOKEN",
            "--seed-users",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first == f"SCIM 2.0 server at http://127.0.0.1:{port}/scim/v2\n"
        url = first.split()[-1]
        assert process.stdout.readline() == f"export SCIM_BASE_URL={url}\n"
        # A token of the user's own (--token-env) is never printed, only its variable named.
        assert process.stdout.readline() == 'export SCIM_TOKEN="$SERVE_TOKEN"\n'
        cli = CLI({"SCIM_BASE_URL": url, "SCIM_TOKEN": TOKEN})
        listed = cli("users", "list")
        assert [u["userName"] for u in listed.json] == ["user00001", "user00002", "user00003"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            # Never leave the process (and its pipes) behind for later tests to trip over.
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"serve did not stop within 30 s of Ctrl+C; stderr: {err}")
    assert process.returncode == 0, err
    assert TOKEN not in out + err


@pytest.mark.parametrize(
    ("token", "token_env", "second"),
    [
        ("Zk3v-8_q", None, "export SCIM_TOKEN=Zk3v-8_q"),
        ("it's $x", None, "export SCIM_TOKEN='it'\"'\"'s $x'"),
        ("from-env", "SERVE_TOKEN", 'export SCIM_TOKEN="$SERVE_TOKEN"'),
        ("from-env", "not a name", "# the token is the value of the variable --token-env names"),
        (None, None, "# no token needed (--no-auth): clients pass --no-token"),
    ],
)
def test_serve_prints_lines_to_paste_into_a_shell(
    token: str | None, token_env: str | None, second: str
) -> None:
    lines = serve_exports("http://127.0.0.1:8080/scim/v2", token, token_env)
    assert lines == ["export SCIM_BASE_URL=http://127.0.0.1:8080/scim/v2", second]
    if token_env is not None:
        assert "from-env" not in "\n".join(lines)


def test_serve_prints_its_own_throwaway_token_shell_quoted() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scimkit", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        # What a shell makes of the pasted lines is what the server accepts.
        pasted = dict(shlex.split(line.split(" ", 1)[1])[0].split("=", 1) for line in lines[1:3])
        listed = CLI(pasted)("users", "list")
        wrong = CLI({**pasted, "SCIM_TOKEN": "wrong-token"})("users", "list")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    url = f"http://127.0.0.1:{port}/scim/v2"
    assert lines[0] == f"SCIM 2.0 server at {url}\n"
    assert lines[1] == f"export SCIM_BASE_URL={url}\n"
    assert lines[2].startswith("export SCIM_TOKEN=") and lines[3] == "press Ctrl+C to stop\n"
    assert pasted["SCIM_BASE_URL"] == url and pasted["SCIM_TOKEN"]
    assert listed.code == 0 and listed.json == [], listed.err
    # The token is the server's: another one is refused.
    assert wrong.code == 1 and "HTTP 401" in wrong.err


def test_serve_without_a_token_variable_is_a_usage_error(cli: CLI) -> None:
    done = cli("serve", "--port", "0", "--token-env", "UNSET_VARIABLE_FOR_TEST")
    assert done.code == 2 and "$UNSET_VARIABLE_FOR_TEST is not set" in done.err


def test_ctrl_c_exits_130_and_ctrl_d_at_the_prompt_is_no_token(scim: SCIMServer) -> None:
    cli = CLI({"SCIM_BASE_URL": scim.url})
    cli.answer = KeyboardInterrupt
    done = cli("users", "list", stdin_tty=True)
    assert done.code == 130 and done.err == "scimkit: interrupted\n"
    cli.answer = EOFError
    done = cli("users", "list", stdin_tty=True)
    assert done.code == 2 and "no token" in done.err


def test_a_local_file_error_is_one_line_and_exit_2(
    cli: CLI, scim: SCIMServer, tmp_path: Any
) -> None:
    add_user(scim, "ann")
    folder = tmp_path / "not-a-file.jsonl"
    folder.mkdir()
    # os.replace onto a directory fails after every page was written.
    done = cli("export", "users", "--out", str(folder))
    assert done.code == 2 and done.err.startswith("scimkit: error: ")
    assert "Traceback" not in done.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-file.jsonl"]


# -- dispatch ------------------------------------------------------------------------------


def test_every_command_the_parser_defines_has_a_handler_that_imports() -> None:
    # The table names handlers as "module:function", imported only when the command runs:
    # a missing or misspelt entry would otherwise surface only when someone runs it.
    from scimkit._cli.dispatch import COMMANDS, handler
    from scimkit._cli.parser import build_parser, command_paths

    paths = command_paths(build_parser())
    assert ("users", "list") in paths and ("sync", None) in paths
    assert sorted(paths, key=str) == sorted(COMMANDS, key=str)
    for command, action in paths:
        assert callable(handler(command, action)), (command, action)

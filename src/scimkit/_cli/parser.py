"""The argparse definition of `scimkit`.

The connection and output options are accepted before the command and after it
(`scimkit -v users list` and `scimkit users list -v`): every sub-parser declares them again
with `argparse.SUPPRESS` as default, so that an option left out after the command does not
overwrite one given before it. Only the top-level help lists the connection options; a
command's help hides them and ends with a line pointing there, then its examples (`EXAMPLES`).

No parser accepts abbreviations (`allow_abbrev=False`): argparse's prefix matching made
`--token VALUE` mean `--token-env VALUE`, and the token came back in the error about a
variable of that name. `--token` itself is an option on every parser only to refuse it,
without repeating its value.

Start-up: this module imports no command module, and a command's parser is made (with its
options) only when the command is chosen (`_CommandParser`), so `scimkit --version` and
`--help` cost argparse and the top-level parser alone.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from typing import Any

from .._version import __version__
from .console import EXIT_USAGE, FORMATS

__all__ = [
    "EXAMPLES",
    "TOKEN_REFUSED",
    "build_parser",
    "command_paths",
    "hide_secret_values",
    "secret_values",
]

TOKEN_REFUSED = (
    "scimkit: error: --token is not accepted: a token on the command line is visible to "
    "other users of the machine and in shell history; put it in an environment variable "
    "and name it with --token-env (default SCIM_TOKEN)"
)

_EPILOG = """\
Connection: --base-url or $SCIM_BASE_URL; the token from $SCIM_TOKEN (see --token-env) or a
prompt. The connection and output options go before or after the command.
Exit codes: 0 success, 1 the server refused, 2 usage, 3 network, 130 interrupted.

examples:
  scimkit serve                      # a local server to try things on (another terminal)
  scimkit users list --filter 'active eq true'
  scimkit groups add-member GROUP_ID --user-name bjensen
  scimkit export users --out users.csv
  scimkit COMMAND --help             # each command's options and examples
"""

#: What every command's help ends with, instead of the connection options again.
_CONNECTION_POINTER = (
    "connection options (--base-url, --token-env, --no-token, --scim-version, --timeout,\n"
    "--proxy, --insecure) go before or after the command: see `scimkit --help`"
)

#: The examples section of each command's help, by the words that name the command.
EXAMPLES: dict[str, str] = {
    "users": """\
  scimkit users list --filter 'active eq true'
  scimkit users get --user-name bjensen
  scimkit users update --user-name bjensen --title 'Tour Guide'""",
    "users list": """\
  scimkit users list --limit 20
  scimkit users list --filter 'emails.value ew "@example.com"' --format csv > users.csv
  scimkit users list --attributes userName,title --sort-by userName""",
    "users get": """\
  scimkit users get 2819c223-7f76-453a-919d-413861904646
  scimkit users get --user-name bjensen --format table""",
    "users create": """\
  scimkit users create --user-name bjensen --email bjensen@example.com \\
      --given-name Barbara --family-name Jensen --external-id 701984
  scimkit users create --data @bjensen.json""",
    "users update": """\
  scimkit users update --user-name bjensen --family-name Jensen-Smith
  scimkit users update --user-name bjensen --new-user-name babs --inactive
  scimkit users update ID --replace --data @user.json""",
    "users patch": """\
  scimkit users patch --user-name bjensen --set title='Tour Guide' --remove nickName
  scimkit users patch ID --add 'emails=[{"value": "b@example.com", "type": "home"}]'
  scimkit users patch ID --data @patchop.json""",
    "users deactivate": """\
  scimkit users deactivate --user-name bjensen""",
    "users delete": """\
  scimkit users delete 2819c223-7f76-453a-919d-413861904646
  scimkit users delete --user-name bjensen --format json""",
    "groups": """\
  scimkit groups create --display-name 'Tour Guides'
  scimkit groups add-member GROUP_ID --user-name bjensen
  scimkit groups rename 'Tour Guides' 'Tour Leads'""",
    "groups list": """\
  scimkit groups list --filter 'displayName sw "Tour"'
  scimkit groups list --excluded-attributes members --format table""",
    "groups get": """\
  scimkit groups get --display-name 'Tour Guides'""",
    "groups create": """\
  scimkit groups create --display-name 'Tour Guides' --member USER_ID --member USER_ID""",
    "groups update": """\
  scimkit groups update --display-name 'Tour Guides' --external-id tg-1
  scimkit groups update GROUP_ID --member USER_ID --member USER_ID   # exactly these members
  scimkit groups update GROUP_ID --no-members""",
    "groups rename": """\
  scimkit groups rename 'Tour Guides' 'Tour Leads'
  scimkit groups rename --id GROUP_ID 'Tour Leads'""",
    "groups add-member": """\
  scimkit groups add-member GROUP_ID USER_ID
  scimkit groups add-member GROUP_ID --user-name bjensen --user-name jsmith""",
    "groups remove-member": """\
  scimkit groups remove-member GROUP_ID --user-name bjensen""",
    "groups delete": """\
  scimkit groups delete --display-name 'Tour Guides'""",
    "search": """\
  scimkit search Users --filter 'title pr' --attributes userName,title --count 20
  scimkit search /Devices --filter 'serialNumber sw "X"' --post
  scimkit search / --filter 'meta.lastModified gt "2024-01-01T00:00:00Z"'""",
    "discover": """\
  scimkit discover
  scimkit discover --format json""",
    "raw": """\
  scimkit raw GET /ServiceProviderConfig
  scimkit raw POST /Users --data '{"userName": "test-user"}' -i""",
    "export": """\
  scimkit export users --out users.jsonl
  scimkit export groups --out groups.csv --excluded-attributes members""",
    "import": """\
  scimkit import users users.csv --dry-run
  scimkit import users users.jsonl --results results.csv
  (a whole directory, with groups and people who left: see `scimkit sync --help`)""",
    "sync": """\
  scimkit sync --users users.csv --groups groups.csv --dry-run
  scimkit sync --users users.csv --plan-out plan.json    # review it, then:
  scimkit sync --apply-plan plan.json --workers 8
  scimkit sync --users hr.jsonl --scope 'userType eq "Employee"' --deprovision delete \\
      --max-deletions 5%""",
    "serve": """\
  scimkit serve --seed-users 250      # then paste the two export lines in another terminal
  scimkit serve --port 0 --no-auth""",
    "demo": """\
  scimkit demo --scim-version 1.1""",
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def _attribute_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give attribute names separated by commas")
    return names


# An option that looks like it carries a secret: any other spelling of --token (`--to`,
# `--token-e`, `--tokens`) and the usual names of other tools (`--password`, `--api-key`).
_SECRET_OPTION = re.compile(r"--(?:to$|.*(?:tok|secret|passw|bearer|key|auth|cred))", re.I)
# Ours, and not secret: a variable's name, and two switches that take no value.
_NOT_SECRET = frozenset({"--token-env", "--no-token", "--no-auth"})


def secret_values(argv: Sequence[str]) -> list[str]:
    """The words of `argv` given to an option that looks like it carries a secret.

    argparse repeats words it does not understand (`unrecognized arguments: --tok VALUE`,
    `invalid choice: 'VALUE'`); these are the ones to hide in what it prints.

        secret_values(["--tok", "s3cr3t", "users", "list"]) == ["s3cr3t"]
        secret_values(["users", "list", "--password=s3cr3t"]) == ["s3cr3t"]
    """
    found: list[str] = []
    for index, word in enumerate(argv):
        if word == "--":
            break
        name, equals, value = word.partition("=")
        if name in _NOT_SECRET or not _SECRET_OPTION.match(name):
            continue
        if not equals and index + 1 < len(argv) and not argv[index + 1].startswith("--"):
            value = argv[index + 1]
        if value:
            found.append(value)
    return found


def hide_secret_values(text: str, values: Sequence[str]) -> str:
    """`text` with each of `values`, as given and as `repr` shows it, replaced by `[secure]`.

    A value shorter than four characters is replaced only where it stands alone, so that
    `--tok x` does not turn every `x` of the message into `[secure]`.
    """
    for value in values:
        for form in dict.fromkeys((value, repr(value)[1:-1])):
            if len(form) >= 4:
                text = text.replace(form, "[secure]")
            else:
                text = re.sub(rf"(?<![\w-]){re.escape(form)}(?![\w-])", "[secure]", text)
    return text


class _RefuseToken(argparse.Action):
    """`--token VALUE`, `--token=VALUE` or a bare `--token`: stop at once, naming the option
    and never its value."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.exit(EXIT_USAGE, TOKEN_REFUSED + "\n")


def _refuse_token(parser: argparse.ArgumentParser) -> None:
    # `--tok` and `--toke` too: the abbreviations that used to reach `--token-env`.
    parser.add_argument(
        "--token",
        "--toke",
        "--tok",
        action=_RefuseToken,
        nargs="?",
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Connection and output options; real defaults only on the top-level parser."""

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    _refuse_token(parser)
    # A command's help lists these once, at the top level, and points there.
    connection: Any = parser.add_argument_group("connection") if top else parser
    shown = (lambda text: text) if top else (lambda text: argparse.SUPPRESS)
    connection.add_argument(
        "--base-url", metavar="URL", default=default(None), help=shown("base URL ($SCIM_BASE_URL)")
    )
    connection.add_argument(
        "--token-env",
        metavar="NAME",
        default=default("SCIM_TOKEN"),
        help=shown(
            "environment variable holding the bearer token (default SCIM_TOKEN); "
            "without it, a terminal prompts for the token"
        ),
    )
    connection.add_argument(
        "--no-token",
        action="store_true",
        default=default(False),
        help=shown("send no Authorization header"),
    )
    connection.add_argument(
        "--scim-version", choices=("2.0", "1.1"), default=default("2.0"), help=shown("default 2.0")
    )
    connection.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        default=default(30.0),
        help=shown("connect and read timeout (default 30)"),
    )
    connection.add_argument(
        "--proxy",
        metavar="URL",
        default=default(None),
        help=shown(
            "http://[user:password@]host:port; default $HTTPS_PROXY/$HTTP_PROXY, '' for none"
        ),
    )
    connection.add_argument(
        "--insecure",
        action="store_true",
        default=default(False),
        help=shown("do not verify TLS certificates (prints a warning; test servers only)"),
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--format",
        choices=FORMATS,
        default=default(None),
        help="default: table on a terminal, json otherwise",
    )
    out.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="log each request and response (tokens redacted) and show tracebacks",
    )


class _CommandParser(argparse.ArgumentParser):
    """A command's parser, made only when the command is chosen.

    `scimkit --version`, `--help` and `scimkit users list` need the names and one-line
    helps of the commands, not twenty parsers and their options: making those costs more
    CPU than the rest of start-up (each `ArgumentParser` looks up translations on disk).
    So the constructor only keeps its arguments; argparse hands the words after a
    command's name to `parse_known_args`, which (like a help or usage request, or any
    look inside) makes the parser and adds its arguments first.
    """

    def __init__(
        self, *args: Any, fill: Callable[[argparse.ArgumentParser], None], **kwargs: Any
    ) -> None:
        # No super().__init__() here: `filled` calls it.
        self._pending = (args, kwargs, fill)

    def filled(self) -> _CommandParser:
        """This parser, made, with all its arguments (and sub-commands) added."""
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            args, kwargs, fill = pending
            super().__init__(*args, **kwargs)
            fill(self)
        return self

    def __getattr__(self, name: str) -> Any:
        # Only for an attribute not set yet: something looks inside before the parse.
        if "_pending" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.filled(), name)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        return super(_CommandParser, self.filled()).parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        return super(_CommandParser, self.filled()).format_usage()

    def format_help(self) -> str:
        return super(_CommandParser, self.filled()).format_help()


def _command(
    commands: Any,
    path: str,
    help_text: str,
    fill: Callable[[argparse.ArgumentParser], None] | None = None,
    *,
    common: bool = True,
) -> None:
    """Add the command `path` names (`"users list"`); `fill` adds its own arguments, after
    the shared ones, when the command is chosen."""
    name = path.split()[-1]
    epilog = "examples:\n" + EXAMPLES[path]
    if common:
        epilog += "\n\n" + _CONNECTION_POINTER

    def fill_all(parser: argparse.ArgumentParser) -> None:
        if common:
            _common_options(parser, top=False)
        else:
            _refuse_token(parser)
        if fill is not None:
            fill(parser)

    commands.add_parser(
        name,
        help=help_text,
        description=help_text[:1].upper() + help_text[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        fill=fill_all,
    )


def _sub_commands(parser: argparse.ArgumentParser) -> Any:
    """The `ACTION` sub-commands of `users` and `groups`, filled lazily as their parent."""
    return parser.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=_CommandParser
    )


def _query_options(parser: argparse.ArgumentParser, *, single_page: bool = False) -> None:
    parser.add_argument("--filter", metavar="FILTER", help="e.g. 'userName sw \"a\"'")
    parser.add_argument(
        "--attributes", type=_attribute_list, metavar="A,B", help="only these attributes"
    )
    parser.add_argument(
        "--excluded-attributes", type=_attribute_list, metavar="A,B", help="leave these out"
    )
    parser.add_argument("--sort-by", metavar="ATTRIBUTE")
    parser.add_argument("--sort-order", choices=("ascending", "descending"))
    if not single_page:
        parser.add_argument("--limit", type=_positive_int, metavar="N", help="stop after N")
        parser.add_argument(
            "--page-size", type=_positive_int, default=100, metavar="N", help="default 100"
        )


def _user_fields(parser: argparse.ArgumentParser, *, rename: bool = False) -> None:
    fields = parser.add_argument_group("attributes")
    # In `update`, --user-name picks the user; the new userName has its own option.
    flag = "--new-user-name" if rename else "--user-name"
    fields.add_argument(flag, dest="set_user_name", metavar="NAME")
    fields.add_argument("--email", metavar="ADDRESS", help="the primary e-mail address")
    fields.add_argument("--given-name", metavar="NAME")
    fields.add_argument("--family-name", metavar="NAME")
    fields.add_argument("--display-name", metavar="NAME")
    fields.add_argument("--title", metavar="TITLE")
    fields.add_argument("--external-id", metavar="ID")
    state = fields.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_const", const=True)
    state.add_argument("--inactive", dest="active", action="store_const", const=False)
    fields.add_argument(
        "--data",
        metavar="JSON",
        help="attributes as JSON, @FILE or - for stdin; the options above override it",
    )


def _user_target(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("id", nargs="?", metavar="ID", help="the user's id")
    target.add_argument("--user-name", dest="by_user_name", metavar="NAME", help="or its userName")


def _group_target(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("id", nargs="?", metavar="ID", help="the group's id")
    target.add_argument(
        "--display-name", dest="by_display_name", metavar="NAME", help="or its displayName"
    )


def _users(users: argparse.ArgumentParser) -> None:
    actions = _sub_commands(users)
    _command(actions, "users list", "list users, every page", _query_options)
    _command(actions, "users get", "show one user", _user_target)
    _command(actions, "users create", "create a user", _user_fields)
    _command(
        actions,
        "users update",
        "change a user: read it, apply the options, write it back (PUT)",
        _user_update,
    )
    _command(
        actions, "users patch", "change some attributes of a user (PATCH)", _user_patch_options
    )
    _command(actions, "users deactivate", "set active to false (PATCH)", _user_target)
    _command(actions, "users delete", "delete a user", _user_target)


def _user_update(update: argparse.ArgumentParser) -> None:
    _user_target(update)
    _user_fields(update, rename=True)
    update.add_argument(
        "--replace", action="store_true", help="send --data as the whole new user, read nothing"
    )


def _user_patch_options(patch: argparse.ArgumentParser) -> None:
    _user_target(patch)
    _patch_options(patch)


def _patch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="replace; VALUE is read as JSON when it is JSON (true, 3, [...]), else text",
    )
    parser.add_argument("--add", action="append", default=[], metavar="PATH=VALUE")
    parser.add_argument("--remove", action="append", default=[], metavar="PATH")
    parser.add_argument(
        "--data",
        metavar="JSON",
        help="a PatchOp, a list of operations or a partial resource; JSON, @FILE or -",
    )


def _groups(groups: argparse.ArgumentParser) -> None:
    actions = _sub_commands(groups)
    _command(actions, "groups list", "list groups, every page", _query_options)
    _command(actions, "groups get", "show one group", _group_target)
    _command(actions, "groups create", "create a group", _group_create)
    _command(
        actions,
        "groups update",
        "change a group: read it, apply the options, write it back (PUT)",
        _group_update,
    )
    _command(actions, "groups rename", "give a group a new displayName (one PATCH)", _group_rename)
    for name, verb in (("add-member", "add members to"), ("remove-member", "remove members from")):
        _command(actions, f"groups {name}", f"{verb} a group (PATCH)", _membership_change)
    _command(actions, "groups delete", "delete a group", _group_target)


def _group_create(create: argparse.ArgumentParser) -> None:
    create.add_argument("--display-name", dest="set_display_name", metavar="NAME")
    create.add_argument("--external-id", metavar="ID")
    create.add_argument(
        "--member", action="append", default=[], metavar="ID", help="a member's id (repeat)"
    )
    create.add_argument("--data", metavar="JSON", help="the group as JSON, @FILE or -")


def _group_update(update: argparse.ArgumentParser) -> None:
    _group_target(update)
    # In `update`, --display-name picks the group; the new displayName has its own option.
    update.add_argument("--new-display-name", dest="set_display_name", metavar="NAME")
    update.add_argument("--external-id", metavar="ID")
    members = update.add_mutually_exclusive_group()
    members.add_argument(
        "--member",
        action="append",
        metavar="ID",
        help="a member's id (repeat); the group then has exactly these members",
    )
    members.add_argument("--no-members", action="store_true", help="remove every member")
    update.add_argument(
        "--data",
        metavar="JSON",
        help="attributes as JSON, @FILE or - for stdin; the options above override it",
    )


def _group_rename(rename: argparse.ArgumentParser) -> None:
    rename.add_argument(
        "names", nargs="+", metavar="NAME", help="OLD NEW: the current displayName and the new one"
    )
    rename.add_argument(
        "--id", dest="group_id", metavar="ID", help="the group by id; then give only NEW"
    )


def _membership_change(change: argparse.ArgumentParser) -> None:
    change.add_argument("group", metavar="GROUP_ID")
    change.add_argument("members", nargs="*", metavar="MEMBER_ID")
    change.add_argument(
        "--user-name",
        action="append",
        default=[],
        dest="member_user_names",
        metavar="NAME",
        help="a member by userName (repeat)",
    )


def _sync(sync: argparse.ArgumentParser) -> None:
    sync.description = (
        "Make the server's users and groups agree with files: plan, review, apply.\n\n"
        "The server is read once, a page at a time, and compared in memory; only the\n"
        "differences are written. A server user that no row and no --scope selects is\n"
        "never touched, and more deactivations and deletions than --max-deletions block\n"
        "the run before any write."
    )
    source = sync.add_argument_group("what should exist")
    source.add_argument(
        "--users",
        metavar="FILE",
        help="FILE.csv (the columns `export` writes) or FILE.jsonl (one user a line)",
    )
    source.add_argument(
        "--groups",
        metavar="FILE",
        help="FILE.csv (displayName,member: one row per membership) or FILE.jsonl "
        "(displayName and members, a list of user keys); without it groups are left alone",
    )
    rules = sync.add_argument_group("rules")
    rules.add_argument(
        "--match",
        choices=("externalId", "userName"),
        help="the key that ties a row to a server user (default externalId, then userName)",
    )
    rules.add_argument(
        "--scope", metavar="FILTER", help="only server users this filter selects are managed"
    )
    rules.add_argument(
        "--deprovision",
        choices=("deactivate", "delete", "keep"),
        help="what happens to a managed user no row has (default deactivate)",
    )
    rules.add_argument(
        "--max-deletions",
        metavar="N|P%",
        help="block the run when more users would be deactivated or deleted (default 500)",
    )
    rules.add_argument(
        "--delete-groups",
        action="store_true",
        default=None,
        help="delete server groups that --groups does not list",
    )
    mode = sync.add_argument_group("mode (default: plan, then apply at once)")
    modes = mode.add_mutually_exclusive_group()
    modes.add_argument(
        "--dry-run", action="store_true", help="read and show the planned changes; write nothing"
    )
    modes.add_argument(
        "--plan-out", metavar="FILE", help="show the plan and save it as JSON; write nothing"
    )
    modes.add_argument(
        "--apply-plan", metavar="FILE", help="carry out a plan saved with --plan-out"
    )
    mode.add_argument(
        "--workers", type=_positive_int, default=4, metavar="N", help="parallel writes (default 4)"
    )


def _search(search: argparse.ArgumentParser) -> None:
    search.add_argument(
        "resource", metavar="RESOURCE", help="an endpoint: Users, Groups, /Devices, or / for all"
    )
    _query_options(search, single_page=True)
    search.add_argument("--count", type=_non_negative_int, metavar="N", help="page size")
    search.add_argument("--start-index", type=_positive_int, metavar="N", help="1-based")
    search.add_argument("--post", action="store_true", help="send the query in a POST .search body")


def _raw(raw: argparse.ArgumentParser) -> None:
    raw.add_argument("method", metavar="METHOD", help="GET, POST, PUT, PATCH, DELETE…")
    raw.add_argument("path", metavar="PATH", help="relative to the base URL, e.g. /Users?count=1")
    raw.add_argument("--data", metavar="JSON", help="the request body: JSON, @FILE or -")
    raw.add_argument(
        "-i", "--include", action="store_true", help="print the status line and headers first"
    )


def _export(export: argparse.ArgumentParser) -> None:
    export.add_argument("resource", choices=("users", "groups"))
    export.add_argument(
        "--out", required=True, metavar="FILE", help="FILE.jsonl, FILE.csv or FILE.json"
    )
    _query_options(export)


def _import(imported: argparse.ArgumentParser) -> None:
    imported.add_argument("resource", choices=("users",))
    imported.add_argument("file", metavar="FILE", help="FILE.csv or FILE.jsonl")
    imported.add_argument(
        "--dry-run", action="store_true", help="show the planned changes; change nothing"
    )
    imported.add_argument(
        "--results", metavar="FILE", help="write one result per row (FILE.csv or FILE.jsonl)"
    )


def _serve(serve: argparse.ArgumentParser) -> None:
    serve.description = (
        "Run the local SCIM server until interrupted.\n\n"
        "It prints `export SCIM_BASE_URL=...` and `export SCIM_TOKEN=...` lines to paste into\n"
        "another terminal. Printing this token is safe: it is a throwaway value the local\n"
        "test server made up when it started, good for nothing else. A token given with\n"
        "--token-env is never printed."
    )
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="default 8080; 0 for any")
    serve.add_argument("--scim-version", choices=("2.0", "1.1"), default=argparse.SUPPRESS)
    serve.add_argument("--no-auth", action="store_true", help="accept requests without a token")
    serve.add_argument(
        "--token-env",
        dest="serve_token_env",
        metavar="NAME",
        help="take the server's token from this variable instead of making one up",
    )
    serve.add_argument(
        "--seed-users", type=_non_negative_int, default=0, metavar="N", help="start with N users"
    )


def _demo(demo: argparse.ArgumentParser) -> None:
    demo.add_argument("--scim-version", choices=("2.0", "1.1"), default=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    """The `scimkit` parser: its commands are named now and filled in when chosen."""
    parser = argparse.ArgumentParser(
        prog="scimkit",
        description="A SCIM 1.1 / 2.0 command line client and local test server.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"scimkit {__version__}")
    _common_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    _command(commands, "users", "list, read, create, change and delete users", _users)
    _command(
        commands,
        "groups",
        "list, read, create, change, rename and delete groups; membership",
        _groups,
    )
    _command(commands, "search", "one page of any resource type (or / for all)", _search)
    _command(commands, "discover", "what the server supports: features, types, schemas")
    _command(commands, "raw", "send any request; print the answer's JSON", _raw)
    _command(commands, "export", "write every user or group to a file, page by page", _export)
    _command(commands, "import", "create or update users from a file", _import)
    _command(
        commands,
        "sync",
        "make the server's users and groups agree with files: plan, review, apply",
        _sync,
    )
    _command(commands, "serve", "run the local SCIM server until interrupted", _serve, common=False)
    _command(
        commands,
        "demo",
        "run the whole client against a local SCIM server and print each call",
        _demo,
        common=False,
    )
    return parser


def command_paths(parser: argparse.ArgumentParser) -> list[tuple[str, str | None]]:
    """Every `(command, action)` the parser runs, each command filled in to find them:
    the keys `dispatch.COMMANDS` must have (`tests/test_cli.py` compares them)."""
    found: list[tuple[str, str | None]] = []
    for name, command in _choices(parser).items():
        actions = _choices(command)
        found.extend((name, action) for action in actions or [None])
    return found


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The sub-commands of `parser` by name, filling it first if it is a command's."""
    if isinstance(parser, _CommandParser):
        parser.filled()
    for action in parser._actions:
        if isinstance(action.choices, dict):  # a sub-parsers action: name -> parser
            return dict(action.choices)
    return {}

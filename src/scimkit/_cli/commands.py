"""The commands: users, groups, search, discover, raw, serve and demo.

Each takes a `Session` and returns the exit code. A refusal from the server is raised as its
`SCIMResponseError` (`raise_for_status()`), a transport failure as its `TransportError`;
`scimkit.cli` turns both into one line on stderr and the exit code.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import signal
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable

from .._request import encode_id
from .._schemas import CORE_USER, V1_CORE
from ..filters import F
from ..models import PatchOp, PatchOperation, Resource, User
from .connection import BASE_URL_ENV, TOKEN_ENV, Session, token_variable
from .console import EXIT_OK, CommandFailed, UsageError
from .output import (
    GROUP_COLUMNS,
    GROUP_TABLE_COLUMNS,
    USER_COLUMNS,
    USER_TABLE_COLUMNS,
    Column,
    attribute_columns,
    cell_text,
    choose_format,
    format_table,
    terminal_safe,
    write_resource,
    write_resources,
)
from .transfer import merge_user, with_primary_email

if TYPE_CHECKING:
    from ..testing import SCIMServer

__all__ = [
    "COMMANDS",
    "discovery_sections",
    "load_json",
    "parse_assignment",
    "patch_payload",
    "serve_exports",
]


# -- shared helpers ------------------------------------------------------------------------


def _format(session: Session) -> str:
    return choose_format(session.args.format, session.console.stdout_is_tty)


def load_json(text: str, session: Session, option: str = "--data") -> Any:
    """The JSON an option gives: inline, `@FILE`, or `-` for stdin."""
    if text == "-":
        raw = session.console.stdin.read()
    elif text.startswith("@"):
        try:
            with open(text[1:], encoding="utf-8-sig") as stream:
                raw = stream.read()
        except OSError as exc:
            raise UsageError(f"{option}: cannot read {text[1:]!r}: {exc.strerror}") from None
    else:
        raw = text
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"{option} is not valid JSON: {exc}") from None


def _json_object(text: str | None, session: Session, option: str = "--data") -> dict[str, Any]:
    if text is None:
        return {}
    value = load_json(text, session, option)
    if not isinstance(value, dict):
        raise UsageError(f"{option} must be a JSON object, not a {type(value).__name__}")
    return value


def parse_assignment(text: str, option: str) -> tuple[str, Any]:
    """`PATH=VALUE` -> (path, value); VALUE is JSON when it parses as JSON, else text.

    parse_assignment("active=false", "--set") == ("active", False)
    parse_assignment("title=Tour Guide", "--set") == ("title", "Tour Guide")
    """
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise UsageError(f"{option} takes PATH=VALUE, not {text!r}")
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    return path.strip(), parsed


def _set_nested(data: dict[str, Any], path: str, value: Any) -> None:
    if "[" in path:
        raise UsageError(f"SCIM 1.1 PATCH cannot address {path!r}; use --data")
    head, _, rest = path.partition(".")
    if not rest:
        data[head] = value
        return
    inner = data.setdefault(head, {})
    if not isinstance(inner, dict):
        raise UsageError(f"{head} is given twice")
    _set_nested(inner, rest, value)


def patch_payload(
    sets: Sequence[str], adds: Sequence[str], removes: Sequence[str], *, v1: bool
) -> Any:
    """The PATCH body for `--set`, `--add` and `--remove`.

    SCIM 2.0: one operation each (RFC 7644 §3.5.2). SCIM 1.1: a partial resource, with the
    attributes to remove listed in `meta.attributes` (SCIM 1.1 §3.3.2).
    """
    if v1:
        partial: dict[str, Any] = {}
        for text in [*sets, *adds]:
            path, value = parse_assignment(text, "--set/--add")
            _set_nested(partial, path, value)
        if removes:
            partial["meta"] = {"attributes": [path.strip() for path in removes]}
        return partial
    operations = [
        PatchOperation(op="replace", path=path, value=value)
        for path, value in (parse_assignment(t, "--set") for t in sets)
    ]
    operations += [
        PatchOperation(op="add", path=path, value=value)
        for path, value in (parse_assignment(t, "--add") for t in adds)
    ]
    operations += [PatchOperation(op="remove", path=path.strip()) for path in removes]
    return operations


def _say(session: Session, message: Mapping[str, Any], text: str) -> None:
    """A command's outcome: `text` for a person, `message` for a program."""
    fmt = _format(session)
    out = session.console.stdout
    if fmt == "table":
        out.write(terminal_safe(text) + "\n")
    else:
        write_resource(message, fmt, out)


def _show(session: Session, resource: Mapping[str, Any], columns: Sequence[Column]) -> None:
    write_resource(resource, _format(session), session.console.stdout, columns=columns)


def _one(found: Sequence[Resource], what: str) -> Resource:
    if not found:
        raise CommandFailed(f"no {what}")
    if len(found) > 1:
        raise CommandFailed(f"{len(found)} resources match {what}; give the id instead")
    return found[0]


def _resource_id(resource: Resource) -> str:
    if not isinstance(resource.id, str) or not resource.id:
        raise CommandFailed("the server returned a resource without an id")
    return resource.id


def _user_id(session: Session) -> str:
    args = session.args
    if args.id:
        return str(args.id)
    name = args.by_user_name
    found = session.client.search_users(filter=F.eq("userName", name)).raise_for_status()
    return _resource_id(_one(found.users, f"user with userName {name!r}"))


def _group_id(session: Session) -> str:
    args = session.args
    if args.id:
        return str(args.id)
    return _group_id_by_name(session, args.by_display_name)


def _group_id_by_name(session: Session, name: str) -> str:
    found = session.client.search_groups(
        filter=F.eq("displayName", name), excluded_attributes=["members"]
    ).raise_for_status()
    return _resource_id(_one(found.groups, f"group with displayName {name!r}"))


def _list_columns(
    attributes: Sequence[str] | None,
    columns: Sequence[Column],
    table_columns: Sequence[Column],
) -> tuple[Sequence[Column], Sequence[Column]]:
    if attributes:
        chosen = attribute_columns(attributes)
        return chosen, chosen
    return columns, table_columns


def _write_list(
    session: Session,
    items: Iterable[Resource],
    columns: Sequence[Column],
    table_columns: Sequence[Column],
    noun: str,
) -> int:
    args = session.args
    if args.limit:
        items = islice(items, args.limit)
    columns, table_columns = _list_columns(args.attributes, columns, table_columns)
    fmt = _format(session)
    count = write_resources(
        (item.to_dict() for item in items),
        fmt,
        session.console.stdout,
        columns=columns,
        table_columns=table_columns,
    )
    if (fmt == "table" or args.verbose) and count == 0:
        session.console.error(f"no {noun}")
    return EXIT_OK


def _page_size(session: Session) -> int:
    args = session.args
    return int(min(args.page_size, args.limit) if args.limit else args.page_size)


# -- users ---------------------------------------------------------------------------------


def _user_changes(session: Session) -> tuple[dict[str, Any], str | None]:
    """The attributes the options set, over `--data`, and the `--email` address."""
    args = session.args
    data = _json_object(args.data, session)
    for key, value in (
        ("userName", args.set_user_name),
        ("externalId", args.external_id),
        ("displayName", args.display_name),
        ("title", args.title),
    ):
        if value is not None:
            data[key] = value
    if args.given_name is not None or args.family_name is not None:
        name = data.get("name")
        name = dict(name) if isinstance(name, dict) else {}
        if args.given_name is not None:
            name["givenName"] = args.given_name
        if args.family_name is not None:
            name["familyName"] = args.family_name
        data["name"] = name
    if args.active is not None:
        data["active"] = args.active
    return data, args.email


def users_list(session: Session) -> int:
    args = session.args
    users = session.client.iter_users(
        filter=args.filter,
        page_size=_page_size(session),
        attributes=args.attributes,
        excluded_attributes=args.excluded_attributes,
        sort_by=args.sort_by,
        sort_order=args.sort_order,
    )
    return _write_list(session, users, USER_COLUMNS, USER_TABLE_COLUMNS, "users")


def users_get(session: Session) -> int:
    args = session.args
    user: Resource | None
    if args.id:
        user = session.client.read_user(str(args.id)).raise_for_status().user
    else:
        # The search already answers the whole user: no second request to read it by id.
        name = args.by_user_name
        found = session.client.search_users(filter=F.eq("userName", name)).raise_for_status()
        user = _one(found.users, f"user with userName {name!r}")
    _show(session, user.to_dict() if user else {}, USER_COLUMNS)
    return EXIT_OK


def users_create(session: Session) -> int:
    data, email = _user_changes(session)
    if email:
        data["emails"] = with_primary_email(data.get("emails"), email)
    if not data.get("userName"):
        raise UsageError("users create needs --user-name (or userName in --data)")
    created = session.client.create_user(data).raise_for_status().user
    _show(session, created.to_dict() if created else {}, USER_COLUMNS)
    return EXIT_OK


def users_update(session: Session) -> int:
    args = session.args
    client = session.client
    user_id = _user_id(session)
    changes, email = _user_changes(session)
    if args.replace:
        if args.data is None:
            raise UsageError("--replace sends --data as the whole user; give --data")
        body = merge_user(changes, {}, email=email)
        body["id"] = user_id
        replaced = client.update_user(body).raise_for_status().user
    else:
        if not changes and not email:
            raise UsageError("nothing to change: give attribute options or --data")
        current = client.read_user(user_id).raise_for_status()
        existing = current.user.to_dict() if current.user else {}
        desired = merge_user(existing, changes, email=email)
        desired["id"] = user_id
        # RFC 7644 §3.14: If-Match makes the write fail (412) if someone changed the user
        # between our read and our write, instead of silently undoing their change.
        replaced = client.update_user(desired, if_match=current.etag).raise_for_status().user
    _show(session, replaced.to_dict() if replaced else {}, USER_COLUMNS)
    return EXIT_OK


def _patched_user(session: Session, user_id: str, payload: Any) -> int:
    client = session.client
    if session.v1 and isinstance(payload, dict) and "meta" in payload:
        # SCIM 1.1 §3.3.2 removes attributes through `meta.attributes`, which the typed
        # method drops as read-only: send this body as it is.
        body = {"schemas": [V1_CORE], **payload}
        sent = client.api_call("PATCH", f"/Users/{encode_id(user_id)}", body_params=body)
        found = sent.raise_for_status().body
        user: User | None = User.from_dict(found) if found else None
    else:
        user = client.patch_user(user_id, payload).raise_for_status().user
    if user is None:  # 204 No Content: the server did not send the result
        user = client.read_user(user_id).raise_for_status().user
    _show(session, user.to_dict() if user else {}, USER_COLUMNS)
    return EXIT_OK


def users_patch(session: Session) -> int:
    args = session.args
    user_id = _user_id(session)
    given = args.set or args.add or args.remove
    if args.data is not None and given:
        raise UsageError("give --data or --set/--add/--remove, not both")
    if args.data is not None:
        payload = load_json(args.data, session)
    elif given:
        payload = patch_payload(args.set, args.add, args.remove, v1=session.v1)
    else:
        raise UsageError("nothing to change: give --set, --add, --remove or --data")
    return _patched_user(session, user_id, payload)


def users_deactivate(session: Session) -> int:
    return _patched_user(session, _user_id(session), User(active=False))


def users_delete(session: Session) -> int:
    user_id = _user_id(session)
    session.client.delete_user(user_id).raise_for_status()
    _say(session, {"id": user_id, "deleted": True}, f"deleted user {user_id}")
    return EXIT_OK


# -- groups --------------------------------------------------------------------------------


def groups_list(session: Session) -> int:
    args = session.args
    groups = session.client.iter_groups(
        filter=args.filter,
        page_size=_page_size(session),
        attributes=args.attributes,
        excluded_attributes=args.excluded_attributes,
        sort_by=args.sort_by,
        sort_order=args.sort_order,
    )
    return _write_list(session, groups, GROUP_COLUMNS, GROUP_TABLE_COLUMNS, "groups")


def groups_get(session: Session) -> int:
    group = session.client.read_group(_group_id(session)).raise_for_status().group
    _show(session, group.to_dict() if group else {}, GROUP_COLUMNS)
    return EXIT_OK


def groups_create(session: Session) -> int:
    args = session.args
    data = _json_object(args.data, session)
    if args.set_display_name is not None:
        data["displayName"] = args.set_display_name
    if args.external_id is not None:
        data["externalId"] = args.external_id
    if args.member:
        members = data.get("members")
        members = list(members) if isinstance(members, list) else []
        members += [{"value": member} for member in args.member]
        data["members"] = members
    if not data.get("displayName"):
        raise UsageError("groups create needs --display-name (or displayName in --data)")
    group = session.client.create_group(data).raise_for_status().group
    _show(session, group.to_dict() if group else {}, GROUP_COLUMNS)
    return EXIT_OK


def groups_update(session: Session) -> int:
    args = session.args
    client = session.client
    group_id = _group_id(session)
    changes = _json_object(args.data, session)
    for key, value in (("displayName", args.set_display_name), ("externalId", args.external_id)):
        if value is not None:
            changes[key] = value
    if args.member is not None or args.no_members:
        changes["members"] = [{"value": member} for member in args.member or []]
    if not changes:
        raise UsageError(
            "nothing to change: give --new-display-name, --external-id, --member, "
            "--no-members or --data"
        )
    current = client.read_group(group_id).raise_for_status()
    changed = {key.lower() for key in changes}
    existing = current.group.to_dict() if current.group else {}
    desired = {key: value for key, value in existing.items() if key.lower() not in changed}
    desired.update(changes)
    desired["id"] = group_id
    # RFC 7644 §3.14: as `users update`, a change made between our read and our write makes
    # the server answer 412 instead of being silently undone.
    replaced = client.update_group(desired, if_match=current.etag).raise_for_status().group
    _show(session, replaced.to_dict() if replaced else {}, GROUP_COLUMNS)
    return EXIT_OK


def groups_rename(session: Session) -> int:
    args = session.args
    names = args.names
    if args.group_id is not None:
        if len(names) != 1:
            raise UsageError("groups rename --id ID takes one NAME: the new displayName")
        group_id, new_name = str(args.group_id), names[0]
    else:
        if len(names) != 2:
            raise UsageError("groups rename takes OLD NEW (or --id ID NEW)")
        group_id, new_name = _group_id_by_name(session, names[0]), names[1]
    if not new_name.strip():
        raise UsageError("the new displayName is empty")
    client = session.client
    # One PATCH of displayName (SCIM 1.1: a partial group): the members, however many, are
    # neither read nor sent back.
    group = client.patch_group(group_id, {"displayName": new_name}).raise_for_status().group
    if group is None:  # 204 No Content: the server did not send the result
        group = client.read_group(group_id).raise_for_status().group
    _show(session, group.to_dict() if group else {}, GROUP_COLUMNS)
    return EXIT_OK


def _member_ids(session: Session) -> list[str]:
    args = session.args
    ids = [str(member) for member in args.members]
    for name in args.member_user_names:
        found = session.client.search_users(
            filter=F.eq("userName", name), attributes=["id", "userName"]
        ).raise_for_status()
        ids.append(_resource_id(_one(found.users, f"user with userName {name!r}")))
    if not ids:
        raise UsageError("name at least one member: MEMBER_ID or --user-name NAME")
    return ids


def groups_add_member(session: Session) -> int:
    group_id = session.args.group
    ids = _member_ids(session)
    payload: Any
    if session.v1:
        payload = {"members": [{"value": member} for member in ids]}
    else:
        payload = PatchOp.add_members(ids)
    session.client.patch_group(group_id, payload).raise_for_status()
    _say(
        session,
        {"id": group_id, "added": ids},
        f"added {len(ids)} member{'s' * (len(ids) != 1)} to group {group_id}",
    )
    return EXIT_OK


def groups_remove_member(session: Session) -> int:
    group_id = session.args.group
    ids = _member_ids(session)
    payload: Any
    if session.v1:
        # SCIM 1.1 §3.3.2: a member marked `operation: delete` leaves the group.
        payload = {"members": [{"value": member, "operation": "delete"} for member in ids]}
    else:
        payload = PatchOp.remove_members(ids)
    session.client.patch_group(group_id, payload).raise_for_status()
    _say(
        session,
        {"id": group_id, "removed": ids},
        f"removed {len(ids)} member{'s' * (len(ids) != 1)} from group {group_id}",
    )
    return EXIT_OK


def groups_delete(session: Session) -> int:
    group_id = _group_id(session)
    session.client.delete_group(group_id).raise_for_status()
    _say(session, {"id": group_id, "deleted": True}, f"deleted group {group_id}")
    return EXIT_OK


# -- search --------------------------------------------------------------------------------

_ENDPOINT_ALIASES = {
    "users": "/Users",
    "user": "/Users",
    "groups": "/Groups",
    "group": "/Groups",
}


def search(session: Session) -> int:
    args = session.args
    client = session.client
    query: dict[str, Any] = dict(
        filter=args.filter,
        start_index=args.start_index,
        count=args.count,
        attributes=args.attributes,
        excluded_attributes=args.excluded_attributes,
        sort_by=args.sort_by,
        sort_order=args.sort_order,
    )
    name = args.resource.strip().strip("/")
    endpoint = _ENDPOINT_ALIASES.get(name.lower(), "/" + name) if name else None
    page = (
        client.search(endpoint, use_post=args.post, **query)
        if endpoint
        else client.search_all(**query)
    )
    page.raise_for_status()
    columns: Sequence[Column] | None = None
    table_columns: Sequence[Column] | None = None
    if args.attributes:
        columns = table_columns = attribute_columns(args.attributes)
    elif endpoint == "/Users":
        columns, table_columns = USER_COLUMNS, USER_TABLE_COLUMNS
    elif endpoint == "/Groups":
        columns, table_columns = GROUP_COLUMNS, GROUP_TABLE_COLUMNS
    fmt = _format(session)
    shown = write_resources(
        [r.to_dict() for r in page.resources],
        fmt,
        session.console.stdout,
        columns=columns,
        table_columns=table_columns,
    )
    # What was shown is for a person: a program reading JSON has totalResults in `-v`'s log
    # or asks with `raw`, and its stderr stays for errors.
    if fmt == "table" or args.verbose:
        total = page.total_results
        start = page.start_index or 1
        if shown:
            of = f" of {total}" if total is not None else ""
            session.console.error(f"results {start}-{start + shown - 1}{of}")
        else:
            session.console.error(f"no results (totalResults {total})")
    return EXIT_OK


# -- discover ------------------------------------------------------------------------------


def _yes(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "?"


def _details(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={cell_text(v)}" for k, v in values.items() if v is not None)


def _feature(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    lower = name.lower()
    found = next((v for k, v in config.items() if k.lower() == lower), None)
    return found if isinstance(found, Mapping) else {}


Section = tuple[str, list[str], list[list[str]]]


def discovery_sections(
    config: Mapping[str, Any],
    resource_types: Sequence[Mapping[str, Any]] | None,
    schemas: Sequence[Mapping[str, Any]] | None,
) -> list[Section]:
    """What `discover` shows: (title, headers, rows) per section, all cells text.

    `resource_types` or `schemas` is None when the server does not serve that endpoint.
    """
    features: list[list[str]] = []
    for label, key, extra in (
        ("patch", "patch", ()),
        ("bulk", "bulk", ("maxOperations", "maxPayloadSize")),
        ("filter", "filter", ("maxResults",)),
        ("sort", "sort", ()),
        ("etag", "etag", ()),
        ("changePassword", "changePassword", ()),
    ):
        found = _feature(config, key)
        details = _details({name: found.get(name) for name in extra})
        features.append([label, _yes(found.get("supported")), details])
    paging = _feature(config, "pagination")
    if paging:
        ways = [w for w in ("cursor", "index") if paging.get(w) is True]
        details = _details(
            {
                "default": paging.get("defaultPaginationMethod"),
                "defaultPageSize": paging.get("defaultPageSize"),
                "maxPageSize": paging.get("maxPageSize"),
            }
        )
        features.append(["pagination", ", ".join(ways) or "?", details])
    sections: list[Section] = [("Features", ["feature", "supported", "details"], features)]
    schemes = config.get("authenticationSchemes")
    schemes = schemes if isinstance(schemes, list) else []
    sections.append(
        (
            "Authentication schemes",
            ["type", "name", "description"],
            [
                [cell_text(s.get(key)) for key in ("type", "name", "description")]
                for s in schemes
                if isinstance(s, Mapping)
            ],
        )
    )
    if resource_types is not None:
        rows = []
        for item in resource_types:
            extensions = item.get("schemaExtensions")
            names = [
                f"{e.get('schema')}{' (required)' if e.get('required') is True else ''}"
                for e in (extensions if isinstance(extensions, list) else [])
                if isinstance(e, Mapping)
            ]
            rows.append(
                [
                    cell_text(item.get("name")),
                    cell_text(item.get("endpoint")),
                    cell_text(item.get("schema")),
                    ", ".join(names),
                ]
            )
        sections.append(("Resource types", ["name", "endpoint", "schema", "extensions"], rows))
    if schemas is not None:
        rows = []
        for item in schemas:
            attributes = item.get("attributes")
            count = len(attributes) if isinstance(attributes, list) else 0
            rows.append([cell_text(item.get("id")), cell_text(item.get("name")), str(count)])
        sections.append(("Schemas", ["id", "name", "attributes"], rows))
    return sections


def _list_body(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = next((v for k, v in body.items() if k.lower() == "resources"), None)
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def discover(session: Session) -> int:
    client = session.client
    config = client.service_provider_config().raise_for_status().body
    types_response = client.resource_types()
    schemas_response = client.schemas()
    types = _list_body(types_response.body) if types_response.ok else None
    schemas = _list_body(schemas_response.body) if schemas_response.ok else None
    fmt = _format(session)
    out = session.console.stdout
    if fmt in ("json", "jsonl"):
        document = {"serviceProviderConfig": config, "resourceTypes": types, "schemas": schemas}
        if fmt == "json":
            out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
        return EXIT_OK
    sections = discovery_sections(config, types, schemas)
    if fmt == "csv":
        title, headers, rows = sections[0]
        write_resources(
            [dict(zip(headers, row)) for row in rows],
            "csv",
            out,
            columns=[Column(h) for h in headers],
        )
        return EXIT_OK
    out.write(f"SCIM service provider at {terminal_safe(client.base_url)}\n")
    for title, headers, rows in sections:
        out.write(f"\n{title}\n")
        if rows:
            for line in format_table(headers, rows, max_cell=72):
                out.write(line + "\n")
        else:
            out.write("(none)\n")
    for label, response in (("/ResourceTypes", types_response), ("/Schemas", schemas_response)):
        if not response.ok:
            out.write(f"\n{label}: not available (HTTP {response.status_code})\n")
    return EXIT_OK


# -- raw -----------------------------------------------------------------------------------


def raw(session: Session) -> int:
    args = session.args
    path, _, query = args.path.partition("?")
    if not path.startswith("/"):
        path = "/" + path
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True)) or None
    body = None
    if args.data is not None:
        body = _json_object(args.data, session)
    response = session.client.api_call(args.method, path, query_params=params, body_params=body)
    out = session.console.stdout
    fmt = _format(session)
    safe: Callable[[str], str] = terminal_safe if session.console.stdout_is_tty else str
    if args.include:
        try:
            phrase = HTTPStatus(response.status_code).phrase
        except ValueError:
            phrase = ""
        out.write(f"HTTP {response.status_code} {phrase}".rstrip() + "\n")
        for name in response.headers:
            out.write(safe(f"{name}: {response.headers[name]}") + "\n")
        out.write("\n")
    if response.raw_body.strip():
        if response.body:
            if fmt == "jsonl":
                out.write(json.dumps(response.body, ensure_ascii=False, separators=(",", ":")))
            else:
                out.write(json.dumps(response.body, indent=2, ensure_ascii=False))
            out.write("\n")
        else:
            out.write(safe(response.raw_body.decode("utf-8", "replace")).rstrip("\n") + "\n")
    if not response.ok:
        raise response.to_error()
    return EXIT_OK


# -- serve and demo ------------------------------------------------------------------------


def serve(session: Session) -> int:
    import time

    from ..testing import SCIMServer

    args = session.args
    console = session.console
    from_env = None
    if args.serve_token_env:
        from_env = console.environ.get(args.serve_token_env, "").strip()
        if not from_env:
            shown = token_variable(args.serve_token_env) or "the variable it names"
            raise UsageError(f"--token-env: {shown} is not set")
    server = SCIMServer(host=args.host, port=args.port, scim_version=args.scim_version)
    if args.no_auth:
        server.token = None
    elif from_env:
        server.token = from_env
    # Before `start()`: whoever reads the first line may interrupt us straight away.
    with _interrupted_by_sigint():
        try:
            server.start()
        except OSError as exc:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        out = console.stdout
        try:
            _seed(server, args.seed_users)
            lines = [
                f"SCIM {args.scim_version} server at {server.url}",
                *serve_exports(
                    server.url, server.token, args.serve_token_env if from_env else None
                ),
                "press Ctrl+C to stop",
            ]
            print("\n".join(lines), file=out, flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    return EXIT_OK


def serve_exports(url: str, token: str | None, token_env: str | None) -> list[str]:
    """The shell lines that point a client at the server, ready to paste.

    The token is the local server's own throwaway value, made up at start: printing it is how
    a person uses it. A token taken from `--token-env` is never printed; the line refers to
    the variable instead.

        serve_exports("http://127.0.0.1:8080/scim/v2", "t0k", None) == [
            "export SCIM_BASE_URL=http://127.0.0.1:8080/scim/v2",
            "export SCIM_TOKEN=t0k",
        ]
    """
    lines = [f"export {BASE_URL_ENV}={shlex.quote(url)}"]
    if token is None:
        lines.append("# no token needed (--no-auth): clients pass --no-token")
    elif token_env is None:
        lines.append(f"export {TOKEN_ENV}={shlex.quote(token)}")
    elif token_variable(token_env) is not None:
        lines.append(f'export {TOKEN_ENV}="${token_env}"')
    else:
        lines.append("# the token is the value of the variable --token-env names")
    return lines


@contextlib.contextmanager
def _interrupted_by_sigint() -> Iterator[None]:
    """SIGINT raises `KeyboardInterrupt` inside the block, even when this process was started
    with SIGINT ignored.

    A shell without job control (`sh -c '... &'`, a CI script that runs jobs side by side)
    starts a background command with SIGINT ignored (POSIX 2.11, "Signals and Error
    Handling"); Python then installs no handler, so `kill -INT` and Ctrl+C did nothing and
    `serve` ran forever. A handler the program itself installed is left alone, and so is
    everything outside the main thread, where Python runs no signal handlers."""
    previous = signal.getsignal(signal.SIGINT)
    if callable(previous) or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _seed(server: SCIMServer, count: int) -> None:
    """`count` users, stored straight away: `add_resource` checks each userName against
    every stored user, which makes a seed of 100,000 take minutes; these names are unique
    by construction. Seeded after `start()`, so that `meta.location` has the real port."""
    schema = V1_CORE if server.scim_version == "1.1" else CORE_USER
    for number in range(1, count + 1):
        name = f"user{number:05d}"
        user = {
            "schemas": [schema],
            "userName": name,
            "externalId": f"seed-{number}",
            "name": {"givenName": "User", "familyName": f"{number:05d}"},
            "emails": [{"value": f"{name}@example.com", "primary": True}],
            "active": True,
        }
        server.store.put("Users", user, location=server.url)


def demo(session: Session) -> int:
    from .._demo import run_demo

    return run_demo(scim_version=session.args.scim_version, out=session.console.stdout)


COMMANDS: dict[tuple[str, str | None], Callable[[Session], int]] = {
    ("users", "list"): users_list,
    ("users", "get"): users_get,
    ("users", "create"): users_create,
    ("users", "update"): users_update,
    ("users", "patch"): users_patch,
    ("users", "deactivate"): users_deactivate,
    ("users", "delete"): users_delete,
    ("groups", "list"): groups_list,
    ("groups", "get"): groups_get,
    ("groups", "create"): groups_create,
    ("groups", "update"): groups_update,
    ("groups", "rename"): groups_rename,
    ("groups", "add-member"): groups_add_member,
    ("groups", "remove-member"): groups_remove_member,
    ("groups", "delete"): groups_delete,
    ("search", None): search,
    ("discover", None): discover,
    ("raw", None): raw,
    ("serve", None): serve,
    ("demo", None): demo,
}

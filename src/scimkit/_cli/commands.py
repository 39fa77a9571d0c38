"""The commands on resources: users, groups and search.

Each takes a `Session` and returns the exit code. A refusal from the server is raised as its
`SCIMResponseError` (`raise_for_status()`), a transport failure as its `TransportError`;
`scimkit.cli` turns both into one line on stderr and the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from .._request import encode_id
from .._schemas import V1_CORE
from ..models import PatchOp, PatchOperation, Resource, User
from .common import json_object, load_json, output_format, say, show
from .connection import Session
from .console import EXIT_OK, CommandFailed, UsageError
from .output import (
    GROUP_COLUMNS,
    GROUP_TABLE_COLUMNS,
    USER_COLUMNS,
    USER_TABLE_COLUMNS,
    Column,
    attribute_columns,
    write_resources,
)

if TYPE_CHECKING:
    from ..filters import Comparison

__all__ = [
    "groups_add_member",
    "groups_create",
    "groups_delete",
    "groups_get",
    "groups_list",
    "groups_remove_member",
    "groups_rename",
    "groups_update",
    "parse_assignment",
    "patch_payload",
    "search",
    "users_create",
    "users_deactivate",
    "users_delete",
    "users_get",
    "users_list",
    "users_patch",
    "users_update",
]


# -- PATCH bodies from --set, --add and --remove -------------------------------------------


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


# -- shared by users and groups -----------------------------------------------------------


def _eq(attribute: str, value: str) -> Comparison:
    """`attribute eq "value"`, for a lookup by name (the filter builder loads only then)."""
    from ..filters import F

    return F.eq(attribute, value)


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
    found = session.client.search_users(filter=_eq("userName", name)).raise_for_status()
    return _resource_id(_one(found.users, f"user with userName {name!r}"))


def _group_id(session: Session) -> str:
    args = session.args
    if args.id:
        return str(args.id)
    return _group_id_by_name(session, args.by_display_name)


def _group_id_by_name(session: Session, name: str) -> str:
    found = session.client.search_groups(
        filter=_eq("displayName", name), excluded_attributes=["members"]
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
    fmt = output_format(session)
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
    data = json_object(args.data, session)
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
        found = session.client.search_users(filter=_eq("userName", name)).raise_for_status()
        user = _one(found.users, f"user with userName {name!r}")
    show(session, user.to_dict() if user else {}, USER_COLUMNS)
    return EXIT_OK


def users_create(session: Session) -> int:
    from .transfer import with_primary_email  # with csv: not for `users list`

    data, email = _user_changes(session)
    if email:
        data["emails"] = with_primary_email(data.get("emails"), email)
    if not data.get("userName"):
        raise UsageError("users create needs --user-name (or userName in --data)")
    created = session.client.create_user(data).raise_for_status().user
    show(session, created.to_dict() if created else {}, USER_COLUMNS)
    return EXIT_OK


def users_update(session: Session) -> int:
    from .transfer import merge_user  # with csv: not for `users list`

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
    show(session, replaced.to_dict() if replaced else {}, USER_COLUMNS)
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
    show(session, user.to_dict() if user else {}, USER_COLUMNS)
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
    say(session, {"id": user_id, "deleted": True}, f"deleted user {user_id}")
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
    show(session, group.to_dict() if group else {}, GROUP_COLUMNS)
    return EXIT_OK


def groups_create(session: Session) -> int:
    args = session.args
    data = json_object(args.data, session)
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
    show(session, group.to_dict() if group else {}, GROUP_COLUMNS)
    return EXIT_OK


def groups_update(session: Session) -> int:
    args = session.args
    client = session.client
    group_id = _group_id(session)
    changes = json_object(args.data, session)
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
    show(session, replaced.to_dict() if replaced else {}, GROUP_COLUMNS)
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
    show(session, group.to_dict() if group else {}, GROUP_COLUMNS)
    return EXIT_OK


def _member_ids(session: Session) -> list[str]:
    args = session.args
    ids = [str(member) for member in args.members]
    for name in args.member_user_names:
        found = session.client.search_users(
            filter=_eq("userName", name), attributes=["id", "userName"]
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
    say(
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
    say(
        session,
        {"id": group_id, "removed": ids},
        f"removed {len(ids)} member{'s' * (len(ids) != 1)} from group {group_id}",
    )
    return EXIT_OK


def groups_delete(session: Session) -> int:
    group_id = _group_id(session)
    session.client.delete_group(group_id).raise_for_status()
    say(session, {"id": group_id, "deleted": True}, f"deleted group {group_id}")
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
    fmt = output_format(session)
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

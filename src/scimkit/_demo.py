"""`python -m scimkit demo`: the whole client walked through against the local server."""

from __future__ import annotations

import sys
import urllib.parse
from typing import TYPE_CHECKING, Any, TextIO

from .client import SCIMClient
from .models import Group, GroupMember, PatchOperation, User, UserEmail, UserName
from .responses import SCIMResponse
from .retry import RateLimitErrorRetryHandler

if TYPE_CHECKING:
    from .testing import SCIMServer

__all__ = ["run_demo"]


class _Transcript:
    """What the demo prints: step titles, and each request with its status and result."""

    def __init__(self, stream: TextIO, base_path: str) -> None:
        self.stream = stream
        self.base_path = base_path

    def say(self, text: str = "") -> None:
        print(text, file=self.stream)

    def show(self, resp: SCIMResponse, result: Any = None) -> None:
        """One line for the request (path relative to the base URL, query decoded), and the
        result below it when there is one."""
        path = urllib.parse.urlsplit(resp.url).path[len(self.base_path) :] or "/"
        query = urllib.parse.urlsplit(resp.url).query
        if query:
            path += "?" + urllib.parse.unquote(query)
        self.say(f"  {resp.method:<6} {path:<58} -> {resp.status_code}")
        if result is not None:
            self.say(f"         {result}")


def run_demo(*, scim_version: str = "2.0", out: TextIO | None = None) -> int:
    """Start a local SCIM server, run create/search/patch/replace/groups/paging/delete on it,
    print each request and its result, and return the process exit code."""
    from .testing import SCIMServer

    stream = out if out is not None else sys.stdout
    with SCIMServer(scim_version=scim_version) as server:
        log = _Transcript(stream, urllib.parse.urlsplit(server.url).path)
        log.say(f"scimkit demo: SCIM {scim_version} server at {server.url}")
        client = SCIMClient(server.url, token=server.token, scim_version=scim_version)
        cal_id = _create_users(client, log)
        _search(client, log)
        _patch_read_replace(client, log, cal_id)
        group_id = _groups_and_membership(client, log, cal_id, scim_version)
        _paging(client, log)
        _rate_limited_call(client, log, server, group_id)
        everything_deleted = _delete_everything(client, log, group_id)
        log.say("\ndone.")
        return 0 if everything_deleted else 1


def _create_users(client: SCIMClient, log: _Transcript) -> str:
    """Step 1: cal from models, four more from plain dicts; returns cal's id."""
    log.say("\n1. Create users")
    created = client.create_user(
        User(
            user_name="cal",
            name=UserName(given_name="C", family_name="Henderson"),
            emails=[UserEmail(value="cal@example.com", type="work", primary=True)],
        )
    )
    log.show(created, created.user)
    cal = created.user
    assert cal is not None and cal.id is not None
    for name in ("ada", "bob", "dee", "eve"):
        resp = client.create_user(
            {"userName": name, "emails": [{"value": f"{name}@example.com", "type": "work"}]}
        )
        log.show(resp, f"id={resp.user.id if resp.user else None} userName={name}")
    return cal.id


def _search(client: SCIMClient, log: _Transcript) -> None:
    """Step 2: a plain filter, then one with a value path."""
    log.say("\n2. Search with a filter")
    found = client.search_users(filter='userName eq "cal"')
    log.show(
        found, f"totalResults={found.total_results} users={[u.user_name for u in found.users]}"
    )
    found = client.search_users(filter='emails[type eq "work" and value co "@example.com"]')
    log.show(found, f"totalResults={found.total_results}")


def _patch_read_replace(client: SCIMClient, log: _Transcript, cal_id: str) -> None:
    """Step 3: rename cal by PATCH, read the user back, then replace it with PUT."""
    log.say("\n3. Patch, read, replace")
    patched = client.patch_user(cal_id, User(user_name="chenderson"))
    log.show(patched, f"userName={patched.user.user_name if patched.user else None}")
    user = client.read_user(cal_id).user
    assert user is not None
    user.name = UserName(given_name="Cal", family_name="Henderson")
    user.title = "Tour Guide"
    replaced = client.update_user(user)
    log.show(replaced, replaced.user)


def _groups_and_membership(
    client: SCIMClient, log: _Transcript, cal_id: str, scim_version: str
) -> str:
    """Step 4: a group with cal in it, two members added by PATCH, cal's `groups` read back;
    returns the group's id."""
    log.say("\n4. Groups and membership")
    group_resp = client.create_group(
        Group(display_name="Tour Guides", members=[GroupMember(value=cal_id)])
    )
    log.show(group_resp, group_resp.group)
    group = group_resp.group
    assert group is not None and group.id is not None
    others = client.search_users(filter='userName eq "ada" or userName eq "bob"').users
    if scim_version == "1.1":
        member_patch: Any = {"members": [{"value": u.id} for u in others]}
    else:
        member_patch = [
            PatchOperation(op="add", path="members", value=[{"value": u.id} for u in others])
        ]
    added = client.patch_group(group.id, member_patch)
    members = added.group.members or [] if added.group else []
    log.show(added, f"members={[m.display or m.value for m in members]}")
    member = client.read_user(cal_id, attributes=["userName", "groups"]).user
    assert member is not None
    log.show(client.read_user(cal_id), f"groups={[g.display for g in member.groups or []]}")
    return group.id


def _paging(client: SCIMClient, log: _Transcript) -> None:
    """Step 5: every user by `startIndex` and `count`, sorted by userName."""
    log.say("\n5. Paging through every user, two at a time")
    start = 1
    while True:
        page = client.search_users(start_index=start, count=2, sort_by="userName")
        log.show(page, [u.user_name for u in page.users])
        start += len(page.users)
        if not page.users or start > (page.total_results or 0):
            break


def _rate_limited_call(
    client: SCIMClient, log: _Transcript, server: SCIMServer, group_id: str
) -> None:
    """Step 6: one injected 429 with Retry-After, waited out by a retry handler."""
    from .testing import Fault

    log.say("\n6. A rate-limited call retried after Retry-After")
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    server.inject(Fault.status(429, headers={"Retry-After": "1"}))
    before = len(server.requests)
    limited = client.read_group(group_id)
    attempts = len(server.requests) - before
    log.show(limited, f"the server saw {attempts} attempts: 429, then {limited.status_code}")


def _delete_everything(client: SCIMClient, log: _Transcript, group_id: str) -> bool:
    """Step 7: the group, then every user; True when a search then finds nothing."""
    log.say("\n7. Delete everything")
    log.show(client.delete_group(group_id))
    for u in client.search_users(count=100).users:
        assert u.id is not None
        log.show(client.delete_user(u.id))
    remaining = client.search_users()
    log.show(remaining, f"totalResults={remaining.total_results}")
    return remaining.total_results == 0

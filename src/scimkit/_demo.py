"""`python -m scimkit demo`: the whole client walked through against the local server."""

from __future__ import annotations

import sys
import urllib.parse
from typing import Any, TextIO

from .client import SCIMClient
from .models import Group, GroupMember, PatchOperation, User, UserEmail, UserName
from .responses import SCIMResponse
from .retry import RateLimitErrorRetryHandler

__all__ = ["run_demo"]


def run_demo(*, scim_version: str = "2.0", out: TextIO | None = None) -> int:
    """Start a local SCIM server, run create/search/patch/replace/groups/paging/delete on it,
    print each request and its result, and return the process exit code."""
    from .testing import Fault, SCIMServer

    stream = out if out is not None else sys.stdout

    def say(text: str = "") -> None:
        print(text, file=stream)

    with SCIMServer(scim_version=scim_version) as server:
        base_path = urllib.parse.urlsplit(server.url).path

        def show(resp: SCIMResponse, result: Any = None) -> None:
            path = urllib.parse.urlsplit(resp.url).path[len(base_path) :] or "/"
            query = urllib.parse.urlsplit(resp.url).query
            if query:
                path += "?" + urllib.parse.unquote(query)
            say(f"  {resp.method:<6} {path:<58} -> {resp.status_code}")
            if result is not None:
                say(f"         {result}")

        say(f"scimkit demo: SCIM {scim_version} server at {server.url}")
        client = SCIMClient(server.url, token=server.token, scim_version=scim_version)

        say("\n1. Create users")
        created = client.create_user(
            User(
                user_name="cal",
                name=UserName(given_name="C", family_name="Henderson"),
                emails=[UserEmail(value="cal@example.com", type="work", primary=True)],
            )
        )
        show(created, created.user)
        cal = created.user
        assert cal is not None and cal.id is not None
        for name in ("ada", "bob", "dee", "eve"):
            resp = client.create_user(
                {"userName": name, "emails": [{"value": f"{name}@example.com", "type": "work"}]}
            )
            show(resp, f"id={resp.user.id if resp.user else None} userName={name}")

        say("\n2. Search with a filter")
        found = client.search_users(filter='userName eq "cal"')
        show(
            found, f"totalResults={found.total_results} users={[u.user_name for u in found.users]}"
        )
        found = client.search_users(filter='emails[type eq "work" and value co "@example.com"]')
        show(found, f"totalResults={found.total_results}")

        say("\n3. Patch, read, replace")
        patched = client.patch_user(cal.id, User(user_name="chenderson"))
        show(patched, f"userName={patched.user.user_name if patched.user else None}")
        user = client.read_user(cal.id).user
        assert user is not None
        user.name = UserName(given_name="Cal", family_name="Henderson")
        user.title = "Tour Guide"
        replaced = client.update_user(user)
        show(replaced, replaced.user)

        say("\n4. Groups and membership")
        group_resp = client.create_group(
            Group(display_name="Tour Guides", members=[GroupMember(value=cal.id)])
        )
        show(group_resp, group_resp.group)
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
        show(added, f"members={[m.display or m.value for m in members]}")
        member = client.read_user(cal.id, attributes=["userName", "groups"]).user
        assert member is not None
        show(client.read_user(cal.id), f"groups={[g.display for g in member.groups or []]}")

        say("\n5. Paging through every user, two at a time")
        start = 1
        while True:
            page = client.search_users(start_index=start, count=2, sort_by="userName")
            show(page, [u.user_name for u in page.users])
            start += len(page.users)
            if not page.users or start > (page.total_results or 0):
                break

        say("\n6. A rate-limited call retried after Retry-After")
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        server.inject(Fault.status(429, headers={"Retry-After": "1"}))
        before = len(server.requests)
        limited = client.read_group(group.id)
        attempts = len(server.requests) - before
        show(limited, f"the server saw {attempts} attempts: 429, then {limited.status_code}")

        say("\n7. Delete everything")
        show(client.delete_group(group.id))
        for u in client.search_users(count=100).users:
            assert u.id is not None
            show(client.delete_user(u.id))
        remaining = client.search_users()
        show(remaining, f"totalResults={remaining.total_results}")
        say("\ndone.")
        return 0 if remaining.total_results == 0 else 1

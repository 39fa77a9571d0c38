"""`plan_sync` and `Plan`: what it takes to make the server agree with the desired side.

Planning reads the server once (see `_target`) and compares in memory; it never writes. The
changes are built here from the indexes; `Plan.apply` (in `_apply`) carries them out and
`Plan.to_json` / `Plan.from_json` (in `_plan_io`) write and read them for review.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..client import SCIMClient
from ..models._base import copy_json
from ._compare import (
    agrees,
    deactivate_body,
    group_attribute_changes,
    member_batches,
    member_values,
    planned_update,
)
from ._desired import (
    DesiredGroup,
    DesiredUser,
    Settings,
    check_settings,
    fold,
    key_of,
    read_groups,
    read_users,
    user_problems,
)
from ._model import Change, Problem, SyncBlocked
from ._target import ServerFacts, Target, learn, read_target

if TYPE_CHECKING:
    from ._model import Outcome, SyncResult
    from ._target import Progress

__all__ = ["Plan", "plan_sync"]

PLACEHOLDER = "bulkId:"


class Plan:
    """The changes that make the server agree with the desired side, not yet sent.

        plan = plan_sync(client, users=people, groups=teams)
        print(plan)                    # counts per action, problems, why it is blocked
        for change in plan.changes:    # Change(action, resource_type, key, id, body, etag)
            ...
        result = plan.apply(workers=4)

    - `changes`: the writes, in the order `apply` runs them: creates, updates, group
      changes, then deactivations and deletions.
    - `problems`: what is wrong with the desired side (each with its position); a plan
      with problems cannot be applied.
    - `blocked`: why `apply` would refuse (problems, or the brake on mass deletion), or None.
    - `settings`: `match`, `scope`, `deprovision`, `max_deletions`, `delete_groups`,
      `member_batch_size`, `allow_empty_source`, as given to `plan_sync`.
    - `etag`: whether updates send `If-Match` with the version read (the server supports
      ETags, RFC 7644 §3.14).
    - `managed_users`: how many server users the sync owns (matched or in scope).

    `len(plan)` is the number of changes: 0 when the server already agrees.
    """

    def __init__(
        self,
        client: SCIMClient,
        *,
        changes: list[Change],
        problems: list[Problem],
        settings: Settings,
        etag: bool = False,
        managed_users: int = 0,
        blocked: str | None = None,
    ) -> None:
        self.client = client
        self.changes = changes
        self.problems = problems
        self.settings = settings
        self.etag = etag
        self.managed_users = managed_users
        self.blocked = blocked
        if problems and blocked is None:
            self.blocked = f"{len(problems)} problem(s) in the desired side"

    def count(self, action: str, resource_type: str = "User") -> int:
        """How many changes do `action` (`"create"`…) to resources of `resource_type`."""
        return sum(
            1 for c in self.changes if c.action == action and c.resource_type == resource_type
        )

    def __len__(self) -> int:
        return len(self.changes)

    def __str__(self) -> str:
        lines = []
        for kind in ("User", "Group"):
            counts = [f"{self.count(a, kind)} to {a}" for a in ("create", "update")]
            counts += [f"{self.count(a, kind)} to {a}" for a in ("deactivate", "delete")]
            if kind == "Group":
                counts.remove("0 to deactivate")
            lines.append(f"{kind}s: " + ", ".join(counts))
        lines.append(f"{len(self.changes)} change(s) in all")
        if self.blocked:
            lines.append(f"BLOCKED: {self.blocked}")
        lines.extend(f"problem: {p}" for p in self.problems)
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = f" blocked={self.blocked!r}" if self.blocked else ""
        return f"<Plan {len(self.changes)} changes{state}>"

    def apply(
        self,
        *,
        workers: int = 4,
        progress: Callable[[int, int, Outcome], object] | None = None,
        stop_on_error: bool = False,
    ) -> SyncResult:
        """Carry the changes out; returns a `SyncResult` (`created`, `updated`,
        `deactivated`, `deleted`, `failed`, `skipped`), each outcome with its response.

            result = plan.apply(workers=4, progress=lambda done, total, outcome: ...)
            assert not result.failed

        Creates first, then user updates, then group changes (so that new users can be
        members: their ids come from the create answers), then deactivations and deletions.
        `workers` threads share the client's pooled connections. A `429` is waited out
        (a `RateLimitErrorRetryHandler` is added for the apply when the client has none;
        the client itself is not changed). With ETags, each update sends `If-Match` with the
        version the plan read; a `412` re-reads that resource, compares again, and sends
        what is still needed once. A failed change does not stop the others unless
        `stop_on_error=True`. `progress(done, total, outcome)` is called after each change.
        A blocked plan raises `SyncBlocked` before sending anything.
        """
        from ._apply import apply_plan

        if isinstance(workers, bool) or not isinstance(workers, int):
            raise TypeError(f"workers must be an int, not {type(workers).__name__}")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        if progress is not None and not callable(progress):
            raise TypeError("progress must be a callable or None")
        if not isinstance(stop_on_error, bool):
            raise TypeError("stop_on_error must be True or False")
        if self.blocked:
            raise SyncBlocked(self.blocked, problems=tuple(self.problems))
        return apply_plan(self, workers=workers, progress=progress, stop_on_error=stop_on_error)

    def to_json(self) -> str:
        """The plan as JSON text: stable (sorted keys, changes in plan order), to review or
        keep, and to read back with `Plan.from_json`.

            Path("plan.json").write_text(plan.to_json())
        """
        from ._plan_io import plan_to_json

        return plan_to_json(self)

    @classmethod
    def from_json(cls, text: str, client: SCIMClient) -> Plan:
        """A plan written by `to_json`, to apply with `client` (the same server).

        plan = Plan.from_json(Path("plan.json").read_text(), client)
        plan.apply()
        """
        from ._plan_io import plan_from_json

        return cls(client, **plan_from_json(text, client))


def plan_sync(
    client: SCIMClient,
    *,
    users: Iterable[Any],
    groups: Iterable[Any] | None = None,
    match: str = "externalId",
    scope: object = None,
    deprovision: str = "deactivate",
    max_deletions: int | float | None = 500,
    delete_groups: bool = False,
    member_batch_size: int = 100,
    allow_empty_source: bool = False,
    progress: Callable[[int, int | None, str], object] | None = None,
) -> Plan:
    """Compare the desired users (and groups) with the server and plan the writes.

        from scimkit.sync import plan_sync

        plan = plan_sync(client, users=[{"userName": "bjensen", "externalId": "e-1"}],
                         groups=[{"displayName": "Tour Guides", "members": ["e-1"]}])
        print(plan)

    - `users`: `User`s or dicts (camelCase JSON, as the server sees them).
    - `groups`: `Group`s or dicts with `displayName` and `members` given by user key (the
      `match` value of a desired user), not by server id. None: groups are not synced.
    - `match`: `"externalId"` (falling back to `userName` for a server user that has no
      externalId yet) or `"userName"` (compared case-insensitively, RFC 7643 §4.1.1).
    - `scope`: a filter (text or `F` expression): only server users it selects, and those a
      desired user matches, are managed. None: every server user is in scope.
    - `deprovision`: what happens to a user in scope that the desired side no longer has:
      `"deactivate"` (`active: false`), `"delete"` or `"keep"`.
    - `max_deletions`: the brake: more deactivations and deletions than this (an int, or a
      fraction of the managed users like `0.1`; None for no limit) block the plan. An empty
      desired side against users in scope always blocks it, unless `allow_empty_source`.
    - `delete_groups`: delete server groups absent from `groups`.
    - `member_batch_size`: the most members one PATCH adds or removes.
    - `progress`: `progress(read, total, resource_type)` after each page of users (`"User"`)
      or groups (`"Group"`) read: the count so far and the server's `totalResults` (None
      when it does not say it, or pages with cursors).

    Bad arguments raise `TypeError` / `ValueError`. Problems in the data (a duplicate key,
    a member that is no desired user, a user without the match key, an unknown attribute)
    are all collected in `plan.problems`, each with its position; the rest of the plan is
    still made (the server is read, nothing is written) and the plan is blocked until they are
    fixed. What a refused row stands for on the server is neither changed nor removed.
    """
    if not isinstance(client, SCIMClient):
        raise TypeError(f"client must be a SCIMClient, not {type(client).__name__}")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable or None, not {type(progress).__name__}")
    settings = check_settings(
        match=match,
        scope=scope,
        deprovision=deprovision,
        max_deletions=max_deletions,
        delete_groups=delete_groups,
        member_batch_size=member_batch_size,
        allow_empty_source=allow_empty_source,
    )
    return _plan(client, users, groups, settings, progress)


def _plan(
    client: SCIMClient,
    users: object,
    groups: object,
    settings: Settings,
    progress: Progress | None = None,
) -> Plan:
    """Check the desired side, read the server once, and build the plan. Rows with problems
    are left out of it and what they stand for on the server is held (neither deprovisioned
    nor deleted as absent); the rest of the plan is still shown, blocked until they are
    fixed. Nothing but reads is sent."""
    problems: list[Problem] = []
    desired, keys = read_users(users, settings, problems)
    held = Held(keys - {user.folded for user in desired})
    wanted = None if groups is None else read_groups(groups, settings, keys, problems, held.groups)
    facts = learn(client)
    target = read_target(
        client,
        facts,
        users=desired,
        groups=wanted,
        match=settings.match,
        scope=settings.scope,
        progress=progress,
    )
    return _build(client, settings, facts, target, desired, wanted, problems, held, empty=not keys)


def _build(
    client: SCIMClient,
    settings: Settings,
    facts: ServerFacts,
    target: Target,
    desired: list[DesiredUser],
    wanted: list[DesiredGroup] | None,
    problems: list[Problem],
    held: Held,
    *,
    empty: bool,
) -> Plan:
    v1 = client.dialect.is_v1
    checked = Checked(facts.extensions, problems)
    changes, claimed, ids = _plan_users(target, desired, settings, checked, v1=v1)
    problems.sort(key=_position)
    scope = target.in_scope if target.in_scope is not None else set(target.users)
    kept = {target.by_key[k] for k in held.user_keys if k in target.by_key}
    managed = (scope | set(claimed)) - kept
    if wanted is not None:
        people = MemberNames(target, claimed, desired, managed)
        changes += _plan_groups(target, wanted, ids, people, settings, v1=v1)
    removals = _plan_deprovision(target, managed - set(claimed), settings, v1=v1)
    if wanted is not None and settings.delete_groups:
        names = {g.name.lower() for g in wanted} | held.groups
        removals += [
            Change("delete", "Group", str(g.get("displayName")), ident, etag=_version(g))
            for ident, g in target.groups.items()
            if str(g.get("displayName", "")).lower() not in names
        ]
    changes += removals
    plan = Plan(
        client,
        changes=changes,
        problems=problems,
        settings=settings,
        etag=facts.etag,
        managed_users=len(managed),
    )
    if plan.blocked is None:
        plan.blocked = _brake(len(removals), len(managed), settings, empty=empty)
    return plan


@dataclass
class Held:
    """What rows with problems stand for: the folded match keys of users, the lower-cased
    names of groups. The server resources they name are neither changed nor removed."""

    user_keys: set[str]
    groups: set[str] = field(default_factory=set)


def _brake(removals: int, managed: int, settings: Settings, *, empty: bool) -> str | None:
    """Why the plan must not run, if it deprovisions too much (Entra Connect's
    accidental-deletion threshold, 500 by default, is the model)."""
    if empty and removals and not settings.allow_empty_source:
        return (
            f"the desired side is empty but {removals} server resource(s) would be "
            "deactivated or deleted: an empty or truncated source? (allow_empty_source=True "
            "if it is meant)"
        )
    limit = settings.max_deletions
    if limit is None:
        return None
    allowed = limit if isinstance(limit, int) else math.floor(limit * managed)
    if removals > allowed:
        given = limit if isinstance(limit, int) else f"{limit:g} of {managed} managed = {allowed}"
        return (
            f"{removals} deactivations/deletions exceed max_deletions ({given}); raise "
            "max_deletions to allow them"
        )
    return None


def _version(data: dict[str, Any]) -> str | None:
    meta = data.get("meta")
    version = meta.get("version") if isinstance(meta, dict) else None
    return version if isinstance(version, str) else None


def _match(
    target: Target, user: DesiredUser, settings: Settings, problems: list[Problem]
) -> str | None:
    """The server id of the user `user` stands for, or None (a create)."""
    ident = target.by_key.get(user.folded)
    if ident is not None or settings.match != "externalId":
        return ident
    name = str(key_of(user.data, "userName"))
    ident = target.by_user_name.get(name.lower())
    if ident is None:
        return None
    other = target.users[ident].get("externalId")
    if isinstance(other, str) and other:
        problems.append(
            Problem(
                f"users[{user.index}]",
                f"userName {name!r} is taken on the server by user {ident} with externalId "
                f"{other!r}",
            )
        )
        return None
    return ident  # a server user without externalId: taken over, its externalId set


@dataclass
class Checked:
    """The attribute check of the users a plan would send (`user_problems`), with the
    extensions the server describes; what it finds goes to `problems`."""

    extensions: dict[str, set[str]]
    problems: list[Problem]

    def refuses(self, user: DesiredUser) -> bool:
        found = user_problems(user.data, self.extensions)
        self.problems += (Problem(f"users[{user.index}]", text) for text in found)
        return bool(found)


def _position(problem: Problem) -> tuple[bool, int]:
    """Users before groups, each in the order given: where a problem was found."""
    head = problem.where.split("]", 1)[0]
    number = head.rpartition("[")[2]
    return head.startswith("groups"), int(number) if number.isdigit() else -1


def _plan_users(
    target: Target,
    desired: list[DesiredUser],
    settings: Settings,
    checked: Checked,
    *,
    v1: bool,
) -> tuple[list[Change], dict[str, int], dict[str, str]]:
    """Creates and updates; the server ids claimed (-> desired index); key -> id or
    placeholder for every desired user that can be created."""
    creates: list[Change] = []
    updates: list[Change] = []
    claimed: dict[str, int] = {}
    ids: dict[str, str] = {}
    problems = checked.problems
    for user in desired:
        before = len(problems)
        ident = _match(target, user, settings, problems)
        if ident is not None and ident in claimed:
            problems.append(
                Problem(
                    f"users[{user.index}]",
                    f"matches the same server user as users[{claimed[ident]}]",
                )
            )
        if len(problems) > before:
            continue
        folded = user.folded
        if ident is None:
            if not checked.refuses(user):
                body = copy_json(user.data)
                creates.append(Change("create", "User", user.key, body=body, index=user.index))
                ids[folded] = PLACEHOLDER + user.key
            continue
        claimed[ident] = user.index
        ids[folded] = ident
        server = target.users[ident]
        aim = user.data
        if settings.deprovision == "deactivate" and key_of(aim, "active") is None:
            if server.get("active") is not False and agrees(server, aim):
                continue  # the common case, decided without a copy or a check
            aim = {**aim, "active": True}  # the sync deactivated it: a returner comes back
        if agrees(server, aim) or checked.refuses(user):
            continue
        planned = planned_update(server, aim, v1=v1)
        if planned is not None:
            body, old = planned
            aim = copy_json(aim)
            change = Change("update", "User", user.key, ident, body, _version(server), aim)
            change.index, change.before = user.index, old
            updates.append(change)
    return creates + updates, claimed, ids


def _plan_deprovision(
    target: Target, leaving: set[str], settings: Settings, *, v1: bool
) -> list[Change]:
    """A deactivation or deletion for each user in scope the desired side does not have."""
    if settings.deprovision == "keep":
        return []
    changes = []
    for ident in sorted(leaving, key=lambda i: str(target.users[i].get("userName", i))):
        data = target.users[ident]
        key = data.get(settings.match) or data.get("userName") or ident
        if settings.deprovision == "delete":
            changes.append(Change("delete", "User", str(key), ident, etag=_version(data)))
        elif data.get("active") is not False:
            body = deactivate_body(v1=v1)
            changes.append(Change("deactivate", "User", str(key), ident, body, _version(data)))
    return changes


def _plan_groups(
    target: Target,
    wanted: list[DesiredGroup],
    ids: dict[str, str],
    names: MemberNames,
    settings: Settings,
    *,
    v1: bool,
) -> list[Change]:
    """Creates and member/attribute changes of the desired groups."""
    changes: list[Change] = []
    batch = settings.member_batch_size
    for group in wanted:
        found = (ids.get(fold(k, settings.match)) for k in group.members)
        members = [m for m in found if m is not None]  # None: a user with a problem
        ident = target.groups_by_name.get(group.name.lower())
        before: dict[str, Any] = {}
        if ident is None:
            first, rest = members[:batch], members[batch:]
            body = copy_json(group.data)
            if first:
                body["members"] = [{"value": v} for v in first]
            create = Change("create", "Group", group.name, body=body, index=group.index)
            create.needs, create.member_keys = _needs(first), names.keys(first)
            changes.append(create)
            batches = member_batches([], rest, [], batch, v1=v1)
            aim: dict[str, Any] = {"attributes": copy_json(group.data), "add": rest, "remove": []}
        else:
            server = target.groups[ident]
            current = member_values(server)
            present = set(current)
            add = [m for m in members if m not in present]
            remove = [m for m in current if m in names.managed and m not in set(members)]
            operations, before = group_attribute_changes(server, group.data)
            batches = member_batches(operations, add, remove, batch, v1=v1)
            aim = {"attributes": copy_json(group.data), "add": add, "remove": remove}
        for number, (body, values) in enumerate(batches):
            first_batch = ident is not None and number == 0
            etag = _version(target.groups[ident]) if first_batch and ident else None
            change = Change("update", "Group", group.name, ident, body, etag, aim, group.index)
            change.needs, change.member_keys = _needs_in(body), names.keys(values)
            change.before = before if first_batch else {}
            changes.append(change)
    return changes


@dataclass
class MemberNames:
    """Who a member value of a group change is, to show people rather than ids: the key of
    the desired user that claimed a server id (or that a `bulkId:` placeholder stands for),
    the server's `userName` for any other managed user. `managed`: the ids the sync owns."""

    target: Target
    claimed: dict[str, int]
    desired: list[DesiredUser]
    managed: set[str]
    _by_index: dict[int, str] | None = field(default=None, init=False, repr=False)

    def key(self, value: str) -> str:
        if value.startswith(PLACEHOLDER):
            return value[len(PLACEHOLDER) :]
        index = self.claimed.get(value)
        if index is not None:
            if self._by_index is None:  # built once, only when a plan changes members
                self._by_index = {user.index: user.key for user in self.desired}
            return self._by_index[index]
        name = self.target.users.get(value, {}).get("userName")
        return name if isinstance(name, str) else value

    def keys(self, values: list[str]) -> dict[str, str]:
        return {value: self.key(value) for value in values}


def _needs(values: list[str]) -> list[str]:
    return [v[len(PLACEHOLDER) :] for v in values if v.startswith(PLACEHOLDER)]


def _needs_in(body: dict[str, Any]) -> list[str]:
    values: list[str] = []
    for operation in body.get("Operations", []):
        if operation.get("op") == "add":
            values += [m["value"] for m in operation.get("value", [])]
    values += [m["value"] for m in body.get("members", []) if "operation" not in m]
    return _needs(values)

"""The values a sync plan is made of: `Change`, `Problem`, `Outcome`, `SyncResult`, and
`SyncBlocked`, the error an apply raises instead of writing. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import SCIMError

__all__ = [
    "ACTIONS",
    "Change",
    "Outcome",
    "Problem",
    "SyncBlocked",
    "SyncResult",
]

#: What a change does, in the order `apply` runs the phases.
ACTIONS = ("create", "update", "deactivate", "delete")


@dataclass
class Change:
    """One write the plan will send.

    - `action`: `"create"`, `"update"`, `"deactivate"` or `"delete"`.
    - `resource_type`: `"User"` or `"Group"`.
    - `key`: the match key value of a user (`externalId` or `userName`), the `displayName`
      of a group.
    - `id`: the server id of the resource (None for a create).
    - `body`: the exact JSON sent: the resource of a create, the `PatchOp` of an update or a
      deactivation (SCIM 1.1: the partial resource), None for a delete. A member added to a
      group that this plan creates first is written `"bulkId:<key>"` (as in a bulk request)
      and replaced by the id the create answered; `needs` lists those keys.
    - `etag`: the version (`meta.version`) the plan read, sent as `If-Match` when the
      server supports ETags.
    - `desired`: what the update aims at (the desired user's attributes, or the group's
      attributes and the member ids added and removed), to re-diff after a `412`.
    - `index`: the position of the desired user or group it comes from (None for
      deprovisioning).
    - `before`: for an update, the server's values of the attributes it changes, as the
      plan read them (an attribute the server did not have is absent), to show what goes
      next to what comes; None for other actions.
    - `member_keys`: who each member the change adds or removes is (by its value in `body`,
      a server id or `"bulkId:<key>"`): the desired user's key for a user the sync manages,
      the server's `userName` otherwise.

        for change in plan.changes:
            print(change.action, change.resource_type, change.key, change.id)
    """

    action: str
    resource_type: str
    key: str
    id: str | None = None
    body: dict[str, Any] | None = None
    etag: str | None = None
    desired: dict[str, Any] | None = None
    index: int | None = None
    needs: list[str] = field(default_factory=list)
    before: dict[str, Any] | None = None
    member_keys: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        where = f" (id {self.id})" if self.id else ""
        return f"{self.action} {self.resource_type} {self.key!r}{where}"


@dataclass(frozen=True)
class Problem:
    """Something wrong with the desired side, found before anything was written.

    `where` names the position (`users[3]`, `groups[0].members[2]`); `message` says what.
    A plan with problems cannot be applied (`plan.blocked` says so); every problem is
    collected, so the rest of the plan is still shown.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Outcome:
    """What became of one `Change` during `apply`: the last `response` the server sent for
    it (None when no answer arrived), and the `error` when it failed (a `SCIMError`).

    A change that the server no longer needed (a `412` re-read showed it done already) has
    `response` from that read and `note` saying so.
    """

    change: Change
    response: Any = None
    error: BaseException | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        """True when the change was carried out (or found done already)."""
        return self.error is None


@dataclass
class SyncResult:
    """What `plan.apply()` did, one `Outcome` per change, filed by what happened.

        result = plan.apply(workers=4)
        for failed in result.failed:
            print(failed.change, failed.error)

    `skipped` holds the changes never started because `stop_on_error=True` stopped the
    run, or because a change they depended on failed (a member whose create failed).
    """

    created: list[Outcome] = field(default_factory=list)
    updated: list[Outcome] = field(default_factory=list)
    deactivated: list[Outcome] = field(default_factory=list)
    deleted: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    skipped: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every change was carried out."""
        return not self.failed and not self.skipped

    def file(self, outcome: Outcome) -> None:
        """Put `outcome` in the list of what happened to it."""
        if outcome.error is not None:
            self.failed.append(outcome)
            return
        target = {
            "create": self.created,
            "update": self.updated,
            "deactivate": self.deactivated,
            "delete": self.deleted,
        }[outcome.change.action]
        target.append(outcome)

    def __str__(self) -> str:
        parts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{len(self.deactivated)} deactivated",
            f"{len(self.deleted)} deleted",
            f"{len(self.failed)} failed",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts)


class SyncBlocked(SCIMError):
    """`apply` refused to write anything: the plan is blocked.

    Either the brake tripped (more deactivations and deletions than `max_deletions`, or an
    empty desired side against a populated server), or the desired side has problems
    (`problems`). `reason` says which; nothing was sent.

        try:
            plan.apply()
        except SyncBlocked as blocked:
            print(blocked.reason)
    """

    def __init__(self, reason: str, *, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(f"the sync plan is blocked, nothing was written: {reason}")
        self.reason = reason
        self.problems = problems

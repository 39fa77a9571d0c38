"""Carrying a sync plan out: `apply_plan`, behind `Plan.apply`.

Four phases, each run on `workers` threads that share the client's pooled connections:
user creates; user updates; group changes (one task per group, its requests in order, so
that each can send the version the one before answered); deactivations and deletions. A
group member created by this plan is written `"bulkId:<key>"` in the plan and replaced here by
the id its create answered.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

from ..errors import NotFound, PreconditionFailed
from ..responses import SCIMResponse
from ..retry import RateLimitErrorRetryHandler
from ._compare import group_attribute_operations, member_bodies, member_values, update_body
from ._model import Change, Outcome, SyncResult

if TYPE_CHECKING:
    from ..client import SCIMClient
    from ._plan import Plan

__all__ = ["apply_plan"]

PLACEHOLDER = "bulkId:"
# How many 429s in a row one request waits out before its change is given up as failed.
RATE_LIMIT_RETRIES = 5


def apply_client(client: SCIMClient) -> SCIMClient:
    """The client the apply sends with: the caller's, or, when it has no rate-limit handler,
    a shallow copy with one added. The copy shares the transport (and so the pooled
    connections) and the discovery; the caller's client is not changed."""
    if any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        return client
    view = copy.copy(client)
    view.retry_handlers = [
        *client.retry_handlers,
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]
    return view


class _Run:
    """The shared state of one apply: the client, ids of what was created, the stop flag."""

    def __init__(self, plan: Plan, stop_on_error: bool) -> None:
        self.client = apply_client(plan.client)
        self.v1 = plan.client.dialect.is_v1
        self.etag = plan.etag
        self.batch = plan.settings.member_batch_size
        self.stop_on_error = stop_on_error
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.created: dict[tuple[str, str], str] = {}  # (type, key) -> id

    # -- one change ------------------------------------------------------------------------

    def send(self, change: Change, body: Any, ident: str | None, etag: str | None) -> Any:
        """One request for `change`; an error answer raises its `SCIMResponseError`."""
        client = self.client
        if_match = etag if self.etag else None
        user = change.resource_type == "User"
        response: SCIMResponse
        if change.action == "create":
            response = client.create_user(body) if user else client.create_group(body)
        elif change.action == "delete":
            assert ident is not None
            delete = client.delete_user if user else client.delete_group
            response = delete(ident, if_match=if_match)
        else:
            assert ident is not None
            patch = client.patch_user if user else client.patch_group
            response = patch(ident, body, if_match=if_match)
        return response.raise_for_status()

    def run(self, change: Change, etag: str | None = None) -> Outcome:
        """Carry one change out, a `412` re-read and re-compared once; never raises."""
        if self.stopped.is_set():
            return Outcome(change, error=None, note="skipped")
        ident = change.id or self.created.get((change.resource_type, change.key))
        try:
            body = self.resolve(change)
            if body is None and change.action != "delete":
                return Outcome(change, note="skipped")
            try:
                response = self.send(change, body, ident, etag or change.etag)
            except PreconditionFailed:
                return self.again(change, ident)
            if change.action == "create":
                self.remember(change, response)
            return Outcome(change, response)
        except Exception as error:  # every failure is kept with its change; others go on
            if self.stop_on_error:
                self.stopped.set()
            response = getattr(error, "response", None)
            return Outcome(change, response, error)

    def remember(self, change: Change, response: Any) -> None:
        body = response.body if isinstance(response.body, dict) else {}
        ident = body.get("id")
        if isinstance(ident, str):
            with self.lock:
                self.created[(change.resource_type, change.key)] = ident

    def resolve(self, change: Change) -> dict[str, Any] | None:
        """The body with each `"bulkId:<key>"` member replaced by the id its create
        answered; members whose create failed are left out (None: nothing left to send)."""
        if not change.needs or change.body is None:
            return change.body
        body = copy.deepcopy(change.body)
        if "Operations" in body:
            for operation in body["Operations"]:
                if isinstance(operation.get("value"), list) and operation.get("path") == "members":
                    operation["value"] = self._members(operation["value"])
            body["Operations"] = [
                op for op in body["Operations"] if op.get("op") != "add" or op.get("value")
            ]
            return body if body["Operations"] else None
        if "members" in body:
            body["members"] = self._members(body["members"])
            if change.action != "create" and not body["members"]:
                return None
        return body

    def _members(self, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
        resolved = []
        for member in members:
            value = member.get("value")
            if isinstance(value, str) and value.startswith(PLACEHOLDER):
                found = self.created.get(("User", value[len(PLACEHOLDER) :]))
                if found is None:
                    continue  # its create failed: the next plan adds it
                member = {**member, "value": found}
            resolved.append(member)
        return resolved

    # -- after a 412 -----------------------------------------------------------------------

    def again(self, change: Change, ident: str | None) -> Outcome:
        """RFC 7644 §3.14: the resource changed since the plan read it. Read it again,
        compare again, and send what is still needed, once, with the new version."""
        assert ident is not None
        user = change.resource_type == "User"
        read = self.client.read_user if user else self.client.read_group
        try:
            fresh = read(ident).raise_for_status()
        except NotFound as gone:
            if change.action in ("delete", "deactivate"):
                return Outcome(change, gone.response, note="already gone")
            raise
        current = fresh.body if isinstance(fresh.body, dict) else {}
        body = self.rediff(change, current)
        if body is None:
            return Outcome(change, fresh, note="already as desired on the server")
        response = self.send(change, body, ident, _version_of(fresh))
        return Outcome(change, response, note="sent again after 412")

    def rediff(self, change: Change, current: dict[str, Any]) -> dict[str, Any] | None:
        """What `change` still has to send to the resource as it is now."""
        if change.action == "delete":
            return {}
        if change.action == "deactivate":
            return change.body if current.get("active") is not False else None
        desired = change.desired or {}
        if change.resource_type == "User":
            return update_body(current, desired, v1=self.v1)
        present = set(member_values(current))
        add = [m for m in desired.get("add", []) if m not in present]
        remove = [m for m in desired.get("remove", []) if m in present]
        operations = group_attribute_operations(current, desired.get("attributes", {}))
        bodies = member_bodies(operations, add, remove, max(1, len(add) + len(remove)), v1=self.v1)
        return bodies[0] if bodies else None


def _version_of(response: Any) -> str | None:
    """The version a write or read answered (`ETag`, else `meta.version`)."""
    etag = getattr(response, "etag", None)
    return etag if isinstance(etag, str) else None


def _group_task(run: _Run, changes: list[Change]) -> list[Outcome]:
    """One group's changes in order, each sending the version the one before answered."""
    outcomes = []
    etag: str | None = None
    for change in changes:
        outcome = run.run(change, etag)
        outcomes.append(outcome)
        etag = _version_of(outcome.response) if outcome.ok else None
        if change.action == "create" and (not outcome.ok or outcome.note == "skipped"):
            # No group to change: what follows is skipped, and the next plan has it again.
            outcomes += [Outcome(c, note="skipped") for c in changes[len(outcomes) :]]
            break
    return outcomes


def _phases(changes: list[Change]) -> list[list[list[Change]]]:
    """The changes as phases of tasks, each task a list run in order by one thread."""
    creates = [[c] for c in changes if c.resource_type == "User" and c.action == "create"]
    updates = [[c] for c in changes if c.resource_type == "User" and c.action == "update"]
    groups: dict[str, list[Change]] = {}
    for change in changes:
        if change.resource_type == "Group" and change.action in ("create", "update"):
            groups.setdefault(change.key.lower(), []).append(change)
    last = [[c] for c in changes if c.action in ("deactivate", "delete")]
    return [creates, updates, list(groups.values()), last]


def apply_plan(
    plan: Plan,
    *,
    workers: int,
    progress: Callable[[int, int, Outcome], object] | None,
    stop_on_error: bool,
) -> SyncResult:
    """Run the plan's changes (see the module); `progress` is called in the calling thread,
    so an exception it raises (`KeyboardInterrupt`) stops the apply: what is running ends,
    nothing more is started."""
    run = _Run(plan, stop_on_error)
    result = SyncResult()
    total = len(plan.changes)
    done = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scimkit-sync") as pool:
        try:
            for phase in _phases(plan.changes):
                futures: list[Future[list[Outcome]]] = [
                    pool.submit(_group_task, run, task) for task in phase
                ]
                for future in as_completed(futures):
                    for outcome in future.result():
                        done += 1
                        if outcome.note == "skipped":
                            result.skipped.append(outcome.change)
                        else:
                            result.file(outcome)
                        if progress is not None:
                            progress(done, total, outcome)
        except BaseException:
            run.stopped.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return result

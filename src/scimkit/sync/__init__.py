"""Provisioning sync: plan, review and apply a whole directory in the fewest requests.

    from scimkit.sync import plan_sync

    plan = plan_sync(client, users=people, groups=teams, deprovision="deactivate")
    print(plan)                          # counts per action; problems; why it is blocked
    for change in plan.changes: ...      # action, resource type, key, id, the exact body
    reviewed = plan.to_json()            # stable text; Plan.from_json(text, client) reads it
    result = plan.apply(workers=4)       # created / updated / deactivated / deleted / failed

Planning reads the server once, a page at a time, and compares in memory: a directory of N
users with k differences costs about N/page_size reads plus k writes. Only what the desired
side mentions is written; users outside `scope` are never touched; a brake (`max_deletions`)
blocks mass deprovisioning; bad input is refused before anything is sent; an interrupted
apply is finished by planning and applying again. This is a submodule: `import scimkit`
does not load it.
"""

from __future__ import annotations

from ._model import Change, Outcome, Problem, SyncBlocked, SyncResult
from ._plan import Plan, plan_sync

__all__ = [
    "Change",
    "Outcome",
    "Plan",
    "Problem",
    "SyncBlocked",
    "SyncResult",
    "plan_sync",
]

"""A sync plan as JSON text and back: what `Plan.to_json` writes and `Plan.from_json` reads.

The text is stable (sorted keys, two-space indent, changes in plan order), so that two plans
of the same state are byte for byte equal and a reviewed plan can be diffed and applied
later. A plan carries the settings it was made with and the SCIM version of its bodies.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from ._desired import Settings
from ._model import ACTIONS, Change, Problem

if TYPE_CHECKING:
    from ..client import SCIMClient
    from ._plan import Plan

__all__ = ["FORMAT", "plan_from_json", "plan_to_json"]

#: The format's name and version, the first thing a reader checks.
FORMAT = "scimkit-sync-plan/1"
_CHANGE_FIELDS = tuple(f.name for f in fields(Change))


def plan_to_json(plan: Plan) -> str:
    """The plan as stable JSON text (see the module)."""
    document = {
        "format": FORMAT,
        "scimVersion": plan.client.scim_version,
        "settings": asdict(plan.settings),
        "etag": plan.etag,
        "managedUsers": plan.managed_users,
        "blocked": plan.blocked,
        "problems": [{"where": p.where, "message": p.message} for p in plan.problems],
        "changes": [asdict(c) for c in plan.changes],
    }
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _fail(problem: str) -> ValueError:
    return ValueError(f"text is not a scimkit sync plan: {problem}")


def _change(number: int, item: Any) -> Change:
    if not isinstance(item, dict) or set(item) != set(_CHANGE_FIELDS):
        raise _fail(f"changes[{number}] must have exactly {', '.join(_CHANGE_FIELDS)}")
    change = Change(**item)
    if change.action not in ACTIONS or change.resource_type not in ("User", "Group"):
        raise _fail(f"changes[{number}] has an unknown action or resource type")
    if not isinstance(change.key, str) or not isinstance(change.needs, list):
        raise _fail(f"changes[{number}] has a key or needs of the wrong type")
    for name in ("body", "desired", "before"):
        if getattr(change, name) is not None and not isinstance(getattr(change, name), dict):
            raise _fail(f"changes[{number}].{name} must be an object or null")
    for name in ("id", "etag"):
        if getattr(change, name) is not None and not isinstance(getattr(change, name), str):
            raise _fail(f"changes[{number}].{name} must be a string or null")
    keys = change.member_keys
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise _fail(f"changes[{number}].member_keys must map strings to strings")
    return change


def plan_from_json(text: str, client: SCIMClient) -> dict[str, Any]:
    """The arguments of `Plan(client, ...)` read from `plan_to_json`'s text; a `ValueError`
    says what is wrong with text that is not such a plan, or written for another SCIM
    version."""
    from ..client import SCIMClient

    if not isinstance(text, (str, bytes)):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if not isinstance(client, SCIMClient):
        raise TypeError(f"client must be a SCIMClient, not {type(client).__name__}")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise _fail(f"not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _fail(f'no "format": {FORMAT!r}')
    if document.get("scimVersion") != client.scim_version:
        raise ValueError(
            f"the plan was made for SCIM {document.get('scimVersion')}, the client speaks "
            f"{client.scim_version}"
        )
    settings = document.get("settings")
    problems = document.get("problems")
    changes = document.get("changes")
    if not isinstance(settings, dict) or set(settings) != {f.name for f in fields(Settings)}:
        raise _fail("settings are missing or incomplete")
    if not isinstance(problems, list) or not isinstance(changes, list):
        raise _fail("problems and changes must be lists")
    if not all(isinstance(p, dict) for p in problems):
        raise _fail("each of problems must be an object")
    blocked = document.get("blocked")
    return dict(
        changes=[_change(n, item) for n, item in enumerate(changes)],
        problems=[Problem(str(p.get("where")), str(p.get("message"))) for p in problems],
        settings=Settings(**settings),
        etag=document.get("etag") is True,
        managed_users=int(document.get("managedUsers") or 0),
        blocked=blocked if isinstance(blocked, str) else None,
    )

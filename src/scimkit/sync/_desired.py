"""The desired side of a sync: the arguments of `plan_sync` checked, the users and groups
turned into plain JSON records, and every problem in them collected with its position.

Pure: nothing here sends a request. A wrong argument type is a `TypeError`, a wrong value a
`ValueError`, each naming the argument; a problem in the data (a duplicate key, a member that
is no desired user, an unknown attribute) is a `Problem`, so that one run shows them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..filters import (
    And,
    Comparison,
    FilterSyntaxError,
    Not,
    Or,
    Present,
    ValuePath,
    parse_filter,
    serialize,
)
from ..models import EnterpriseUser, Group, SCIMModel, User
from ._model import Problem
from ._validate import resource_problems

__all__ = [
    "DesiredGroup",
    "DesiredUser",
    "Settings",
    "check_settings",
    "fold",
    "key_of",
    "read_groups",
    "read_users",
    "user_problems",
]

MATCH_KEYS = ("externalId", "userName")
DEPROVISION = ("deactivate", "delete", "keep")
# Never compared nor sent in an update: the server owns them (RFC 7643 §3.1, §4.1.2).
SERVER_OWNED = frozenset({"id", "meta", "schemas"})


@dataclass
class Settings:
    """The checked arguments of `plan_sync` (everything but the client and the data)."""

    match: str = "externalId"
    scope: str | None = None
    deprovision: str = "deactivate"
    max_deletions: int | float | None = 500
    delete_groups: bool = False
    member_batch_size: int = 100
    allow_empty_source: bool = False


@dataclass
class DesiredUser:
    """One desired user: its position, match key, and attributes as the server sees them."""

    index: int
    key: str
    data: dict[str, Any]
    folded: str  # `key` as compared (see `fold`)


@dataclass
class DesiredGroup:
    """One desired group: its position, `displayName`, attributes and member keys."""

    index: int
    name: str
    data: dict[str, Any]
    members: list[str] = field(default_factory=list)


def _scope_text(scope: object) -> str | None:
    if scope is None:
        return None
    if isinstance(scope, str):
        try:
            parse_filter(scope)
        except FilterSyntaxError as error:
            raise ValueError(f"scope is not a valid filter: {error}") from None
        return scope
    if isinstance(scope, (Comparison, Present, And, Or, Not, ValuePath)):
        return serialize(scope)
    raise TypeError(f"scope must be a filter string or an F expression, not {type(scope).__name__}")


def _limit(value: object) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"max_deletions must be an int, a float fraction or None, not {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"max_deletions must not be negative, not {value}")
        return value
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"max_deletions as a fraction must be between 0 and 1, not {value}")
    return value


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")
    return value


def check_settings(
    *,
    match: object,
    scope: object,
    deprovision: object,
    max_deletions: object,
    delete_groups: object,
    member_batch_size: object,
    allow_empty_source: object,
) -> Settings:
    """Every optional argument of `plan_sync`, checked before anything is sent."""
    if not isinstance(match, str):
        raise TypeError(f"match must be a str, not {type(match).__name__}")
    if match not in MATCH_KEYS:
        raise ValueError(f"match must be 'externalId' or 'userName', not {match!r}")
    if not isinstance(deprovision, str):
        raise TypeError(f"deprovision must be a str, not {type(deprovision).__name__}")
    if deprovision not in DEPROVISION:
        raise ValueError(
            f"deprovision must be 'deactivate', 'delete' or 'keep', not {deprovision!r}"
        )
    if isinstance(member_batch_size, bool) or not isinstance(member_batch_size, int):
        raise TypeError(f"member_batch_size must be an int, not {type(member_batch_size).__name__}")
    if member_batch_size < 1:
        raise ValueError(f"member_batch_size must be at least 1, not {member_batch_size}")
    return Settings(
        match=match,
        scope=_scope_text(scope),
        deprovision=deprovision,
        max_deletions=_limit(max_deletions),
        delete_groups=_flag("delete_groups", delete_groups),
        member_batch_size=member_batch_size,
        allow_empty_source=_flag("allow_empty_source", allow_empty_source),
    )


def _items(name: str, value: object, model: type[SCIMModel]) -> list[dict[str, Any]]:
    """An iterable of models or dicts, as plain JSON objects (copies)."""
    if isinstance(value, (str, bytes, Mapping, SCIMModel)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be an iterable of {model.__name__} or dict, not {type(value).__name__}"
        )
    records: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        if type(item) is dict:
            records.append(item)  # not copied: read only; a change copies what it sends
        elif isinstance(item, model):
            records.append(item.to_dict())
        elif isinstance(item, Mapping):
            # Not copied: read only. What a change sends is copied when the change is made.
            records.append(item if isinstance(item, dict) else dict(item))
        else:
            raise TypeError(
                f"{name}[{index}] must be a {model.__name__} or a dict, not {type(item).__name__}"
            )
    return records


def user_problems(data: Mapping[str, Any], extensions: Mapping[str, set[str]]) -> list[str]:
    """What is wrong with a desired user's attributes: names RFC 7643 does not define, or
    the extensions the server describes (read by discovery) do not, and values of the wrong
    type. Asked only of users the plan would send: one that agrees with the server has
    nothing wrong (its every value is one the server holds)."""
    found = resource_problems(data, "User", {})
    described = {
        key: value
        for key, value in data.items()
        if isinstance(key, str)
        and key.lower() in extensions
        and key.lower() != EnterpriseUser.schema.lower()
    }
    return found + resource_problems(described, "User", extensions) if described else found


def key_of(data: Mapping[str, Any], match: str) -> Any:
    """The value of attribute `match` in `data`, its name compared case-insensitively."""
    if match in data:
        return data[match]
    lower = match.lower()
    for key, value in data.items():
        if isinstance(key, str) and key.lower() == lower:
            return value
    return None


def fold(value: str, match: str) -> str:
    """The form a key is compared in: userName is caseExact false (RFC 7643 §4.1.1),
    externalId caseExact true (§3.1)."""
    return value.lower() if match == "userName" else value


def _user_problems(
    data: Mapping[str, Any], key: Any, name: Any, match: str, seen: dict[str, int]
) -> list[str]:
    """What is wrong with one desired user besides its schema; `seen` holds the folded
    match keys (and, under `"name:"`, the lower-cased userNames) of the users before it."""
    found: list[str] = []
    if not isinstance(name, str) or not name:
        found.append("no userName (every user needs one)")
    elif "name:" + name.lower() in seen:
        found.append(f"userName {name!r} again (as users[{seen['name:' + name.lower()]}])")
    if match == "userName":
        return found
    if not isinstance(key, str) or not key:
        found.append(f"no {match} (the match key)")
    elif key in seen:
        found.append(f"{match} {key!r} again (as users[{seen[key]}])")
    return found


def read_users(
    users: object, settings: Settings, problems: list[Problem]
) -> tuple[list[DesiredUser], set[str]]:
    """The desired users whose keys are sound, and the folded match keys of all of them (so
    that a user refused for another reason is not reported again as an unknown member);
    the problems found go to `problems`. Attributes are checked later, and only those of
    the users the plan would send (`user_problems`)."""
    match = settings.match
    records = _items("users", users, User)
    seen: dict[str, int] = {}
    found: list[DesiredUser] = []
    for index, data in enumerate(records):
        key = key_of(data, match)
        name = key_of(data, "userName")
        bad = _user_problems(data, key, name, match, seen)
        if isinstance(name, str) and name:
            seen.setdefault("name:" + name.lower(), index)
        folded = fold(key, match) if isinstance(key, str) and key else None
        if folded is not None:
            seen.setdefault(folded, index)
        if bad:
            # Left out of the plan: its attributes are checked here, so that the row's every
            # problem is told at once (those of the others wait until they would be sent).
            bad += user_problems(data, {})
            problems.extend(Problem(f"users[{index}]", text) for text in bad)
        else:
            found.append(DesiredUser(index, key, data, str(folded)))
    every_key = (
        {k for k in seen if not k.startswith("name:")}
        if match != "userName"
        else {k[5:] for k in seen if k.startswith("name:")}
    )
    return found, every_key


def _member_keys(
    where: str, members: Any, known: set[str], match: str, problems: list[Problem]
) -> list[str]:
    if members is None:
        return []
    if not isinstance(members, list):
        problems.append(Problem(f"{where}.members", "must be a list of user keys"))
        return []
    keys: list[str] = []
    for number, member in enumerate(members):
        value = member.get("value") if isinstance(member, dict) else member
        if not isinstance(value, str) or not value:
            problems.append(Problem(f"{where}.members[{number}]", "must be a user key (a string)"))
        elif fold(value, match) not in known:
            problems.append(
                Problem(f"{where}.members[{number}]", f"no desired user has {match} {value!r}")
            )
        elif value not in keys:
            keys.append(value)
    return keys


def read_groups(
    groups: object,
    settings: Settings,
    user_keys: set[str],
    problems: list[Problem],
    held: set[str],
) -> list[DesiredGroup]:
    """The desired groups, members given by user key; the problems found go to `problems`.

    `user_keys` holds the folded keys of every desired user (problems or not). A group whose
    only problems are members that are no desired user is kept with the others; a group with
    other problems is left out and its lower-cased name added to `held`, so that no plan
    deletes it as absent.
    """
    records = _items("groups", groups, Group)
    seen: dict[str, int] = {}
    found: list[DesiredGroup] = []
    for index, data in enumerate(records):
        where = f"groups[{index}]"
        before = len(problems)
        members = key_of(data, "members")
        data = {k: v for k, v in data.items() if k.lower() != "members"}
        for text in resource_problems(data, "Group", {}):
            problems.append(Problem(where, text))
        name = key_of(data, "displayName")
        if not isinstance(name, str) or not name:
            problems.append(Problem(where, "no displayName (every group needs one)"))
        elif name.lower() in seen:
            problems.append(
                Problem(where, f"displayName {name!r} again (as groups[{seen[name.lower()]}])")
            )
        else:
            seen[name.lower()] = index
        sound = len(problems) == before
        keys = _member_keys(where, members, user_keys, settings.match, problems)
        if sound and isinstance(name, str):
            found.append(DesiredGroup(index, name, data, keys))
        elif isinstance(name, str):
            held.add(name.lower())
    return found

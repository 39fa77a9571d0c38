"""Shared pieces of the sync tests: desired directories, and a server's state read back
with ids and server metadata left out, so that two servers can be compared."""

from __future__ import annotations

from typing import Any

from scimkit import SCIMClient

JSON = dict[str, Any]

# What the server owns: never part of a comparison of two directories.
_SERVER_OWNED = ("id", "meta", "schemas", "groups")


def person(number: int, *, title: Any = "Engineer", **extra: Any) -> JSON:
    """A desired user, numbered: userName `user<n>`, externalId `e-<n>`."""
    return {
        "userName": f"user{number}",
        "externalId": f"e-{number}",
        "displayName": f"User {number}",
        "title": title,
        "emails": [{"value": f"user{number}@example.com", "type": "work"}],
        **extra,
    }


def people(count: int, **extra: Any) -> list[JSON]:
    return [person(n, **extra) for n in range(count)]


def state(client: SCIMClient) -> dict[str, Any]:
    """Every user and group the server stores, without ids and metadata, members by
    userName, sorted: equal for two servers that hold the same directory."""
    users = [u.to_dict() for u in client.iter_users()]
    names = {u["id"]: u.get("userName") for u in users}
    shown_users = sorted(
        ({k: v for k, v in u.items() if k not in _SERVER_OWNED} for u in users),
        key=lambda u: str(u.get("userName")),
    )
    groups = []
    for group in client.iter_groups():
        data = {k: v for k, v in group.to_dict().items() if k not in _SERVER_OWNED}
        members = data.pop("members", None) or []
        data["members"] = sorted(str(names.get(m.get("value"), m.get("value"))) for m in members)
        groups.append(data)
    return {"users": shown_users, "groups": sorted(groups, key=lambda g: str(g["displayName"]))}


def writes(requests: list[Any]) -> list[Any]:
    """The recorded requests that change something."""
    return [r for r in requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]

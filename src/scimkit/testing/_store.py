"""The server's resources: plain JSON dicts in memory, guarded by one lock, with the indexes
that keep a directory of 100,000 users as quick to search as one of 100.

Each resource type is a dict from id to resource, in creation order (a replace keeps the
place; Python dicts keep insertion order). Beside it:

- an index per looked-up attribute, `userName`, `externalId` and `members` (a member's
  `value` to the groups holding it), from the casefolded string to the ids holding it. The
  keys are what a filter's `eq` compares (`_engine._compare`): casefolded, so one key serves
  the caseExact attributes (a superset, checked again by the caller) and the
  case-insensitive ones (RFC 7643 §4.1.1: `userName` is caseExact=false) alike;
- the ids in order, as a list, for paging by offset: rebuilt only after a delete, so a page
  of a listing costs its own size, not the directory's;
- a creation number per id, to hand back looked-up candidates in listing order.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import threading
import uuid
from collections.abc import Iterable
from typing import Any

from ..filters import And, AttrPath, Comparison, Filter, Or, ValuePath
from ._engine import chain, get_values

__all__ = ["INDEXED", "Store", "index_keys", "indexed_attribute"]

JSON = dict[str, Any]
#: The attributes with an index (lower case): what `Store.lookup` answers besides `id`.
INDEXED = ("username", "externalid", "members")


def _now() -> str:
    moment = datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _unwrapped(values: list[Any]) -> list[Any]:
    """A comparison without a sub-attribute compares a complex value's `value`, as
    `_engine._compare` does (`emails eq "x"`)."""
    found = []
    for value in values:
        if isinstance(value, dict):
            key = next((k for k in value if k.lower() == "value"), None)
            value = None if key is None else value[key]
        found.append(value)
    return found


def index_keys(resource: JSON, attribute: str) -> set[str]:
    """The keys `resource` is found under in the index of `attribute` (one of `INDEXED`):
    every string a filter's `eq` on it could compare, casefolded."""
    if attribute == "members":
        whole = get_values(resource, AttrPath("members"), core_schema="")
        # `members.value eq "x"` compares the sub-attribute; `members[value eq "x"]` compares
        # each value as an object (a plain value acts as {"value": v}).
        values = get_values(resource, AttrPath("members", "value"), core_schema="")
        for element in whole:
            inner = element if isinstance(element, dict) else {"value": element}
            values += _unwrapped(get_values(inner, AttrPath("value"), core_schema=""))
    else:
        values = _unwrapped(get_values(resource, AttrPath(attribute), core_schema=""))
    return {value.casefold() for value in values if isinstance(value, str)}


def indexed_attribute(node: Filter, core_schema: str) -> tuple[str, str] | None:
    """The index and the string an `eq` comparison `node` looks up, or None when no index
    answers it: `userName eq "x"`, `externalId eq "x"`, `id eq "x"`, `members.value eq "x"`,
    `members[value eq "x"]` (in the core schema or without a URN)."""
    if isinstance(node, ValuePath):
        inner = node.filter
        if (
            node.path.attr.lower() == "members"
            and node.path.sub_attr is None
            and isinstance(inner, Comparison)
            and inner.path.attr.lower() == "value"
            and inner.path.sub_attr is None
            and inner.path.uri is None
            and (node.path.uri is None or node.path.uri.lower() == core_schema.lower())
            and inner.op == "eq"
            and isinstance(inner.value, str)
        ):
            return "members", inner.value
        return None
    if not isinstance(node, Comparison) or node.op != "eq" or not isinstance(node.value, str):
        return None
    path = node.path
    if path.uri is not None and path.uri.lower() != core_schema.lower():
        return None
    name = path.attr.lower()
    if path.sub_attr is None and name in ("id", "username", "externalid"):
        return name, node.value
    if name == "members" and path.sub_attr is not None and path.sub_attr.lower() == "value":
        return "members", node.value
    return None


class Store:
    """Resources by type ("Users", "Groups") and id, each with a version counter."""

    def __init__(self, resource_types: Iterable[str] = ("Users", "Groups")) -> None:
        self.lock = threading.RLock()
        self._resources: dict[str, dict[str, JSON]] = {name: {} for name in resource_types}
        self._versions: dict[str, int] = {}
        self._indexes: dict[str, dict[str, dict[str, set[str]]]] = {
            name: {attribute: {} for attribute in INDEXED} for name in self._resources
        }
        self._order: dict[str, list[str] | None] = {name: [] for name in self._resources}
        self._created: dict[str, int] = {}
        self._counter = itertools.count()

    def clear(self) -> None:
        with self.lock:
            for name, table in self._resources.items():
                table.clear()
                for index in self._indexes[name].values():
                    index.clear()
                self._order[name] = []
            self._versions.clear()
            self._created.clear()

    def all(self, resource_type: str) -> list[JSON]:
        with self.lock:
            return list(self._resources[resource_type].values())

    def count(self, resource_type: str) -> int:
        with self.lock:
            return len(self._resources[resource_type])

    def get(self, resource_type: str, resource_id: str) -> JSON | None:
        with self.lock:
            return self._resources[resource_type].get(resource_id)

    def page(self, resource_type: str, offset: int, count: int) -> list[JSON]:
        """`count` resources from the 0-based `offset`, in creation order, without walking
        the ones before."""
        with self.lock:
            table = self._resources[resource_type]
            order = self._order[resource_type]
            if order is None:  # a delete left a gap: renumber once
                order = self._order[resource_type] = list(table)
            return [table[i] for i in order[offset : offset + max(0, count)]]

    def lookup(self, resource_type: str, attribute: str, value: str) -> list[JSON]:
        """The resources whose `attribute` ("id" or one of `INDEXED`) may equal `value`, in
        creation order. `id` is exact; the others match ignoring case, a superset of what a
        caseExact comparison finds, so a caller checks each candidate again."""
        with self.lock:
            table = self._resources[resource_type]
            if attribute == "id":
                found = table.get(value)
                return [] if found is None else [found]
            ids = self._indexes[resource_type][attribute].get(value.casefold(), ())
            return [table[i] for i in sorted(ids, key=self._created.__getitem__)]

    def put(
        self, resource_type: str, data: JSON, *, location: str, resource_id: str | None = None
    ) -> JSON:
        """Store `data` as a new resource, or as the next version of `resource_id`."""
        with self.lock:
            table = self._resources[resource_type]
            now = _now()
            stored = copy.deepcopy(data)
            if resource_id is None:
                resource_id = str(uuid.uuid4())
                created = now
                self._created[resource_id] = next(self._counter)
                order = self._order[resource_type]
                if order is not None:
                    order.append(resource_id)
            else:
                previous = table[resource_id]
                created = previous.get("meta", {}).get("created", now)
                self._unindex(resource_type, previous)
            version = self._versions.get(resource_id, 0) + 1
            self._versions[resource_id] = version
            stored["id"] = resource_id
            stored["meta"] = {
                "resourceType": resource_type[:-1],
                "created": created,
                "lastModified": now,
                "location": f"{location}/{resource_type}/{resource_id}",
                "version": f'W/"{version}"',
            }
            table[resource_id] = stored
            self._index(resource_type, stored)
            return stored

    def delete(self, resource_type: str, resource_id: str) -> bool:
        with self.lock:
            removed = self._resources[resource_type].pop(resource_id, None)
            if removed is None:
                return False
            self._unindex(resource_type, removed)
            self._created.pop(resource_id, None)
            self._order[resource_type] = None
            return True

    def candidates(self, resource_type: str, node: Filter, core_schema: str) -> list[JSON]:
        """The resources of `resource_type` that may match the filter `node`, in creation
        order: through the indexes when `node` is an indexed `eq` (`userName eq "x"`), an
        `and` with one among its operands, or an `or` of such; every resource otherwise.
        A superset: the caller checks each candidate against the filter."""
        with self.lock:
            ids = _candidate_ids(self, resource_type, node, core_schema, 0)
            if ids is None:
                return self.all(resource_type)
            table = self._resources[resource_type]
            return [table[i] for i in sorted(ids, key=self._created.__getitem__)]

    def _index(self, resource_type: str, stored: JSON) -> None:
        for attribute, index in self._indexes[resource_type].items():
            for key in index_keys(stored, attribute):
                index.setdefault(key, set()).add(stored["id"])

    def _unindex(self, resource_type: str, stored: JSON) -> None:
        for attribute, index in self._indexes[resource_type].items():
            for key in index_keys(stored, attribute):
                ids = index.get(key)
                if ids is not None:
                    ids.discard(stored["id"])
                    if not ids:
                        del index[key]


def _candidate_ids(
    store: Store, resource_type: str, node: Filter, core_schema: str, depth: int
) -> set[str] | None:
    """The ids that may match `node`, or None for "any". Looks two levels of `and` / `or`
    deep at most: anything deeper is scanned."""
    found = indexed_attribute(node, core_schema)
    if found is not None:
        return {r["id"] for r in store.lookup(resource_type, *found)}
    if depth >= 2 or not isinstance(node, (And, Or)):
        return None
    kind = And if isinstance(node, And) else Or
    result: set[str] | None = None
    for operand in chain(node, kind):
        ids = _candidate_ids(store, resource_type, operand, core_schema, depth + 1)
        if kind is Or:
            if ids is None:
                return None  # one operand that matches anything: no narrowing
            result = ids if result is None else result | ids
        elif ids is not None:
            result = ids if result is None else result & ids
    return result

"""The server's resources: plain JSON dicts in memory, guarded by one lock."""

from __future__ import annotations

import copy
import datetime
import threading
import uuid
from collections.abc import Iterable
from typing import Any

__all__ = ["Store"]

JSON = dict[str, Any]


def _now() -> str:
    moment = datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Store:
    """Resources by type ("Users", "Groups") and id, each with a version counter."""

    def __init__(self, resource_types: Iterable[str] = ("Users", "Groups")) -> None:
        self.lock = threading.RLock()
        self._resources: dict[str, dict[str, JSON]] = {name: {} for name in resource_types}
        self._versions: dict[str, int] = {}

    def clear(self) -> None:
        with self.lock:
            for table in self._resources.values():
                table.clear()
            self._versions.clear()

    def all(self, resource_type: str) -> list[JSON]:
        with self.lock:
            return list(self._resources[resource_type].values())

    def get(self, resource_type: str, resource_id: str) -> JSON | None:
        with self.lock:
            return self._resources[resource_type].get(resource_id)

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
            else:
                previous = table[resource_id]
                created = previous.get("meta", {}).get("created", now)
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
            return stored

    def delete(self, resource_type: str, resource_id: str) -> bool:
        with self.lock:
            return self._resources[resource_type].pop(resource_id, None) is not None

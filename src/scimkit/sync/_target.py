"""Reading the target of a sync: the server's users and groups, once, a page at a time.

Planning costs pages, not rows: the users (and the groups, when groups are synced) are read
through the client's paging iterators with the largest page the server allows
(`filter.maxResults` from discovery, RFC 7643 §5) and `attributes=` limited to what the plan
compares (RFC 7644 §3.4.2.5), then indexed in memory by id, by match key and by userName.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._paging import index_pages, prefers_cursor
from ..errors import BadRequest, SCIMError
from ..models import Resource
from ._desired import DesiredGroup, DesiredUser, fold

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..client import SCIMClient
    from ..discovery import Discovery

    #: `progress(read, total, resource_type)`, after each page read (see `plan_sync`).
    Progress = Callable[[int, "int | None", str], object]

__all__ = ["ServerFacts", "Target", "learn", "read_target"]

# Without a word from the server: RFC 7644 §3.4.2.4 leaves the page size to it, and 100 is
# what scimkit's iterators ask for by default.
DEFAULT_PAGE_SIZE = 100
_USER_ALWAYS = ("id", "userName", "externalId", "active", "meta.version")
_GROUP_ALWAYS = ("id", "displayName", "externalId", "members", "meta.version")


@dataclass
class ServerFacts:
    """What discovery told about the server: page size, ETags, extension attributes, and
    whether it pages with cursors by default (RFC 9865), as the client's iterators ask."""

    page_size: int = DEFAULT_PAGE_SIZE
    etag: bool = False
    extensions: dict[str, set[str]] = field(default_factory=dict)
    cursor: bool = False


@dataclass
class Target:
    """The server's side, indexed: users and groups by id (JSON, narrowed to what is
    compared), users by folded match key and by lower-cased userName, groups by lower-cased
    displayName, and the ids the `scope` filter selects (None without a scope: every user)."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    by_user_name: dict[str, str] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups_by_name: dict[str, str] = field(default_factory=dict)
    in_scope: set[str] | None = None


def learn(client: SCIMClient) -> ServerFacts:
    """Read discovery once (`client.discover()`); a server without it gets the defaults."""
    try:
        found = client.discover()
    except SCIMError:
        return ServerFacts()
    return ServerFacts(
        page_size=_page_size(found),
        etag=found.supports("etag"),
        extensions=_extensions(found),
        cursor=prefers_cursor(found.config),
    )


def _page_size(found: Discovery) -> int:
    if found.max_results is not None:
        return found.max_results
    paging: Any = getattr(found.config, "pagination", None)
    largest = getattr(paging, "max_page_size", None)
    return largest if type(largest) is int and largest > 0 else DEFAULT_PAGE_SIZE


def _extensions(found: Discovery) -> dict[str, set[str]]:
    """The attribute names of each extension schema the server describes."""
    extensions: dict[str, set[str]] = {}
    for schema in found.schemas:
        urn = schema.id
        if not isinstance(urn, str) or ":extension:" not in urn.lower():
            continue
        names = {a.name for a in schema.attributes or [] if isinstance(a.name, str)}
        if names:
            extensions[urn.lower()] = names
    return extensions


def _names(records: Iterable[dict[str, Any]], always: tuple[str, ...]) -> list[str]:
    """The attributes to ask for: those always needed, then every one a record mentions
    (an extension's attributes one by one, `urn:...:User:department`)."""
    names = {n.lower(): n for n in always}
    data = list(records)
    mentioned: set[str] = set().union(*(d.keys() for d in data)) if data else set()
    for key in sorted(mentioned):
        lower = key.lower()
        if lower in ("schemas", "id", "meta", "password", "groups"):
            continue
        if lower.startswith("urn:"):
            subs = {s for d in data if isinstance(d.get(key), dict) for s in d[key]}
            for sub in sorted(subs):
                names.setdefault(f"{lower}:{sub.lower()}", f"{key}:{sub}")
        else:
            names.setdefault(lower, key)
    return list(names.values())


def _walk(listing: Any, attributes: list[str]) -> Iterator[dict[str, Any]]:
    """Every resource of `listing(attributes)`; a server that refuses `attributes=` with a
    400 on the first page is asked again without it (every attribute, which is only slower)."""
    started = False
    try:
        for item in listing(attributes):
            started = True
            yield item
        return
    except BadRequest:
        if started:
            raise
    yield from listing(None)


@dataclass
class _Listing:
    """All the users or all the groups, a page at a time, telling `progress` after each page.

    Index paging goes through the client's own page walker (`index_pages`, which checks
    that the pages fit together) over `search_users` / `search_groups`, so that each page's
    `totalResults` is seen; a server that pages with cursors is read through `iter_users` /
    `iter_groups`, its progress told every `page_size` resources without a total."""

    client: SCIMClient
    facts: ServerFacts
    resource_type: str
    progress: Progress | None

    def __call__(self, attributes: list[str] | None) -> Iterator[dict[str, Any]]:
        """The resources as the JSON objects the server sent (read only)."""
        client, size, users = self.client, self.facts.page_size, self.resource_type == "User"
        if self.facts.cursor:
            iterate = client.iter_users if users else client.iter_groups
            items = map(_json, iterate(page_size=size, attributes=attributes))
            return items if self.progress is None else self._counted(items)
        search = client.search_users if users else client.search_groups
        read = 0

        def fetch(*, start_index: int) -> Any:
            nonlocal read
            page = search(start_index=start_index, count=size, attributes=attributes)
            if self.progress is not None and page.ok:
                read += len(page.resources)
                self.progress(read, page.total_results, self.resource_type)
            return page

        return index_pages(fetch, raw=True)

    def _counted(self, items: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        assert self.progress is not None
        read = 0
        for item in items:
            yield item
            read += 1
            if read % self.facts.page_size == 0:
                self.progress(read, None, self.resource_type)
        if read % self.facts.page_size:
            self.progress(read, None, self.resource_type)


def read_target(
    client: SCIMClient,
    facts: ServerFacts,
    *,
    users: list[DesiredUser],
    groups: list[DesiredGroup] | None,
    match: str,
    scope: str | None,
    progress: Progress | None = None,
) -> Target:
    """Read the server once: users (and groups when `groups` is not None), plus the ids in
    `scope` (a second, id-only, filtered read evaluated by the server itself); `progress`
    is told after each page of users or groups."""
    target = Target()
    size = facts.page_size
    names = _names((u.data for u in users), _USER_ALWAYS)
    for user in _walk(_Listing(client, facts, "User", progress), names):
        _index_user(target, user, match)
    if scope is not None:
        scoped = client.iter_users(filter=scope, page_size=size, attributes=["id"])
        target.in_scope = {u.id for u in scoped if isinstance(u.id, str)}
    if groups is not None:
        group_names = _names((g.data for g in groups), _GROUP_ALWAYS)
        for data in _walk(_Listing(client, facts, "Group", progress), group_names):
            ident, name = data.get("id"), data.get("displayName")
            if isinstance(ident, str):
                target.groups[ident] = data
                if isinstance(name, str):
                    target.groups_by_name.setdefault(name.lower(), ident)
    return target


def _json(resource: Resource) -> dict[str, Any]:
    """The resource as the server sent it. A model fresh from a page holds exactly that JSON;
    reading it there, rather than through `to_dict()`, saves a deep copy per resource (the
    plan never changes it)."""
    raw = resource._raw
    attributes = type(resource)._attributes
    untouched = all(
        raw.get(attributes[name].json_name) is value for name, value in resource._values.items()
    )  # what was read (the paging reads `id`) is still the very value the server sent
    return raw if untouched and isinstance(raw, dict) else resource.to_dict()


def _index_user(target: Target, data: dict[str, Any], match: str) -> None:
    ident = data.get("id")
    if not isinstance(ident, str):
        return  # a user the server gives no id cannot be written to
    target.users[ident] = data
    key = data.get(match)
    if isinstance(key, str) and key:
        target.by_key.setdefault(fold(key, match), ident)
    name = data.get("userName")
    if isinstance(name, str):
        target.by_user_name.setdefault(name.lower(), ident)

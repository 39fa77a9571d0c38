"""Property-based tests (hypothesis): generated input, the same promises every time.

- whatever bytes a server answers with, a call returns a response or raises a `SCIMError`;
- models survive `from_dict(to_dict(x))` unchanged;
- any filter value goes from the builder to the wire, through the parser and the local
  server's matching, and finds exactly the resource that holds it.

Examples are derandomized and there is no example database, so CI runs the same cases.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimkit import EnterpriseUser, Group, SCIMClient, SCIMError, User
from scimkit.filters import F, parse_filter, serialize
from scimkit.models._base import SCIMModel
from scimkit.testing import Fault, SCIMServer

SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TEXT = st.text(max_size=12)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[SCIMServer]:
    with SCIMServer() as server:
        yield server


# -- anything a server may send ----------------------------------------------------------

JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
JSON_ANY = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
SCIM_KEYS = [
    "schemas",
    "id",
    "userName",
    "emails",
    "name",
    "meta",
    "active",
    "members",
    "Resources",
    "totalResults",
    "startIndex",
    "itemsPerPage",
    "nextCursor",
    "status",
    "scimType",
    "detail",
    "Errors",
]
SCIM_LIKE = st.dictionaries(st.sampled_from(SCIM_KEYS), JSON_ANY, max_size=8)
BODIES = (
    SCIM_LIKE.map(lambda d: json.dumps(d).encode())
    | JSON_ANY.map(lambda d: json.dumps(d).encode())
    | st.binary(max_size=64)
)
STATUSES = st.sampled_from([200, 201, 400, 401, 404, 409, 412, 429, 500, 503])
CONTENT_TYPES = st.sampled_from(["application/scim+json", "application/json", "text/html"])


def use_every_accessor(resp: Any) -> None:
    for name in ("body", "ok", "errors", "etag", "snake_cased_body", "not_modified"):
        getattr(resp, name)
    for name in ("user", "users", "total_results", "start_index", "items_per_page"):
        if hasattr(type(resp), name):
            getattr(resp, name)
    try:
        resp.raise_for_status()
    except SCIMError as error:
        assert str(error)


@SETTINGS
@given(body=BODIES, status=STATUSES, content_type=CONTENT_TYPES)
def test_any_answer_becomes_a_response_or_a_scim_error(
    shared_server: SCIMServer, body: bytes, status: int, content_type: str
) -> None:
    shared_server.clear_faults()
    client = SCIMClient(shared_server.url, token=shared_server.token, retry_handlers=[])
    with client:
        for call in (
            lambda: client.read_user("someone"),
            lambda: client.search_users(filter='userName eq "x"'),
            lambda: client.create_user({"userName": "x"}),
        ):
            shared_server.inject(Fault.body(body, status=status, content_type=content_type))
            try:
                resp = call()
            except SCIMError as error:
                assert str(error)
                continue
            assert resp.status_code == status
            use_every_accessor(resp)
    shared_server.reset()


# -- models round-trip -------------------------------------------------------------------

BOOLEAN_NAMES = frozenset({"active", "primary"})


def declared_types(model: type[SCIMModel]) -> dict[str, str]:
    """Each attribute's annotation as written in `model` and its bases (`"bool | None"`).

    Read, not evaluated: on Python 3.9 `typing.get_type_hints` cannot evaluate `X | None`.
    test_models.py checks that the annotations do evaluate where they can (3.10+).
    """
    found: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            found[name] = str(annotation)
    return found


def model_strategy(model: type[SCIMModel], depth: int = 0) -> st.SearchStrategy[Any]:
    """Instances of `model` with any subset of its attributes set, from its declaration."""
    types = declared_types(model)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, attr in model._attributes.items():
        if name in ("schemas", "meta") or (attr.model is not None and depth >= 2):
            continue
        if attr.model is not None:
            value: st.SearchStrategy[Any] = model_strategy(attr.model, depth + 1)
        elif name in BOOLEAN_NAMES or "bool" in types.get(name, ""):
            value = st.booleans()
        else:
            value = TEXT
        if attr.multi_valued:
            value = st.lists(value, min_size=1, max_size=3)
        fields[name] = value
    return st.fixed_dictionaries({}, optional=fields).map(lambda kw: model(**kw))


@SETTINGS
@given(user=model_strategy(User))
def test_users_round_trip_through_dicts(user: User) -> None:
    again = User.from_dict(user.to_dict())
    assert again == user
    assert again.to_dict() == user.to_dict()


@SETTINGS
@given(group=model_strategy(Group))
def test_groups_round_trip_through_dicts(group: Group) -> None:
    assert Group.from_dict(group.to_dict()) == group


@SETTINGS
@given(enterprise=model_strategy(EnterpriseUser), user_name=TEXT.filter(bool))
def test_users_with_the_enterprise_extension_round_trip(
    enterprise: EnterpriseUser, user_name: str
) -> None:
    user = User(user_name=user_name, enterprise=enterprise)
    data = user.to_dict()
    again = User.from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data
    assert again.enterprise == user.enterprise


# -- filter values, builder to server ----------------------------------------------------

FILTER_VALUES = st.text(min_size=1, max_size=20) | st.sampled_from(
    ['"', "\\", '\\"', "a or b", ") and (", "é中文🙂", "\t\n", 'userName eq "x"', "[]"]
)


@SETTINGS
@given(value=FILTER_VALUES)
def test_filter_values_survive_builder_parser_and_server(
    shared_server: SCIMServer, value: str
) -> None:
    built = F.eq("displayName", value)
    assert parse_filter(serialize(built)) == built
    shared_server.reset()
    client = SCIMClient(shared_server.url, token=shared_server.token, retry_handlers=[])
    with client:
        holder = client.create_user(User(user_name="holder", display_name=value))
        other = client.create_user(User(user_name="other", display_name=value + "x"))
        assert holder.status_code == other.status_code == 201
        found = client.search_users(filter=serialize(built)).raise_for_status().users
        assert [u.user_name for u in found] == ["holder"]
        assert found[0].display_name == value
    shared_server.reset()

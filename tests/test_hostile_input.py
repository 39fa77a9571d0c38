"""A caller's bad input is refused before anything is sent: a `ValueError` or `TypeError`
naming the argument, never echoing a secret (the rule in `scimkit.errors`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scimkit import SCIMClient, User, filters
from scimkit.filters import F, Filter, FilterSyntaxError, parse_filter, serialize
from scimkit.models import PatchOp, PatchOperation
from scimkit.testing import SCIMServer

SECRET = "tøken€-s3cret"

# -- header values: RFC 9110 §5.5 field-value characters, checked up front -----------------


@pytest.mark.parametrize("token", [SECRET, "abc\x01def", "emoji-🔑-token", "tab\x7fdel"])
def test_a_token_latin1_cannot_carry_is_refused_at_construction_without_echo(
    server: SCIMServer, token: str
) -> None:
    with pytest.raises(ValueError, match="^token must not contain") as caught:
        SCIMClient(server.url, token=token)
    assert token not in str(caught.value)
    assert "U+" not in str(caught.value)  # not even the offending character
    assert server.requests == []


def test_a_token_callable_returning_unsendable_text_is_refused_per_call_without_echo(
    server: SCIMServer,
) -> None:
    tokens = iter([str(server.token), SECRET])
    with SCIMClient(server.url, token=lambda: next(tokens), retry_handlers=[]) as client:
        assert client.api_call("GET", "/ServiceProviderConfig").status_code == 200
        with pytest.raises(ValueError, match="token") as caught:
            client.api_call("GET", "/ServiceProviderConfig")
    assert SECRET not in str(caught.value) and "U+" not in str(caught.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("headers", "argument"),
    [
        ({"X-Tenant": "caf€"}, "default_headers['X-Tenant'] must not contain characters Latin-1"),
        ({"X-Tenant": "a\x1bb"}, "default_headers['X-Tenant'] must not contain control"),
        ({"X-Tenant": "a\nb"}, "default_headers['X-Tenant'] must not contain CR, LF or NUL"),
        ({"X Tenant": "a"}, "default_headers has an invalid header name 'X Tenant'"),
        ({"X-Tenant:": "a"}, "default_headers has an invalid header name"),
        ({"": "a"}, "default_headers has an invalid header name"),
    ],
)
def test_default_headers_are_checked_at_construction(
    server: SCIMServer, headers: dict[str, str], argument: str
) -> None:
    with pytest.raises(ValueError, match=argument.replace("[", r"\[").replace("]", r"\]")):
        SCIMClient(server.url, token=server.token, default_headers=headers)


def test_an_authorization_default_header_is_never_shown(server: SCIMServer) -> None:
    with pytest.raises(ValueError, match=r"default_headers\['Authorization'\]") as caught:
        SCIMClient(server.url, default_headers={"Authorization": f"Bearer {SECRET}"})
    assert SECRET not in str(caught.value) and "U+" not in str(caught.value)


def test_latin1_letters_in_a_header_are_sent(server: SCIMServer) -> None:
    # obs-text (0x80-0xFF) is allowed by RFC 9110 §5.5; only what Latin-1 lacks is refused.
    with SCIMClient(server.url, token=server.token, default_headers={"X-Tenant": "café"}) as client:
        assert client.api_call("GET", "/ServiceProviderConfig").status_code == 200
    assert len(server.requests) == 1


@pytest.mark.parametrize("argument", ["user_agent_prefix", "user_agent_suffix"])
def test_a_user_agent_part_latin1_cannot_carry_is_refused(
    server: SCIMServer, argument: str
) -> None:
    kwargs: dict[str, Any] = {argument: "bot/1 ☃"}
    with pytest.raises(ValueError, match=f"{argument} must not contain characters Latin-1"):
        SCIMClient(server.url, token=server.token, **kwargs)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda c: c.api_call("GET", "/Users", headers={"X-Trace": "✓"}), r"headers\['X-Trace'\]"),
        (lambda c: c.api_call("GET", "/Users", headers={"X Trace": "1"}), "headers has an invalid"),
        (lambda c: c.read_user("1", if_none_match='W/"€1"'), "if_none_match"),
        (lambda c: c.delete_user("1", if_match='W/"1\x01"'), "if_match"),
        (lambda c: c.patch_user("1", {"active": False}, if_match='W/"\U0001f600"'), "if_match"),
    ],
)
def test_per_call_header_values_are_refused_before_sending(
    bare_client: SCIMClient,
    server: SCIMServer,
    call: Callable[[SCIMClient], object],
    argument: str,
) -> None:
    with pytest.raises(ValueError, match=argument):
        call(bare_client)
    assert server.requests == []


def test_a_per_call_authorization_header_is_never_shown(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    with pytest.raises(ValueError, match=r"headers\['authorization'\]") as caught:
        bare_client.api_call("GET", "/Users", headers={"authorization": SECRET})
    assert SECRET not in str(caught.value) and "U+" not in str(caught.value)
    assert server.requests == []


# -- paths: refused, not guessed at -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/Users/bad id", "' ' at position 10"),
        ("/Users/a%zz", "'%' at position 8"),
        ("/Users/<x>", "'<' at position 7"),
        ('/Users/"x"', "'\"' at position 7"),
        ("/Users/{id}", "'{' at position 7"),
        ("/Users#frag", "'#' at position 6"),
        ("/Users/é", "'é' at position 7"),
    ],
)
def test_api_call_refuses_a_path_a_url_cannot_carry(
    bare_client: SCIMClient, server: SCIMServer, path: str, shown: str
) -> None:
    with pytest.raises(ValueError, match="^path holds") as caught:
        bare_client.api_call("GET", path)
    assert shown in str(caught.value)
    assert server.requests == []


def test_api_call_sends_a_percent_encoded_path_and_a_query_as_given(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    created = server.add_resource("Users", {"userName": "a b"})
    resp = bare_client.api_call("GET", "/Users?filter=userName%20eq%20%22a%20b%22")
    assert resp.body["totalResults"] == 1
    assert bare_client.api_call("GET", f"/Users/{created['id']}").status_code == 200
    assert bare_client.api_call("GET", "/Users/no%20such").status_code == 404


@pytest.mark.parametrize("endpoint", ["/Dev ices", "/Devices/<x>", "/Dévices", "/Devices%"])
def test_an_endpoint_a_url_cannot_carry_is_refused(
    bare_client: SCIMClient, server: SCIMServer, endpoint: str
) -> None:
    with pytest.raises(ValueError, match="is not an endpoint"):
        bare_client.search(endpoint)
    with pytest.raises(ValueError, match="is not an endpoint"):
        bare_client.create({"serialNumber": "X1"}, endpoint=endpoint)
    assert server.requests == []


def test_an_id_with_spaces_and_slashes_reaches_only_its_resource(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    resp = bare_client.read_user("a b/../c")
    assert resp.status_code == 404
    # One segment, decoded by the server as such: not normalised to `/Users/c`.
    assert server.requests[0].path.endswith("/Users/a b/../c")


# -- PATCH operations: RFC 7644 §3.5.2, for every way they can be given --------------------

REMOVE_WITHOUT_PATH = PatchOperation(op="remove")
ADD_WITHOUT_VALUE = PatchOperation(op="add", path="title")
REPLACE_WITHOUT_VALUE = PatchOperation(op="replace", path="title")


@pytest.mark.parametrize(
    ("patch", "problem"),
    [
        (PatchOp(operations=[REMOVE_WITHOUT_PATH]), r"operations\[0\]: remove needs a path"),
        (PatchOp(operations=[ADD_WITHOUT_VALUE]), r"operations\[0\]: add needs a value"),
        (PatchOp(operations=[REPLACE_WITHOUT_VALUE]), r"operations\[0\]: replace needs a value"),
        (PatchOp(operations=[]), "no operations"),
        (PatchOp(), "no operations"),
        ([REMOVE_WITHOUT_PATH], r"\[0\]: remove needs a path"),
        ([{"op": "replace", "path": "title"}], r"\[0\]: replace needs a value"),
        ({"Operations": [{"op": "remove"}]}, "remove needs a path"),
        ({"Operations": [{"op": "add", "path": "title"}]}, "add needs a value"),
        ({"Operations": [{"op": "replace", "value": None}]}, "replace needs a value"),
        ({"Operations": []}, "no operations"),
        ({"Operations": "remove"}, "no operations"),
        ({"operations": [{"op": "move", "path": "a"}]}, "op must be add, remove or replace"),
    ],
)
def test_a_malformed_patch_never_reaches_the_server(
    bare_client: SCIMClient, server: SCIMServer, patch: Any, problem: str
) -> None:
    user_id = server.add_resource("Users", {"userName": "bjensen"})["id"]
    with pytest.raises(ValueError, match=problem):
        bare_client.patch(User, user_id, patch)
    with pytest.raises(ValueError):
        bare_client.patch_user(user_id, patch)
    with pytest.raises(ValueError):
        bare_client.patch_me(patch)
    assert server.requests == []


def test_a_malformed_patch_never_reaches_a_scim_11_server(
    v1_client: SCIMClient, v1_server: SCIMServer
) -> None:
    # SCIM 1.1 (Slack) sends the partial resource itself; operations are refused outright.
    with pytest.raises(ValueError, match="SCIM 1.1 PATCH takes a partial resource"):
        v1_client.patch_user("1", PatchOp(operations=[REMOVE_WITHOUT_PATH]))
    with pytest.raises(ValueError, match="SCIM 1.1 PATCH takes a partial resource"):
        v1_client.patch_group("1", [REMOVE_WITHOUT_PATH])
    with pytest.raises(ValueError, match="SCIM 1.1 PATCH takes a partial resource"):
        v1_client.patch_user("1", {"Operations": [{"op": "remove"}]})
    assert v1_server.requests == []


def test_a_well_formed_patch_op_model_is_sent(bare_client: SCIMClient, server: SCIMServer) -> None:
    user_id = server.add_resource("Users", {"userName": "bjensen", "title": "x"})["id"]
    patch = PatchOp(
        operations=[
            PatchOperation(op="replace", path="displayName", value="Babs"),
            PatchOperation(op="remove", path="title"),
        ]
    )
    resp = bare_client.patch_user(user_id, patch)
    assert resp.status_code == 200
    assert resp.user is not None and resp.user.display_name == "Babs"


# -- filters: long chains work, deep nesting is a clear error, never a RecursionError ------


def thousand_ors() -> Any:
    chain: Filter = F.eq("userName", "u0")
    for n in range(1, 1000):
        chain = chain | F.eq("userName", f"u{n}")
    return chain


def test_a_thousand_or_clauses_build_serialize_and_parse_back() -> None:
    chain = thousand_ors()
    assert F.or_(*[F.eq("userName", f"u{n}") for n in range(1000)]) == chain
    text = serialize(chain)
    assert text.count(" or ") == 999 and "(" not in text
    assert parse_filter(text) == chain
    assert hash(parse_filter(text)) == hash(chain)
    assert repr(chain).startswith("parse_filter('userName eq")


def test_a_thousand_and_clauses_and_nested_nots_serialize() -> None:
    chain = F.and_(*[F.pr(f"a{n}") for n in range(1000)])
    assert parse_filter(str(chain)) == chain
    negated: Filter = F.pr("title")
    for _ in range(1000):
        negated = ~negated
    assert str(negated).startswith("not (not (")


def test_a_thousand_or_clauses_are_searched_by_the_local_server(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    server.add_resource("Users", {"userName": "u999"})
    found = bare_client.search(User, filter=thousand_ors(), use_post=True)
    assert found.status_code == 200
    assert [r["userName"] for r in found.body["Resources"]] == ["u999"]


def test_a_thousand_or_clauses_pass_a_strict_client(server: SCIMServer) -> None:
    server.add_resource("Users", {"userName": "u3"})
    with SCIMClient(server.url, token=server.token, strict=True) as strict:
        found = strict.search(User, filter=str(thousand_ors()), use_post=True)
    assert found.status_code == 200 and found.total_results == 1


@pytest.mark.parametrize(
    "text",
    [
        "(" * 500 + 'userName eq "a"' + ")" * 500,
        "not (" * 300 + "title pr" + ")" * 300,
        "(" * 65 + "title pr" + ")" * 65,
    ],
)
def test_deeply_nested_filters_are_a_syntax_error_naming_the_bound(text: str) -> None:
    assert filters.MAX_NESTING == 64
    with pytest.raises(FilterSyntaxError, match="nested more than 64 levels deep"):
        parse_filter(text)


def test_nesting_up_to_the_bound_parses() -> None:
    text = "(" * filters.MAX_NESTING + "title pr" + ")" * filters.MAX_NESTING
    assert str(parse_filter(text)) == "title pr"


def test_a_deeply_nested_filter_is_refused_by_a_strict_client_before_sending(
    server: SCIMServer,
) -> None:
    with SCIMClient(server.url, token=server.token, strict=True) as strict:
        with pytest.raises(FilterSyntaxError, match="levels deep"):
            strict.search_users(filter="(" * 400 + "title pr" + ")" * 400)
    assert server.requests == []


@pytest.mark.parametrize("use_post", [False, True])
def test_the_local_server_answers_a_deep_filter_with_invalid_filter(
    bare_client: SCIMClient, server: SCIMServer, use_post: bool
) -> None:
    deep = "(" * 400 + "title pr" + ")" * 400
    resp = bare_client.search(User, filter=deep, use_post=use_post)
    assert resp.status_code == 400
    assert resp.errors is not None and resp.errors.scim_type == "invalidFilter"
    assert "levels deep" in (resp.errors.detail or "")


def test_the_local_server_answers_a_deep_built_filter_with_invalid_filter(
    bare_client: SCIMClient, server: SCIMServer
) -> None:
    negated: Filter = F.pr("title")
    for _ in range(300):
        negated = ~negated
    resp = bare_client.search(User, filter=negated, use_post=True)
    assert resp.status_code == 400
    assert resp.errors is not None and resp.errors.scim_type == "invalidFilter"

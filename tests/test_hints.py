"""Hints that name the fix (#13): a 400 to a request that names an attribute the schemas do not
define says which one and the closest they do; `validate=` (on in strict mode) says it as a
`ValueError` before anything is sent. Through real sockets: the local server (answering the
400s a faithful server gives, injected where it does not) and scim2-server."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from scimkit import Group, PatchOperation, SCIMClient, User
from scimkit.aio import AsyncSCIMClient
from scimkit.errors import BadRequest, SCIMResponseError
from scimkit.filters import F
from scimkit.testing import Fault, SCIMServer

from .checks import resource_id
from .interop import scim2_server

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def refuse(server: SCIMServer, scim_type: str | None, detail: str, **where: Any) -> None:
    """The next request (matching `where`) is answered 400 with this SCIM error."""
    body: dict[str, Any] = {"schemas": [ERROR], "status": "400", "detail": detail}
    if scim_type is not None:
        body["scimType"] = scim_type
    server.inject(Fault.status(400, body=body), **where)


def raised(resp: Any) -> SCIMResponseError:
    with pytest.raises(SCIMResponseError) as caught:
        resp.raise_for_status()
    return caught.value


# -- hints on a 400, local server ------------------------------------------------------------


def test_misspelt_filter_attribute_names_the_fix_from_rfc_7643(
    server: SCIMServer, client: SCIMClient
) -> None:
    refuse(server, "invalidFilter", "Field not found: usrName")
    resp = client.search_users(filter='usrName eq "x"')
    hint = "unknown attribute 'usrName' in filter — did you mean 'userName'?"
    assert resp.hints == (hint,)
    error = raised(resp)
    assert isinstance(error, BadRequest) and error.hints == [hint]
    assert str(error) == f"{error.message}; {hint}"
    # The server's own words are left as they were.
    assert error.detail == "Field not found: usrName" and hint not in error.message
    assert not any(r.path.endswith("/Schemas") for r in server.requests)  # nothing discovered


def test_misspelt_patch_path_names_the_fix_with_discovered_schemas(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, raise_errors=True) as client:
        user_id = resource_id(client.create_user(User(user_name="bjensen")))
        client.discover()
        refuse(server, "invalidPath", "'titel' is not an attribute of the schema", method="PATCH")
        with pytest.raises(BadRequest) as caught:
            client.patch_user(
                user_id, [PatchOperation(op="replace", path="titel", value="Tour Guide")]
            )
    assert caught.value.hints == [
        "unknown attribute 'titel' in Operations[0].path — did you mean 'title'?"
    ]
    assert "did you mean 'title'?" in str(caught.value)


def test_discovered_schemas_are_the_ones_a_hint_uses(
    server: SCIMServer, client: SCIMClient
) -> None:
    # A server whose User schema has an attribute of its own, that RFC 7643 does not know.
    schema = {
        "id": CORE_USER,
        "name": "User",
        "attributes": [{"name": "userName", "type": "string"}, {"name": "badgeNumber"}],
    }
    listing = {"schemas": [], "totalResults": 1, "Resources": [schema]}
    server.inject(Fault.status(200, body=listing), path="/Schemas")
    client.discover()
    refuse(server, "invalidFilter", "no such attribute")
    resp = client.search_users(filter='badgeNumbr eq "7" or title pr')
    assert resp.hints == (
        "unknown attribute 'badgeNumbr' in filter — did you mean 'badgeNumber'?",
        "unknown attribute 'title' in filter (not in the server's schemas)",
    )


def test_unknown_attributes_argument_names_the_fix(server: SCIMServer, client: SCIMClient) -> None:
    # The local server leaves out what it does not know; a stricter one answers 400.
    refuse(server, "invalidValue", "unknown attribute in attributes")
    resp = client.search_users(attributes=["userName", "usrName"], excluded_attributes="emils")
    assert resp.hints == (
        "unknown attribute 'usrName' in attributes — did you mean 'userName'?",
        "unknown attribute 'emils' in excluded_attributes — did you mean 'emails'?",
    )


def test_unknown_attribute_in_a_created_body_names_the_fix(
    server: SCIMServer, client: SCIMClient
) -> None:
    refuse(server, "invalidValue", "unknown attribute", method="POST")
    body = {
        "userName": "bjensen",
        "titel": "Tour Guide",
        "name": {"givnName": "Barbara"},
        ENTERPRISE: {"employeNumber": "7"},
    }
    hints = client.create_user(body).hints
    assert hints == (
        "unknown attribute 'titel' in the request body — did you mean 'title'?",
        "unknown sub-attribute 'givnName' of 'name' in the request body — did you mean "
        "'givenName'?",
        f"unknown attribute '{ENTERPRISE}:employeNumber' in the request body — did you mean "
        f"'{ENTERPRISE}:employeeNumber'?",
    )


@pytest.mark.parametrize(
    ("filter", "hint"),
    [
        (
            f'{ENTERPRISE}:manager.valu eq "x"',
            f"unknown sub-attribute 'valu' of '{ENTERPRISE}:manager' in filter — did you mean "
            "'value'?",
        ),
        (
            'emails[typ eq "work"]',
            "unknown sub-attribute 'typ' of 'emails' in filter — did you mean 'type'?",
        ),
        (
            'name.givnName sw "B"',
            "unknown sub-attribute 'givnName' of 'name' in filter — did you mean 'givenName'?",
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USR:manager pr",
            "unknown schema 'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USR' in filter"
            f" — did you mean '{ENTERPRISE}'?",
        ),
    ],
)
def test_qualified_and_sub_attribute_names_resolve_to_their_fix(
    server: SCIMServer, client: SCIMClient, filter: str, hint: str
) -> None:
    refuse(server, "invalidFilter", "bad filter")
    assert client.search_users(filter=filter).hints == (hint,)


def test_a_name_with_no_close_match_is_named_without_a_guess(
    server: SCIMServer, client: SCIMClient
) -> None:
    refuse(server, "invalidFilter", "Field not found: xyzzy")
    error = raised(client.search_users(filter='xyzzy eq "1"'))
    assert error.hints == ["unknown attribute 'xyzzy' in filter (not in RFC 7643's schemas)"]
    assert "did you mean" not in str(error)


@pytest.mark.parametrize(
    ("scim_type", "detail", "filter"),
    [
        ("invalidFilter", "bad filter", 'USERNAME eq "x" and emails[type eq "work" and value pr]'),
        ("invalidFilter", "bad filter", f'{ENTERPRISE}:manager.value eq "x" and meta.version pr'),
        ("uniqueness", "whatever", 'usrName eq "x"'),  # not about a name
        (None, "the service is busy", 'usrName eq "x"'),  # no scimType, no word about names
        ("invalidFilter", "bad filter", "usrName eq"),  # does not parse: not a question of names
    ],
)
def test_an_error_about_something_else_gets_no_hint(
    server: SCIMServer, client: SCIMClient, scim_type: str | None, detail: str, filter: str
) -> None:
    refuse(server, scim_type, detail)
    error = raised(client.search_users(filter=filter))
    assert error.hints == [] and str(error) == error.message


def test_a_400_without_scim_type_that_speaks_of_an_attribute_gets_the_hint(
    server: SCIMServer, client: SCIMClient
) -> None:
    refuse(server, None, "Unknown attribute usrName")
    assert client.search_users(sort_by="usrName").hints == (
        "unknown attribute 'usrName' in sort_by — did you mean 'userName'?",
    )


def test_an_endpoint_whose_schema_is_unknown_gets_no_hint(
    server: SCIMServer, client: SCIMClient
) -> None:
    refuse(server, "invalidFilter", "Field not found: serialNumbr")
    assert client.search("/Devices", filter='serialNumbr eq "X1"').hints == ()


def test_a_group_request_is_checked_against_the_group_schema(
    server: SCIMServer, client: SCIMClient
) -> None:
    refuse(server, "invalidFilter", "bad filter")
    resp = client.search_groups(filter='displayName eq "Ops" and member.value eq "1"')
    assert resp.hints == (
        "unknown attribute 'member.value' in filter — did you mean 'members.value'?",
    )


def test_scim_1_1_names_get_hints_from_the_discovered_1_1_schemas(
    v1_server: SCIMServer, v1_client: SCIMClient
) -> None:
    v1_client.discover()
    refuse(v1_server, "invalidValue", "unknown attribute", method="PATCH")
    created = v1_client.create_user(User(user_name="bjensen"))
    assert created.ok, created.errors
    resp = v1_client.patch_user(resource_id(created), {"nickNam": "Babs"})
    assert resp.hints == (
        "unknown attribute 'nickNam' in the request body — did you mean 'nickName'?",
    )


def test_the_async_client_raises_the_same_hint(server: SCIMServer) -> None:
    async def scenario() -> SCIMResponseError:
        async with AsyncSCIMClient(server.url, token=server.token, raise_errors=True) as client:
            with pytest.raises(SCIMResponseError) as caught:
                await client.search_users(filter='usrName eq "x"')
            return caught.value

    refuse(server, "invalidFilter", "Field not found: usrName")
    error = asyncio.run(scenario())
    assert error.hints == ["unknown attribute 'usrName' in filter — did you mean 'userName'?"]


def test_hints_are_computed_only_for_an_error() -> None:
    # A fresh interpreter: successful calls never import the hint machinery; a 400 does.
    script = (
        "import sys\n"
        "from scimkit import SCIMClient, User\n"
        "from scimkit.testing import Fault, SCIMServer\n"
        "with SCIMServer() as server, SCIMClient(server.url, token=server.token) as client:\n"
        "    user = client.create_user(User(user_name='bjensen')).raise_for_status().user\n"
        "    client.read_user(user.id).raise_for_status()\n"
        "    client.search_users(filter='userName eq \"bjensen\"').raise_for_status()\n"
        "    print('scimkit._hints' in sys.modules)\n"
        "    server.inject(Fault.status(400, body={'scimType': 'invalidFilter'}))\n"
        "    print(client.search_users(filter='usrName pr').hints)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "False",
        "(\"unknown attribute 'usrName' in filter — did you mean 'userName'?\",)",
    ]


# -- hints on a 400, scim2-server --------------------------------------------------------------


@pytest.fixture
def scim2() -> Iterator[SCIMClient]:
    pytest.importorskip("scim2_server", reason="scim2-server is not installed (Python 3.11+)")
    with scim2_server() as server, SCIMClient(server.url, token=server.token) as client:
        yield client


@pytest.mark.parametrize("discovered", [False, True])
def test_scim2_server_bad_filter_gets_the_hint(scim2: SCIMClient, discovered: bool) -> None:
    if discovered:
        scim2.discover()
    error = raised(scim2.search_users(filter='usrName eq "x"'))
    assert error.scim_type == "invalidFilter"
    assert error.hints == ["unknown attribute 'usrName' in filter — did you mean 'userName'?"]


def test_scim2_server_bad_patch_path_and_body_get_the_hint(scim2: SCIMClient) -> None:
    scim2.discover()
    user_id = resource_id(scim2.create_user(User(user_name="bjensen")))
    patched = scim2.patch_user(user_id, [PatchOperation(op="replace", path="titel", value="x")])
    assert patched.hints == (
        "unknown attribute 'titel' in Operations[0].path — did you mean 'title'?",
    )
    # scim2-server answers an unknown body attribute with invalidSyntax.
    created = scim2.create_user({"userName": "alice", "name": {"givnName": "Alice"}})
    assert raised(created).hints == [
        "unknown sub-attribute 'givnName' of 'name' in the request body — did you mean 'givenName'?"
    ]


# -- validate= -------------------------------------------------------------------------------


def test_names_are_not_validated_by_default_only_when_asked(
    server: SCIMServer, client: SCIMClient
) -> None:
    client.search_users(filter=F.eq("usrName", "x"), attributes=["titel"])
    assert len(server.requests) == 1
    with SCIMClient(server.url, token=server.token, validate=True) as validating:
        with pytest.raises(ValueError, match="did you mean 'userName'"):
            validating.search_users(filter=F.eq("usrName", "x"), attributes=["titel"])
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: c.search_users(filter=F.eq("usrName", "x")),
            "unknown attribute 'usrName' in filter — did you mean 'userName'?",
        ),
        (
            lambda c: c.search_users(filter='emails[typ eq "work"]', sort_by="displayNam"),
            "unknown sub-attribute 'typ' of 'emails' in filter — did you mean 'type'?; "
            "unknown attribute 'displayNam' in sort_by — did you mean 'displayName'?",
        ),
        (
            lambda c: c.read_user("1", excluded_attributes=["groups", "emails.valeu"]),
            "unknown sub-attribute 'valeu' of 'emails' in excluded_attributes — did you mean "
            "'value'?",
        ),
        (
            lambda c: c.iter_groups(attributes="displayName,membrs"),
            "unknown attribute 'membrs' in attributes — did you mean 'members'?",
        ),
        (
            lambda c: c.patch_user("1", [PatchOperation(op="replace", path="titel", value="x")]),
            "partial_user: unknown attribute 'titel' in Operations[0].path — did you mean 'title'?",
        ),
    ],
)
@pytest.mark.parametrize("setting", [{"validate": True}, {"strict": True}])
def test_validate_refuses_unknown_names_before_sending(
    server: SCIMServer, setting: dict[str, Any], call: Any, message: str
) -> None:
    with SCIMClient(server.url, token=server.token, **setting) as client:
        with pytest.raises(ValueError) as caught:
            call(client)
    assert str(caught.value) == message
    assert server.requests == []


def test_valid_names_pass_validation(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, strict=True) as client:
        with pytest.raises(ValueError, match="did you mean 'userName'"):
            client.search_users(filter="usrName pr")  # validating, and yet:
        user_id = resource_id(client.create_user(User(user_name="bjensen")))
        found = client.search_users(
            filter=f'USERNAME eq "bjensen" and emails[type eq "work"] and emails.value pr or '
            f'{ENTERPRISE}:manager.value eq "x" or meta.lastModified gt "2024-01-01T00:00:00Z"',
            attributes=["userName", "name.givenName", ENTERPRISE, "externalId"],
            sort_by="meta.created",
        )
        assert found.ok, found.errors
        patched = client.patch_user(
            user_id, [PatchOperation(op="add", path='emails[type eq "work"].value', value="a@b")]
        )
        assert patched.ok, patched.errors
        group_id = resource_id(client.create_group(Group(display_name="Ops")))
        assert client.read_group(group_id, attributes="members.value,displayName").ok


def test_validate_false_turns_strict_validation_off(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, strict=True, validate=False) as client:
        client.search_users(filter='usrName eq "x"')
    assert len(server.requests) == 1


def test_validate_uses_discovered_schemas_once_read(server: SCIMServer) -> None:
    with SCIMClient(server.url, token=server.token, validate=True) as client:
        schema = {"id": CORE_USER, "name": "User", "attributes": [{"name": "userName"}]}
        listing = {"schemas": [], "totalResults": 1, "Resources": [schema]}
        server.inject(Fault.status(200, body=listing), path="/Schemas")
        client.search_users(filter="title pr")  # RFC 7643 knows `title`
        client.discover()
        server.clear_requests()
        with pytest.raises(
            ValueError, match=r"unknown attribute 'title' in filter \(not in the server's schemas\)"
        ):
            client.search_users(filter="title pr")
    assert server.requests == []


def test_validate_against_given_schemas_or_discovery(server: SCIMServer) -> None:
    schemas = [{"id": CORE_USER, "attributes": [{"name": "userName"}, {"name": "badgeNumber"}]}]
    with SCIMClient(server.url, token=server.token, validate=schemas) as client:
        with pytest.raises(ValueError, match="did you mean 'badgeNumber'"):
            client.search_users(filter='badgeNumbr eq "1"')
        found = client.discover()
    with SCIMClient(server.url, token=server.token, validate=found) as client:
        with pytest.raises(ValueError, match="did you mean 'userName'"):
            client.search_users(filter='usrName eq "1"')
    assert [r.path.rsplit("/", 1)[-1] for r in server.requests] == [
        "ServiceProviderConfig",
        "ResourceTypes",
        "Schemas",
    ]


@pytest.mark.parametrize(
    ("validate", "message"),
    [
        ("yes", "validate must be True, False, None, a Discovery or a list of schemas, not str"),
        ({"id": CORE_USER}, "validate must be True, False, None, a Discovery or a list of"),
        ([42], "validate: a schema must be a Schema or a dict, not int"),
    ],
)
def test_validate_setting_of_the_wrong_type_is_refused(validate: Any, message: str) -> None:
    with pytest.raises(TypeError, match="^" + re.escape(message)):
        SCIMClient("https://example.com/scim/v2", validate=validate)


def test_the_async_client_validates_before_sending(server: SCIMServer) -> None:
    async def scenario() -> None:
        async with AsyncSCIMClient(server.url, token=server.token, validate=True) as client:
            with pytest.raises(ValueError, match="did you mean 'userName'"):
                await client.search_users(filter='usrName eq "x"')
            with pytest.raises(ValueError, match="did you mean 'title'"):
                await client.patch_user("1", [PatchOperation(op="remove", path="titel")])
            with pytest.raises(ValueError, match="did you mean 'userName'"):
                client.iter_users(attributes=["usrName"])

    asyncio.run(scenario())
    assert server.requests == []


HINT = "unknown attribute 'usrName' in filter — did you mean 'userName'?"


@pytest.mark.parametrize(
    ("error", "hints"),
    [
        ({"scimType": 5, "detail": "attribute"}, []),
        ({"scimType": None, "detail": [1, 2]}, []),
        ({"scimType": "invalidFilter", "detail": {"attribute": 1}}, [HINT]),
    ],
)
def test_a_garbled_error_body_is_read_as_far_as_it_goes(
    server: SCIMServer, client: SCIMClient, error: dict[str, Any], hints: list[str]
) -> None:
    server.inject(Fault.status(400, body=error))
    resp = client.search_users(filter='usrName eq "x"')
    assert raised(resp).hints == hints


def test_garbled_discovery_documents_still_give_hints_from_what_is_readable(
    server: SCIMServer, client: SCIMClient
) -> None:
    schemas = [
        {"id": CORE_USER, "attributes": [{"name": "userName", "subAttributes": [{"name": 1}]}]},
        {"id": 7, "attributes": "none"},
        {"id": "urn:example:Badge", "attributes": [{"name": None}, "x", {"name": "badge"}]},
    ]
    types = [
        {"name": 5, "endpoint": "/Users", "schema": CORE_USER, "schemaExtensions": [{"x": 1}]},
        {"name": "Odd", "endpoint": 12, "schema": None},
    ]
    server.inject(Fault.status(200, body={"Resources": schemas}), path="/Schemas")
    server.inject(Fault.status(200, body={"Resources": types}), path="/ResourceTypes")
    client.discover()
    refuse(server, "invalidFilter", "bad filter")
    resp = client.search_users(filter='usrName eq "x" or urn:example:Badge:badg pr')
    assert resp.hints == (
        "unknown attribute 'usrName' in filter — did you mean 'userName'?",
        "unknown attribute 'urn:example:Badge:badg' in filter — did you mean "
        "'urn:example:Badge:badge'?",
    )

"""The local server's engine: filters, PATCH, projection and sorting on JSON dicts."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scimkit.filters import AttrPath, parse_filter
from scimkit.testing._engine import (
    EngineError,
    apply_patch,
    get_values,
    matches,
    project,
    sort_resources,
)

JSON = dict[str, Any]

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_CORE = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BABS = "2819c223-7f76-453a-919d-413861904646"
MANDY = "902c246b-6245-4190-8e05-00816be7344a"

BJENSEN: JSON = {
    "schemas": [CORE, ENTERPRISE],
    "id": BABS,
    "externalId": "AbC",
    "userName": "bjensen",
    "name": {"familyName": "Jensen", "givenName": "Barbara"},
    "title": "Tour Guide",
    "nickName": "",
    "userType": "Employee",
    "active": True,
    "logins": 7,
    "score": 2.5,
    "roles": [],
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "addresses": [
        {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
        {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood"},
    ],
    "meta": {
        "resourceType": "User",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"a330bc54f0671c9"',
    },
    ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "26118915"}},
}

GROUP: JSON = {
    "schemas": [GROUP_CORE],
    "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
    "displayName": "Tour Guides",
    "members": [
        {"value": BABS, "display": "Babs Jensen", "$ref": f"https://example.com/v2/Users/{BABS}"},
        {"value": MANDY, "display": "Mandy Pepperidge"},
    ],
}


def user_matches(text: str, resource: JSON = BJENSEN) -> bool:
    return matches(resource, parse_filter(text), core_schema=CORE)


# -- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 7644 §3.4.2.2's examples.
        ('userName eq "bjensen"', True),
        ('name.familyName co "O\'Malley"', False),
        ('userName sw "J"', False),
        ('userName sw "B"', True),
        (f'{CORE}:userName sw "b"', True),
        ("title pr", True),
        ('meta.lastModified gt "2011-05-13T04:42:34Z"', False),
        ('meta.lastModified ge "2011-05-13T04:42:34Z"', True),
        ('meta.lastModified lt "2011-05-13T04:42:34Z"', False),
        ('meta.lastModified le "2011-05-13T04:42:34Z"', True),
        ('title pr and userType eq "Employee"', True),
        ('title pr or userType eq "Intern"', True),
        (f'schemas eq "{ENTERPRISE}"', True),
        (
            'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
            True,
        ),
        (
            'userType ne "Employee" and '
            'not (emails co "example.com" or emails.value co "example.org")',
            False,
        ),
        ('userType eq "Employee" and (emails.type eq "work")', True),
        ('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', True),
        ('emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]', True),
    ],
)
def test_rfc7644_example_filters_evaluate_against_a_user(text: str, expected: bool) -> None:
    assert user_matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Every operator on strings, case-insensitively.
        ('userName eq "BJensen"', True),
        ('userName eq "bjense"', False),
        ('userName ne "BJENSEN"', False),
        ('userName ne "someone"', True),
        ('title co "OUR g"', True),
        ('title co "guides"', False),
        ('title sw "tour"', True),
        ('title sw "guide"', False),
        ('title ew "GUIDE"', True),
        ('title ew "tour"', False),
        ('userName gt "BA"', True),
        ('userName gt "bjensen"', False),
        ('userName ge "BJENSEN"', True),
        ('userName lt "c"', True),
        ('userName lt "bjensen"', False),
        ('userName le "BJENSEN"', True),
        ('userName le "a"', False),
        # Numbers.
        ("logins eq 7", True),
        ("logins eq 7.0", True),
        ("logins ne 7", False),
        ("logins gt 6", True),
        ("logins gt 7", False),
        ("logins ge 7", True),
        ("logins lt 8", True),
        ("logins lt 7", False),
        ("logins le 7", True),
        ("score gt 2", True),
        ("score lt 2.5", False),
        # Booleans.
        ("active eq true", True),
        ("active eq false", False),
        ("active ne true", False),
        ("active ne false", True),
        # No match across types (the attribute's type is what it is).
        ('logins eq "7"', False),
        ("userName eq 7", False),
        ("active eq 1", False),
        ('active eq "true"', False),
        ("userName gt 5", False),
        # Datetimes in one RFC 3339 form order as strings.
        ('meta.lastModified gt "2011-05-13T04:42:33Z"', True),
        ('meta.lastModified lt "2011-05-14T00:00:00Z"', True),
        ('meta.lastModified gt "2012-01-01T00:00:00Z"', False),
    ],
)
def test_operators_compare_by_type_and_strings_ignore_case(text: str, expected: bool) -> None:
    assert user_matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('USERNAME eq "bjensen"', True),
        ('Name.FamilyName eq "jensen"', True),
        ('EMAILS[TYPE eq "home"]', True),
        (f'{ENTERPRISE.upper()}:EMPLOYEENUMBER eq "701984"', True),
        (f'{CORE.lower()}:username eq "bjensen"', True),
    ],
)
def test_attribute_names_and_schema_urns_are_case_insensitive(text: str, expected: bool) -> None:
    assert user_matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'id eq "{BABS}"', True),
        (f'id eq "{BABS.upper()}"', False),
        ('externalId eq "AbC"', True),
        ('externalId eq "abc"', False),
        ('externalId sw "ab"', False),
        ('meta.version eq "W/\\"a330bc54f0671c9\\""', True),
        ('meta.version eq "w/\\"A330BC54F0671C9\\""', False),
        ('meta.resourceType eq "user"', True),  # not caseExact
        ('name.id eq "x"', False),
    ],
)
def test_id_external_id_and_meta_version_compare_case_exactly(text: str, expected: bool) -> None:
    assert user_matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'members[$ref eq "https://example.com/v2/Users/{BABS}"]', True),
        (f'members[$ref eq "HTTPS://EXAMPLE.COM/v2/Users/{BABS}"]', False),
        (f'members.$ref ew "/{BABS}"', True),
        (f'members.$ref ew "/{BABS.upper()}"', False),
        (f'members[value eq "{BABS.upper()}"]', True),  # members.value is not caseExact
        ('members[display sw "mandy"]', True),
    ],
)
def test_ref_compares_case_exactly_inside_and_outside_value_paths(
    text: str, expected: bool
) -> None:
    assert matches(GROUP, parse_filter(text), core_schema=GROUP_CORE) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('emails.type eq "home"', True),
        ('emails.type eq "other"', False),
        ('emails.type ne "work"', False),  # some email is work: not "no email is work"
        ('emails co "jensen.org"', True),  # complex value without sub-attribute: its value
        ('emails eq "BJENSEN@example.com"', True),
        ('emails sw "nobody"', False),
        ('addresses eq "Hollywood"', False),  # addresses have no `value` to compare
        ('addresses.locality eq "hollywood"', True),
        ('schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"', True),
        ('emails[type eq "work" and value co "@example.com"]', True),
        ('emails[type eq "home" and value co "@example.com"]', False),
        ('emails[type eq "home" or primary eq true]', True),
        ('emails[not (type eq "work")]', True),
        ('emails[primary eq true and type eq "home"]', False),
        ("emails[value pr and not (primary pr)]", True),
        ('addresses[locality eq "Hollywood" and type eq "home"]', True),
        ("roles[value pr]", False),
        ('ims[type eq "xmpp"]', False),
        ('title pr and emails[type eq "home"] and not (addresses[type eq "other"])', True),
    ],
)
def test_multi_valued_attributes_match_when_any_value_matches(text: str, expected: bool) -> None:
    assert user_matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title pr", True),
        ("nickName pr", False),  # ""
        ("roles pr", False),  # []
        ("displayName pr", False),  # absent
        ("name pr", True),
        ("name.givenName pr", True),
        ("name.middleName pr", False),
        ("emails pr", True),
        ("emails.display pr", False),
        ("active pr", True),
        (f"{ENTERPRISE}:manager.value pr", True),
        (f"{ENTERPRISE}:department pr", False),
        ("urn:example:nothing:1.0:Ext:colour pr", False),
        ("displayName eq null", True),
        ("nickName eq null", True),
        ("roles eq null", True),
        ("title eq null", False),
        ("title ne null", True),
        ("displayName ne null", False),
        ("name.middleName eq null", True),
        ('displayName ne "x"', True),  # absent: nothing equals "x"
    ],
)
def test_present_and_null_treat_empty_values_as_unassigned(text: str, expected: bool) -> None:
    resource = {**BJENSEN, "name": {**BJENSEN["name"], "middleName": None}}
    assert user_matches(text, resource) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'{ENTERPRISE}:employeeNumber eq "701984"', True),
        (f'{ENTERPRISE}:manager.value eq "26118915"', True),
        (f'{ENTERPRISE}:manager eq "26118915"', True),
        ('employeeNumber eq "701984"', False),  # not a core attribute
        ('urn:example:other:2.0:User:employeeNumber eq "701984"', False),
        (f'{CORE}:name.givenName eq "barbara"', True),
    ],
)
def test_urn_prefixed_paths_look_in_the_core_or_in_their_extension(
    text: str, expected: bool
) -> None:
    assert user_matches(text) is expected


def test_extension_objects_are_found_whatever_the_case_of_their_key() -> None:
    resource = {"schemas": [CORE], "id": "1", ENTERPRISE.lower(): {"department": "Ops"}}
    assert user_matches(f'{ENTERPRISE}:department eq "ops"', resource)


@pytest.mark.parametrize(
    "text",
    [
        "active gt true",
        "active le false",
        "logins co 7",
        "logins sw 1",
        "logins ew 1.5",
        "title gt null",
        "title co null",
        "nosuchattribute gt true",  # refused whatever the resource holds
        'userName eq "nobody" and active lt true',  # even behind a false `and`
        'emails[type eq "x" and primary ge false]',
        'active gt "a"',  # RFC 7644 §3.4.2.2: ordering a boolean attribute
    ],
)
def test_operators_that_do_not_apply_are_invalid_filters(text: str) -> None:
    with pytest.raises(EngineError) as info:
        user_matches(text)
    assert (info.value.status, info.value.scim_type) == (400, "invalidFilter")


@pytest.mark.parametrize(
    ("path", "values"),
    [
        (AttrPath("userName"), ["bjensen"]),
        (AttrPath("USERNAME"), ["bjensen"]),
        (AttrPath("name", "givenName"), ["Barbara"]),
        (AttrPath("emails", "type"), ["work", "home"]),
        (AttrPath("emails", "primary"), [True]),
        (AttrPath("roles"), []),
        (AttrPath("displayName"), []),
        (AttrPath("name", "honorificPrefix"), []),
        (AttrPath("manager", "value", ENTERPRISE), ["26118915"]),
        (AttrPath("userName", None, CORE), ["bjensen"]),
        (AttrPath("userName", None, ENTERPRISE), []),
    ],
)
def test_get_values_flattens_multi_valued_attributes(path: AttrPath, values: list[object]) -> None:
    assert get_values(BJENSEN, path, core_schema=CORE) == values


# -- PATCH: RFC 7644 §3.5.2 examples -------------------------------------------------------


def patch(resource: JSON, *operations: JSON, core: str = CORE) -> JSON:
    before = copy.deepcopy(resource)
    result = apply_patch(resource, list(operations), core_schema=core)
    assert resource == before  # never changed in place
    return result


def group_patch(*operations: JSON) -> JSON:
    return patch(GROUP, *operations, core=GROUP_CORE)


def member_ids(group: JSON) -> list[str]:
    return [m["value"] for m in group.get("members", [])]


def test_rfc_add_a_member_appends_it() -> None:
    new = {"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/x", "value": "x"}
    result = group_patch({"op": "add", "path": "members", "value": [new]})
    assert member_ids(result) == [BABS, MANDY, "x"]
    assert result["members"][-1] == new


def test_rfc_add_without_path_appends_values_and_sets_attributes() -> None:
    user = {"schemas": [CORE], "id": "1", "userName": "b", "emails": [{"value": "a@x"}]}
    result = patch(
        user,
        {
            "op": "add",
            "value": {
                "emails": [{"value": "babs@jensen.org", "type": "home"}],
                "nickname": "Babs",
            },
        },
    )
    assert result["emails"] == [{"value": "a@x"}, {"value": "babs@jensen.org", "type": "home"}]
    assert result["nickname"] == "Babs"


def test_rfc_remove_all_members() -> None:
    assert "members" not in group_patch({"op": "remove", "path": "members"})


def test_rfc_remove_one_member_by_value_filter() -> None:
    result = group_patch({"op": "remove", "path": f'members[value eq "{BABS}"]'})
    assert member_ids(result) == [MANDY]


def test_rfc_remove_the_work_email_matching_two_conditions() -> None:
    result = patch(
        BJENSEN, {"op": "remove", "path": 'emails[type eq "work" and value ew "example.com"]'}
    )
    assert result["emails"] == [{"value": "babs@jensen.org", "type": "home"}]


def test_rfc_remove_members_then_add_others_in_one_request() -> None:
    result = group_patch(
        {"op": "remove", "path": f'members[value eq "{BABS}"]'},
        {"op": "remove", "path": f'members[value eq "{MANDY}"]'},
        {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
    )
    assert result["members"] == [{"value": "a"}, {"value": "b"}]


def test_rfc_replace_all_members() -> None:
    result = group_patch({"op": "replace", "path": "members", "value": [{"value": "z"}]})
    assert result["members"] == [{"value": "z"}]


def test_rfc_replace_the_work_address_as_a_whole() -> None:
    new = {"type": "work", "streetAddress": "911 Universal City Plaza", "primary": True}
    result = patch(BJENSEN, {"op": "replace", "path": 'addresses[type eq "work"]', "value": new})
    assert result["addresses"][0] == new  # replaced: `locality` is gone
    assert result["addresses"][1] == BJENSEN["addresses"][1]


def test_rfc_replace_a_sub_attribute_of_the_work_address() -> None:
    result = patch(
        BJENSEN,
        {
            "op": "replace",
            "path": 'addresses[type eq "work"].streetAddress',
            "value": "1010 Broadway Ave",
        },
    )
    assert result["addresses"][0] == {
        "type": "work",
        "streetAddress": "1010 Broadway Ave",
        "locality": "Hollywood",
    }


def test_rfc_replace_without_path_replaces_multi_valued_and_merges_complex() -> None:
    result = patch(
        BJENSEN,
        {
            "op": "replace",
            "value": {
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
                "nickName": "Babs",
                "name": {"givenName": "Babs"},
                ENTERPRISE: {"department": "Ops"},
            },
        },
    )
    assert result["emails"] == [{"value": "bjensen@example.com", "type": "work", "primary": True}]
    assert result["nickName"] == "Babs"
    assert result["name"] == {"familyName": "Jensen", "givenName": "Babs"}
    assert result[ENTERPRISE] == {
        "employeeNumber": "701984",
        "manager": {"value": "26118915"},
        "department": "Ops",
    }


# -- PATCH: add ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "attribute", "expected"),
    [
        ({"op": "add", "path": "displayName", "value": "Babs"}, "displayName", "Babs"),
        ({"op": "add", "path": "title", "value": "Boss"}, "title", "Boss"),
        ({"op": "add", "path": "logins", "value": 0}, "logins", 0),
        ({"op": "add", "path": "active", "value": False}, "active", False),
        (
            {"op": "add", "path": "name", "value": {"middleName": "J"}},
            "name",
            {"familyName": "Jensen", "givenName": "Barbara", "middleName": "J"},
        ),
        (
            {"op": "add", "path": "name.givenName", "value": "Babs"},
            "name",
            {"familyName": "Jensen", "givenName": "Babs"},
        ),
        (
            {"op": "add", "path": "emails", "value": {"value": "c@x", "type": "other"}},
            "emails",
            [*BJENSEN["emails"], {"value": "c@x", "type": "other"}],
        ),
        (
            {
                "op": "add",
                "path": "emails",
                "value": [{"value": "babs@jensen.org", "type": "home"}],
            },
            "emails",
            BJENSEN["emails"],
        ),
        (
            {"op": "add", "path": "emails", "value": [{"value": "babs@jensen.org"}]},
            "emails",
            BJENSEN["emails"],  # already there: RFC 7644 §3.5.2.1 "no changes SHOULD be made"
        ),
        (
            {
                "op": "add",
                "path": "emails",
                "value": [{"value": "babs@jensen.org", "type": "work"}],
            },
            "emails",
            [*BJENSEN["emails"], {"value": "babs@jensen.org", "type": "work"}],
        ),
        (
            {"op": "add", "path": "phoneNumbers", "value": {"value": "555"}},
            "phoneNumbers",
            [{"value": "555"}],
        ),
        (
            {"op": "add", "path": "roles", "value": [{"value": "admin"}]},
            "roles",
            [{"value": "admin"}],
        ),
        ({"op": "add", "path": "roles", "value": []}, "roles", None),
        ({"op": "Add", "path": "TITLE", "value": "Boss"}, "title", "Boss"),
        (
            {"op": "add", "value": {"name.givenName": "B", "title": "T"}},
            "name",
            {"familyName": "Jensen", "givenName": "B"},
        ),
        (
            {"op": "add", "path": 'emails[type eq "home"].display', "value": "Home"},
            "emails",
            [BJENSEN["emails"][0], {"value": "babs@jensen.org", "type": "home", "display": "Home"}],
        ),
        (
            {"op": "add", "path": 'emails[type eq "other"].value', "value": "o@x"},
            "emails",
            [*BJENSEN["emails"], {"type": "other", "value": "o@x"}],
        ),
        (
            {"op": "add", "path": 'addresses[type eq "other"]', "value": {"locality": "Oslo"}},
            "addresses",
            [*BJENSEN["addresses"], {"type": "other", "locality": "Oslo"}],
        ),
    ],
)
def test_add_sets_appends_or_merges_by_the_kind_of_attribute(
    operation: JSON, attribute: str, expected: object
) -> None:
    result = patch(BJENSEN, operation)
    assert result.get(attribute) == expected


def test_add_to_a_group_skips_members_already_there_even_without_their_display() -> None:
    result = group_patch(
        {"op": "add", "path": "members", "value": [{"value": BABS}, {"value": "n"}]}
    )
    assert member_ids(result) == [BABS, MANDY, "n"]
    assert result["members"][0] == GROUP["members"][0]


def test_add_to_a_member_less_group_creates_the_list() -> None:
    empty = {"schemas": [GROUP_CORE], "id": "g", "displayName": "Empty"}
    result = patch(
        empty, {"op": "add", "path": "members", "value": {"value": BABS}}, core=GROUP_CORE
    )
    assert result["members"] == [{"value": BABS}]


def test_patch_result_does_not_share_values_with_the_request() -> None:
    value = [{"value": "new@x", "type": "other"}]
    result = patch(BJENSEN, {"op": "add", "path": "emails", "value": value})
    value[0]["type"] = "changed"
    assert result["emails"][-1]["type"] == "other"


# -- PATCH: remove -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "attribute", "expected"),
    [
        ("title", "title", None),
        ("TITLE", "title", None),
        ("displayName", "displayName", None),  # absent: nothing to do
        ("name.givenName", "name", {"familyName": "Jensen"}),
        ('emails[type eq "home"]', "emails", [BJENSEN["emails"][0]]),
        ('emails[type eq "nothing"]', "emails", BJENSEN["emails"]),
        (
            'emails[type eq "work"].primary',
            "emails",
            [{"value": "bjensen@example.com", "type": "work"}, BJENSEN["emails"][1]],
        ),
        (
            "emails.type",
            "emails",
            [{"value": "bjensen@example.com", "primary": True}, {"value": "babs@jensen.org"}],
        ),
        ('emails[type eq "work" or type eq "home"]', "emails", None),
        (f"{ENTERPRISE}:manager", ENTERPRISE, {"employeeNumber": "701984"}),
        (f"{ENTERPRISE}:manager.value", ENTERPRISE, {"employeeNumber": "701984"}),
    ],
)
def test_remove_takes_away_attributes_values_or_sub_attributes(
    path: str, attribute: str, expected: object
) -> None:
    result = patch(BJENSEN, {"op": "remove", "path": path})
    assert result.get(attribute) == expected


def test_removing_every_sub_attribute_removes_the_attribute() -> None:
    result = patch(
        BJENSEN,
        {"op": "remove", "path": "name.givenName"},
        {"op": "remove", "path": "name.familyName"},
    )
    assert "name" not in result


def test_removing_the_last_extension_attribute_removes_the_extension_and_its_schema() -> None:
    result = patch(
        BJENSEN,
        {"op": "remove", "path": f"{ENTERPRISE}:manager"},
        {"op": "remove", "path": f"{ENTERPRISE}:employeeNumber"},
    )
    assert ENTERPRISE not in result and result["schemas"] == [CORE]


def test_remove_a_whole_extension_by_its_urn() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": ENTERPRISE})
    assert ENTERPRISE not in result and result["schemas"] == [CORE]


def test_remove_members_listed_in_value_as_microsoft_entra_sends_it() -> None:
    result = group_patch({"op": "Remove", "path": "members", "value": [{"value": MANDY}]})
    assert member_ids(result) == [BABS]


# -- PATCH: replace ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "attribute", "expected"),
    [
        ({"op": "replace", "path": "title", "value": "Boss"}, "title", "Boss"),
        (
            {"op": "REPLACE", "path": "NAME.GIVENNAME", "value": "B"},
            "name",
            {"familyName": "Jensen", "givenName": "B"},
        ),
        (
            {"op": "replace", "path": "name", "value": {"givenName": "B"}},
            "name",
            {"familyName": "Jensen", "givenName": "B"},
        ),
        (
            {"op": "replace", "path": "emails", "value": {"value": "only@x"}},
            "emails",
            [{"value": "only@x"}],
        ),
        ({"op": "replace", "path": "title", "value": None}, "title", None),  # RFC 7643 §2.5
        ({"op": "replace", "path": "title", "value": ""}, "title", None),
        ({"op": "replace", "path": "emails", "value": []}, "emails", None),
        (
            {
                "op": "replace",
                "path": 'emails[type eq "home"]',
                "value": {"value": "h@x", "type": "home"},
            },
            "emails",
            [BJENSEN["emails"][0], {"value": "h@x", "type": "home"}],
        ),
        (
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
            "emails",
            [{"value": "new@example.com", "type": "work", "primary": True}, BJENSEN["emails"][1]],
        ),
        (
            {"op": "replace", "value": {f"{ENTERPRISE}:manager.value": "7"}},
            ENTERPRISE,
            {"employeeNumber": "701984", "manager": {"value": "7"}},
        ),
        (
            {"op": "replace", "value": {"id": BABS, "schemas": [ENTERPRISE, CORE], "title": "T"}},
            "title",
            "T",  # id and schemas echoed back unchanged are accepted
        ),
    ],
)
def test_replace_sets_values_and_sub_attributes(
    operation: JSON, attribute: str, expected: object
) -> None:
    assert patch(BJENSEN, operation).get(attribute) == expected


@pytest.mark.parametrize(
    "path",
    ['emails[type eq "other"]', 'emails[type eq "other"].value', 'ims[type eq "xmpp"].value'],
)
def test_replace_through_a_filter_that_matches_nothing_is_no_target(path: str) -> None:
    with pytest.raises(EngineError) as info:
        patch(BJENSEN, {"op": "replace", "path": path, "value": {"value": "x"}})
    assert info.value.scim_type == "noTarget"


# -- PATCH: extensions and primary ---------------------------------------------------------


def test_add_with_urn_path_creates_the_extension_and_lists_its_schema() -> None:
    user = {"schemas": [CORE], "id": "1", "userName": "a"}
    result = patch(user, {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Ops"})
    assert result[ENTERPRISE] == {"department": "Ops"}
    assert result["schemas"] == [CORE, ENTERPRISE]


@pytest.mark.parametrize(
    "value",
    [
        {ENTERPRISE: {"manager": {"value": "m"}}},
        {f"{ENTERPRISE}:manager": {"value": "m"}},
        {f"{ENTERPRISE}:manager.value": "m"},
    ],
)
def test_add_without_path_reaches_extensions_by_object_or_by_prefixed_name(value: JSON) -> None:
    user = {"schemas": [CORE], "id": "1", "userName": "a"}
    result = patch(user, {"op": "add", "value": value})
    assert result[ENTERPRISE] == {"manager": {"value": "m"}}
    assert result["schemas"] == [CORE, ENTERPRISE]


def test_urn_path_of_the_core_schema_means_a_core_attribute() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": f"{CORE}:title", "value": "Boss"})
    assert result["title"] == "Boss" and CORE not in result


def test_extension_keys_are_matched_whatever_their_case() -> None:
    user = {"schemas": [CORE, ENTERPRISE], "id": "1", ENTERPRISE.lower(): {"department": "A"}}
    result = patch(user, {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "B"})
    assert result == {**user, ENTERPRISE.lower(): {"department": "B"}}


@pytest.mark.parametrize(
    ("operation", "primaries"),
    [
        (
            {"op": "add", "path": "emails", "value": [{"value": "p@x", "primary": True}]},
            [False, None, True],
        ),
        (
            {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True},
            [False, True],
        ),
        (
            {
                "op": "replace",
                "path": 'emails[type eq "home"]',
                "value": {"value": "h", "primary": True},
            },
            [False, True],
        ),
        (
            {"op": "add", "value": {"emails": [{"value": "q@x", "primary": True}]}},
            [False, None, True],
        ),
        (
            {"op": "add", "path": "emails", "value": [{"value": "n@x", "primary": False}]},
            [True, None, False],
        ),
    ],
)
def test_a_value_made_primary_takes_primary_from_the_others(
    operation: JSON, primaries: list[bool | None]
) -> None:
    result = patch(BJENSEN, operation)
    assert [e.get("primary") for e in result["emails"]] == primaries


# -- PATCH: refusals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operations", "scim_type"),
    [
        ([{"op": "remove"}], "noTarget"),
        ([{"op": "remove", "path": ""}], "noTarget"),
        ([{"op": "move", "path": "title"}], "invalidSyntax"),
        ([{"path": "title", "value": "x"}], "invalidSyntax"),
        ([{"op": 1, "path": "title", "value": "x"}], "invalidSyntax"),
        (["not an operation"], "invalidSyntax"),
        ([], "invalidSyntax"),
        ({"op": "add", "path": "title", "value": "x"}, "invalidSyntax"),
        (None, "invalidSyntax"),
        ("add", "invalidSyntax"),
        ([{"op": "add", "path": "title"}], "invalidValue"),
        ([{"op": "replace", "path": "title"}], "invalidValue"),
        ([{"op": "add", "path": "title", "value": None}], "invalidValue"),
        ([{"op": "add", "value": "not an object"}], "invalidValue"),
        ([{"op": "replace", "value": ["x"]}], "invalidValue"),
        ([{"op": "replace", "path": 'emails[type eq "work"]', "value": "x"}], "invalidValue"),
        (
            [{"op": "add", "path": "emails", "value": [{"primary": True}, {"primary": True}]}],
            "invalidValue",
        ),
        ([{"op": "replace", "path": "emails[type eq", "value": 1}], "invalidPath"),
        ([{"op": "replace", "path": "a b", "value": 1}], "invalidPath"),
        ([{"op": "replace", "path": 5, "value": 1}], "invalidPath"),
        ([{"op": "replace", "value": {"bad name": 1}}], "invalidPath"),
        ([{"op": "replace", "path": "emails[type gt true]", "value": {}}], "invalidFilter"),
        ([{"op": "replace", "path": "id", "value": "x"}], "mutability"),
        ([{"op": "replace", "path": "ID", "value": "x"}], "mutability"),
        ([{"op": "replace", "path": "meta.version", "value": "x"}], "mutability"),
        ([{"op": "add", "path": "schemas", "value": ["urn:x"]}], "mutability"),
        ([{"op": "remove", "path": "id"}], "mutability"),
        ([{"op": "remove", "path": "meta"}], "mutability"),
        ([{"op": "replace", "path": f"{CORE}:id", "value": "x"}], "mutability"),
        ([{"op": "replace", "value": {"id": "other"}}], "mutability"),
        ([{"op": "replace", "value": {"schemas": [CORE]}}], "mutability"),
        ([{"op": "add", "value": {"meta": {"version": "x"}}}], "mutability"),
    ],
)
def test_bad_operations_are_refused_with_their_scim_type(
    operations: list[JSON], scim_type: str
) -> None:
    with pytest.raises(EngineError) as info:
        apply_patch(BJENSEN, operations, core_schema=CORE)
    assert (info.value.status, info.value.scim_type) == (400, scim_type)


def test_a_refused_operation_names_its_number_and_nothing_is_applied() -> None:
    user = copy.deepcopy(BJENSEN)
    with pytest.raises(EngineError) as info:
        apply_patch(
            user,
            [{"op": "replace", "path": "title", "value": "Boss"}, {"op": "remove", "path": "id"}],
            core_schema=CORE,
        )
    assert info.value.detail.startswith("operation 2: ")
    assert str(info.value) == info.value.detail
    assert user == BJENSEN


# -- projection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (["userName"], {"userName": "bjensen"}),
        (["USERNAME", "Title"], {"userName": "bjensen", "title": "Tour Guide"}),
        (["name.givenName"], {"name": {"givenName": "Barbara"}}),
        (
            ["name.givenName", "name.familyName"],
            {"name": {"familyName": "Jensen", "givenName": "Barbara"}},
        ),
        (
            ["emails.value"],
            {"emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}]},
        ),
        (
            ["emails.type", "emails.primary"],
            {"emails": [{"type": "work", "primary": True}, {"type": "home"}]},
        ),
        (["emails.display"], {}),
        (["emails.value", "emails"], {"emails": BJENSEN["emails"]}),
        ([f"{ENTERPRISE}:employeeNumber"], {ENTERPRISE: {"employeeNumber": "701984"}}),
        ([f"{ENTERPRISE}:manager.value"], {ENTERPRISE: {"manager": {"value": "26118915"}}}),
        ([ENTERPRISE], {ENTERPRISE: BJENSEN[ENTERPRISE]}),
        ([f"{CORE}:userName"], {"userName": "bjensen"}),
        (["nosuchattribute", "name.nosuch"], {}),
        (["id", "schemas"], {}),
        (["meta.lastModified"], {"meta": {"lastModified": "2011-05-13T04:42:34Z"}}),
    ],
)
def test_attributes_keeps_only_those_named_plus_id_and_schemas(
    attributes: list[str], expected: JSON
) -> None:
    before = copy.deepcopy(BJENSEN)
    out = project(BJENSEN, attributes=attributes, core_schema=CORE)
    assert out == {"schemas": [CORE, ENTERPRISE], "id": BABS, **expected}
    assert BJENSEN == before


@pytest.mark.parametrize(
    ("excluded", "gone"),
    [
        (["emails"], {"emails"}),
        (["EMAILS", "meta"], {"emails", "meta"}),
        ([ENTERPRISE], {ENTERPRISE}),
        (["id", "schemas", f"{CORE}:id"], set()),
        (["nosuchattribute"], set()),
    ],
)
def test_excluded_attributes_removes_those_named_but_never_id_or_schemas(
    excluded: list[str], gone: set[str]
) -> None:
    out = project(BJENSEN, excluded_attributes=excluded, core_schema=CORE)
    assert set(out) == set(BJENSEN) - gone
    assert out["id"] == BABS and out["schemas"] == BJENSEN["schemas"]


@pytest.mark.parametrize(
    ("excluded", "attribute", "expected"),
    [
        (["name.givenName"], "name", {"familyName": "Jensen"}),
        (
            ["emails.primary"],
            "emails",
            [{"value": "bjensen@example.com", "type": "work"}, BJENSEN["emails"][1]],
        ),
        ([f"{ENTERPRISE}:manager"], ENTERPRISE, {"employeeNumber": "701984"}),
    ],
)
def test_excluded_attributes_reaches_sub_attributes_and_extensions(
    excluded: list[str], attribute: str, expected: object
) -> None:
    before = copy.deepcopy(BJENSEN)
    assert project(BJENSEN, excluded_attributes=excluded, core_schema=CORE)[attribute] == expected
    assert BJENSEN == before


def test_project_returns_a_copy_even_when_nothing_is_asked() -> None:
    out = project(BJENSEN, core_schema=CORE)
    assert out == BJENSEN and out is not BJENSEN
    out["emails"].clear()
    assert BJENSEN["emails"]


@pytest.mark.parametrize("names", [['emails[type eq "work"]'], ["a b"], [""], [5]])
def test_project_refuses_names_that_are_not_attribute_paths(names: list[object]) -> None:
    with pytest.raises(EngineError) as info:
        # A name that is not a str is in the table on purpose: the server must refuse it.
        project(BJENSEN, attributes=names, core_schema=CORE)  # type: ignore[arg-type]
    assert info.value.scim_type == "invalidValue"


# -- sorting -------------------------------------------------------------------------------

PEOPLE: list[JSON] = [
    {
        "id": "1",
        "userName": "carol",
        "logins": 10,
        "emails": [{"value": "z@x"}, {"value": "a@x", "primary": True}],
        "name": {"familyName": "Zed"},
    },
    {"id": "2", "userName": "Alice", "logins": 9.5, "emails": [{"value": "M@x"}]},
    {
        "id": "3",
        "userName": "bob",
        "name": {"familyName": "adams"},
        ENTERPRISE: {"employeeNumber": "2"},
    },
    {"id": "4", "userName": "dave", "logins": 2, "emails": [], ENTERPRISE: {"employeeNumber": "1"}},
]


@pytest.mark.parametrize(
    ("sort_by", "descending", "order"),
    [
        ("userName", False, ["2", "3", "1", "4"]),
        ("userName", True, ["4", "1", "3", "2"]),
        ("USERNAME", False, ["2", "3", "1", "4"]),
        ("logins", False, ["4", "2", "1", "3"]),
        ("logins", True, ["3", "1", "2", "4"]),
        ("emails", False, ["1", "2", "3", "4"]),  # primary value a@x; then M@x ignoring case
        ("emails.value", False, ["1", "2", "3", "4"]),
        ("emails", True, ["3", "4", "2", "1"]),  # without a value: first when descending
        ("name.familyName", False, ["3", "1", "2", "4"]),
        (f"{ENTERPRISE}:employeeNumber", False, ["4", "3", "1", "2"]),
        ("nosuchattribute", False, ["1", "2", "3", "4"]),  # stable
        ("nosuchattribute", True, ["1", "2", "3", "4"]),
    ],
)
def test_sort_orders_by_value_with_missing_values_last_ascending(
    sort_by: str, descending: bool, order: list[str]
) -> None:
    ordered = sort_resources(PEOPLE, sort_by, descending=descending, core_schema=CORE)
    assert [p["id"] for p in ordered] == order


def test_sort_returns_the_same_resource_objects_and_leaves_the_list_alone() -> None:
    people = list(PEOPLE)
    ordered = sort_resources(people, "userName", core_schema=CORE)
    assert len(ordered) == len(PEOPLE) == 4
    # The same objects, not copies, and every one of them.
    assert all(any(o is p for p in PEOPLE) for o in ordered)
    assert {id(o) for o in ordered} == {id(p) for p in PEOPLE}
    assert people == PEOPLE


def test_sort_by_a_malformed_attribute_is_refused() -> None:
    with pytest.raises(EngineError) as info:
        sort_resources(PEOPLE, "user name", core_schema=CORE)
    assert info.value.scim_type == "invalidValue"

"""The local server's engine: filter evaluation, PATCH, projection, sorting on JSON dicts."""

from __future__ import annotations

import pytest

from scimkit.filters import parse_filter
from scimkit.testing._engine import EngineError, apply_patch, matches, project, sort_resources

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

BJENSEN = {
    "schemas": [CORE, ENTERPRISE],
    "id": "2819c223",
    "externalId": "AbC",
    "userName": "bjensen",
    "name": {"familyName": "Jensen", "givenName": "Barbara"},
    "title": "Tour Guide",
    "userType": "Employee",
    "active": True,
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "meta": {"lastModified": "2011-05-13T04:42:34Z", "version": 'W/"a330bc54f0671c9"'},
    ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "26118915"}},
    "logins": 7,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "BJENSEN"', True),
        ('USERNAME eq "bjensen"', True),
        ('externalId eq "abc"', False),
        ('externalId eq "AbC"', True),
        ('id eq "2819C223"', False),
        ('name.familyName co "ens"', True),
        ('userName sw "bj" and userName ew "sen"', True),
        ("title pr", True),
        ("nickName pr", False),
        ('meta.lastModified gt "2011-01-01T00:00:00Z"', True),
        ('meta.lastModified lt "2011-01-01T00:00:00Z"', False),
        ('meta.version eq "w/\\"a330bc54f0671c9\\""', False),
        ("active eq true", True),
        ("active ne true", False),
        ("logins ge 7 and logins lt 8", True),
        ('emails co "jensen.org"', True),
        ('emails.type eq "home"', True),
        ('emails[type eq "work" and value co "@example.com"]', True),
        ('emails[type eq "home" and value co "@example.com"]', False),
        ('userType ne "Employee" and not (emails co "example.com")', False),
        ('not (userType eq "Intern")', True),
        (f'{ENTERPRISE}:employeeNumber eq "701984"', True),
        (f'{ENTERPRISE}:manager.value eq "26118915"', True),
        (f'{CORE}:userName eq "bjensen"', True),
        ("nickName eq null", True),
        ("title ne null", True),
        ('userName ne "someone"', True),
    ],
)
def test_filters_match_like_a_scim_server(text, expected):
    assert matches(BJENSEN, parse_filter(text), core_schema=CORE) is expected


@pytest.mark.parametrize("text", ["active gt true", "logins co 7", "title gt null"])
def test_inapplicable_operators_are_invalid_filters(text):
    with pytest.raises(EngineError) as info:
        matches(BJENSEN, parse_filter(text), core_schema=CORE)
    assert info.value.scim_type == "invalidFilter"


GROUP = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "e9e30dba",
    "displayName": "Tour Guides",
    "members": [
        {"value": "2819c223", "display": "Babs"},
        {"value": "902c246b", "display": "Mandy"},
    ],
}
GROUP_CORE = "urn:ietf:params:scim:schemas:core:2.0:Group"


def patch(resource, *operations, core=CORE):
    return apply_patch(resource, list(operations), core_schema=core)


def test_add_members_appends_without_duplicates():
    result = patch(
        GROUP,
        {
            "op": "add",
            "path": "members",
            "value": [{"value": "2819c223", "display": "Babs"}, {"value": "new"}],
        },
        core=GROUP_CORE,
    )
    assert [m["value"] for m in result["members"]] == ["2819c223", "902c246b", "new"]
    assert [m["value"] for m in GROUP["members"]] == ["2819c223", "902c246b"]  # untouched


def test_remove_one_member_by_value_filter():
    result = patch(GROUP, {"op": "remove", "path": 'members[value eq "2819c223"]'}, core=GROUP_CORE)
    assert [m["value"] for m in result["members"]] == ["902c246b"]


def test_remove_all_members_and_the_entra_remove_by_value_form():
    assert "members" not in patch(GROUP, {"op": "remove", "path": "members"}, core=GROUP_CORE)
    result = patch(
        GROUP,
        {"op": "Remove", "path": "members", "value": [{"value": "902c246b"}]},
        core=GROUP_CORE,
    )
    assert [m["value"] for m in result["members"]] == ["2819c223"]


def test_replace_sub_attribute_of_filtered_email():
    result = patch(
        BJENSEN,
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
    )
    assert result["emails"][0]["value"] == "new@example.com"
    assert result["emails"][1]["value"] == "babs@jensen.org"


def test_replace_with_unmatched_filter_is_no_target():
    with pytest.raises(EngineError) as info:
        patch(BJENSEN, {"op": "replace", "path": 'emails[type eq "other"].value', "value": "x"})
    assert info.value.scim_type == "noTarget"


def test_replace_without_path_merges_attributes_and_sub_attributes():
    result = patch(
        BJENSEN,
        {
            "op": "replace",
            "value": {
                "title": "Boss",
                "name": {"givenName": "Babs"},
                ENTERPRISE: {"department": "Ops"},
            },
        },
    )
    assert result["title"] == "Boss"
    assert result["name"] == {"familyName": "Jensen", "givenName": "Babs"}
    assert (
        result[ENTERPRISE]["department"] == "Ops"
        and result[ENTERPRISE]["employeeNumber"] == "701984"
    )


def test_add_with_urn_path_creates_the_extension_and_lists_its_schema():
    user = {"schemas": [CORE], "id": "1", "userName": "a"}
    result = patch(user, {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Ops"})
    assert result[ENTERPRISE] == {"department": "Ops"} and ENTERPRISE in result["schemas"]


def test_a_new_primary_email_clears_the_old_primary():
    result = patch(
        BJENSEN,
        {"op": "add", "path": "emails", "value": [{"value": "p@example.com", "primary": True}]},
    )
    assert [e.get("primary") for e in result["emails"]] == [False, None, True]


def test_capitalised_ops_and_case_insensitive_paths_are_accepted():
    result = patch(BJENSEN, {"op": "REPLACE", "path": "NAME.GIVENNAME", "value": "B"})
    assert result["name"]["givenName"] == "B"


@pytest.mark.parametrize(
    ("operations", "scim_type"),
    [
        ([{"op": "remove"}], "noTarget"),
        ([{"op": "move", "path": "title"}], "invalidSyntax"),
        ([{"op": "add", "path": "title"}], "invalidValue"),
        ([{"op": "add", "value": "not an object"}], "invalidValue"),
        ([{"op": "replace", "path": "emails[type eq", "value": 1}], "invalidPath"),
        ([{"op": "replace", "path": "id", "value": "x"}], "mutability"),
        ([{"op": "replace", "path": "meta.version", "value": "x"}], "mutability"),
        (["not an operation"], "invalidSyntax"),
        ([], "invalidSyntax"),
    ],
)
def test_bad_operations_are_refused_with_their_scim_type(operations, scim_type):
    with pytest.raises(EngineError) as info:
        apply_patch(BJENSEN, operations, core_schema=CORE)
    assert info.value.scim_type == scim_type and info.value.status == 400


def test_project_keeps_id_schemas_and_the_named_attributes():
    out = project(
        BJENSEN,
        attributes=["userName", "name.givenName", f"{ENTERPRISE}:employeeNumber"],
        core_schema=CORE,
    )
    assert out == {
        "schemas": [CORE, ENTERPRISE],
        "id": "2819c223",
        "userName": "bjensen",
        "name": {"givenName": "Barbara"},
        ENTERPRISE: {"employeeNumber": "701984"},
    }
    assert project(BJENSEN, attributes=["emails.value"], core_schema=CORE)["emails"] == [
        {"value": "bjensen@example.com"},
        {"value": "babs@jensen.org"},
    ]


def test_project_excludes_attributes_but_never_id():
    out = project(
        BJENSEN, excluded_attributes=["emails", "id", ENTERPRISE + ":manager"], core_schema=CORE
    )
    assert "emails" not in out and out["id"] == "2819c223"
    assert out[ENTERPRISE] == {"employeeNumber": "701984"}


def test_sort_by_string_primary_value_and_missing_last():
    people = [
        {
            "id": "1",
            "userName": "carol",
            "emails": [{"value": "z@x"}, {"value": "a@x", "primary": True}],
        },
        {"id": "2", "userName": "Alice", "emails": [{"value": "m@x"}]},
        {"id": "3", "userName": "bob"},
    ]
    by_name = sort_resources(people, "userName", core_schema=CORE)
    assert [p["id"] for p in by_name] == ["2", "3", "1"]
    by_email = sort_resources(people, "emails", core_schema=CORE)
    assert [p["id"] for p in by_email] == ["1", "2", "3"]
    assert [
        p["id"] for p in sort_resources(people, "emails", descending=True, core_schema=CORE)
    ] == ["3", "2", "1"]

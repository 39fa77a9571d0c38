"""Models: attribute names, unset vs null, lenient reading, unknown-field round trips."""

from __future__ import annotations

import datetime
import sys
import typing
from typing import Any

import pytest

import scimkit.models
from scimkit import (
    EnterpriseManager,
    EnterpriseUser,
    Group,
    GroupMember,
    Meta,
    PatchOp,
    PatchOperation,
    User,
    UserAddress,
    UserEmail,
    UserName,
)
from scimkit.models import ErrorMessage, ListResponse
from scimkit.models._base import SCIMModel, camel_case, snake_case

from .examples import full_user


@pytest.mark.parametrize(
    ("snake", "camel"),
    [
        ("user_name", "userName"),
        ("x509_certificates", "x509Certificates"),
        ("profile_url", "profileUrl"),
        ("honorific_prefix", "honorificPrefix"),
        ("active", "active"),
    ],
)
def test_python_names_map_to_scim_json_names(snake: str, camel: str) -> None:
    assert camel_case(snake) == camel
    assert snake_case(camel) == snake


def test_ref_attribute_is_written_as_dollar_ref() -> None:
    member = GroupMember(value="42", ref="https://example.com/Users/42")
    assert member.to_dict() == {"value": "42", "$ref": "https://example.com/Users/42"}
    assert GroupMember.from_dict({"$ref": "x"}).ref == "x"


def test_unset_attributes_are_left_out_and_none_is_sent_as_null() -> None:
    user = User(user_name="cal", title=None)
    assert user.to_dict() == {"userName": "cal", "title": None}
    assert user.display_name is None
    assert "displayName" not in user.to_dict()


def test_deleting_an_attribute_removes_it_from_the_json() -> None:
    user = User.from_dict({"userName": "cal", "title": "Boss"})
    del user.title
    assert user.to_dict() == {"userName": "cal"}
    assert user.title is None


def test_every_rfc7643_user_attribute_round_trips() -> None:
    data = full_user()
    user = User.from_dict(data)
    assert user.name is not None and user.name.honorific_suffix == "III"
    assert user.addresses is not None and user.addresses[0].postal_code == "91608"
    assert user.x509_certificates is not None
    assert user.enterprise is not None and user.enterprise.cost_center == "4130"
    assert isinstance(user.enterprise.manager, EnterpriseManager)
    assert user.enterprise.manager.display_name == "John"
    assert user.groups is not None
    ref = user.groups[0].ref
    assert ref is not None and ref.endswith("e9e30dba")
    assert isinstance(user.meta, Meta) and user.etag == 'W/"3694e05e9dff591"'
    assert user.to_dict() == data
    assert User.from_dict(user.to_dict()) == user


def test_reading_is_case_insensitive_and_writes_canonical_names() -> None:
    user = User.from_dict({"USERNAME": "cal", "Name": {"GIVENNAME": "Cal"}})
    assert user.user_name == "cal"
    assert user.name is not None and user.name.given_name == "Cal"
    assert User.from_dict({"username": "x"})["UserName"] == "x"


def test_unknown_attributes_and_extensions_survive_read_modify_write() -> None:
    data = {
        "id": "1",
        "userName": "cal",
        "urn:example:schemas:2.0:Badge": {"level": 3, "tags": ["a"]},
        "slackOnlyField": {"nested": [1, 2]},
        "emails": [{"value": "a@example.com", "verifiedAt": "2024-01-01"}],
    }
    user = User.from_dict(data)
    user.title = "Engineer"
    assert user.emails is not None
    user.emails.append(UserEmail(value="b@example.com"))
    out = user.to_dict()
    assert out["urn:example:schemas:2.0:Badge"] == {"level": 3, "tags": ["a"]}
    assert out["slackOnlyField"] == {"nested": [1, 2]}
    assert out["emails"] == [
        {"value": "a@example.com", "verifiedAt": "2024-01-01"},
        {"value": "b@example.com"},
    ]
    assert out["title"] == "Engineer"
    assert user.extra() == {
        "urn:example:schemas:2.0:Badge": {"level": 3, "tags": ["a"]},
        "slackOnlyField": {"nested": [1, 2]},
    }


def test_to_dict_never_shares_containers_with_the_source() -> None:
    data: dict[str, Any] = {"userName": "cal", "custom": {"k": [1]}}
    out = User.from_dict(data).to_dict()
    out["custom"]["k"].append(2)
    assert data["custom"]["k"] == [1]


def test_item_access_writes_unknown_extensions_without_touching_the_source() -> None:
    data = {"userName": "cal"}
    user = User.from_dict(data)
    user["urn:example:2.0:Custom"] = {"x": 1}
    user["displayName"] = "Cal"
    assert user.display_name == "Cal"
    assert user["URN:EXAMPLE:2.0:CUSTOM"] == {"x": 1}
    assert "urn:example:2.0:Custom" in user and "title" not in user
    assert data == {"userName": "cal"}
    del user["urn:example:2.0:Custom"]
    with pytest.raises(KeyError):
        user["urn:example:2.0:Custom"]


@pytest.mark.parametrize(
    "data",
    [
        {"emails": "a@example.com"},
        {"emails": ["a@example.com", {"value": "b@example.com"}]},
        {"emails": {"value": "a@example.com"}},
        {"name": "Barbara Jensen"},
        {"name": None, "emails": None, "active": "yes"},
        {"meta": 7, "groups": [1, None, "x"]},
        {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "oops"},
        {},
    ],
)
def test_from_dict_accepts_whatever_a_server_sends(data: dict[str, object]) -> None:
    user = User.from_dict(data)
    for name in User._attributes:
        getattr(user, name)
    assert isinstance(user.to_dict(), dict)
    repr(user)


def test_emails_sent_as_plain_strings_become_email_models() -> None:
    user = User.from_dict({"emails": ["a@example.com"]})
    assert user.emails == [UserEmail(value="a@example.com")]


def test_from_dict_rejects_a_non_object_with_a_type_error() -> None:
    with pytest.raises(TypeError, match="needs a dict"):
        User.from_dict(["not", "a", "dict"])  # type: ignore[arg-type]


def test_constructor_rejects_unknown_keyword_naming_it() -> None:
    with pytest.raises(TypeError, match="'usr_name'"):
        User(usr_name="x")  # type: ignore[call-arg]


def test_repr_hides_the_password() -> None:
    user = User(user_name="cal", password="hunter2-secret")
    assert "hunter2-secret" not in repr(user)
    assert "[secure]" in repr(user)


def test_enterprise_extension_is_written_under_its_urn() -> None:
    user = User(user_name="cal", enterprise=EnterpriseUser(department="Ops"))
    assert user.to_dict() == {
        "userName": "cal",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"},
    }


def test_enterprise_extension_reads_the_scim_1_1_urn_too() -> None:
    user = User.from_dict({"urn:scim:schemas:extension:enterprise:1.0": {"department": "Ops"}})
    assert user.enterprise is not None and user.enterprise.department == "Ops"


def test_datetimes_are_written_as_rfc3339_utc() -> None:
    meta = Meta(created=datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc))  # type: ignore[arg-type]
    assert meta.to_dict() == {"created": "2024-05-01T12:00:00Z"}


def test_equality_compares_json_and_models_are_unhashable() -> None:
    assert User(user_name="a") == User.from_dict({"userName": "a"})
    assert User(user_name="a") != User(user_name="b")
    assert User(user_name="a") != Group(display_name="a")
    with pytest.raises(TypeError):
        hash(User(user_name="a"))


def test_models_are_not_iterable() -> None:
    with pytest.raises(TypeError):
        iter(User(user_name="a"))  # type: ignore[call-overload]  # the point: it is not iterable


def test_address_and_group_models() -> None:
    group = Group(display_name="G", members=[GroupMember(value="1", display="One")])
    assert group.to_dict() == {"displayName": "G", "members": [{"value": "1", "display": "One"}]}
    address = UserAddress(street_address="1 Main St", primary=True)
    assert address.to_dict() == {"streetAddress": "1 Main St", "primary": True}
    assert UserName(given_name="a").to_dict() == {"givenName": "a"}


def test_patch_op_adds_its_schema_and_writes_operations() -> None:
    op = PatchOp(operations=[PatchOperation(op="remove", path='members[value eq "1"]')])
    assert op.to_dict() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": 'members[value eq "1"]'}],
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "409",
                "scimType": "uniqueness",
                "detail": "taken",
            },
            ErrorMessage(status=409, scim_type="uniqueness", detail="taken"),
        ),
        (
            {"Errors": {"code": 404, "description": "no_such_user"}},
            ErrorMessage(status=404, detail="no_such_user"),
        ),
        (
            {"Errors": [{"code": "400", "description": "bad"}]},
            ErrorMessage(status=400, detail="bad"),
        ),
        ({"status": 500, "detail": "boom"}, ErrorMessage(status=500, detail="boom")),
        ({"userName": "x"}, None),
        ({"Errors": "weird"}, None),
    ],
)
def test_error_message_reads_both_dialects(
    body: dict[str, object], expected: ErrorMessage | None
) -> None:
    assert ErrorMessage.from_body(body) == expected


def test_error_message_offers_slack_names() -> None:
    error = ErrorMessage.from_body({"Errors": {"code": 404, "description": "no"}})
    assert error is not None and error.code == 404 and error.description == "no"


def test_list_response_reads_resources_key() -> None:
    page = ListResponse.from_dict({"totalResults": 2, "Resources": [{"id": "1"}]})
    assert page.total_results == 2 and page.resources == [{"id": "1"}]


@pytest.mark.skipif(
    sys.version_info < (3, 10),
    reason="the models' annotations are PEP 604 (`str | None`): evaluable at run time on 3.10+",
)
def test_every_public_models_annotations_evaluate() -> None:
    models = [
        value
        for name in scimkit.models.__all__
        if isinstance(value := getattr(scimkit.models, name), type) and issubclass(value, SCIMModel)
    ]
    assert User in models and len(models) > 20
    for model in models:
        hints = typing.get_type_hints(model)
        unannotated = sorted(set(model._attributes) - set(hints))
        assert not unannotated, f"{model.__name__}: attribute() without annotation {unannotated}"

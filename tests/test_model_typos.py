"""A misspelt model attribute is an error naming the fix, never a value silently not sent."""

from __future__ import annotations

import copy
import pickle
from typing import Any, Callable

import pytest

from scimkit import (
    EnterpriseUser,
    Group,
    PatchOperation,
    Resource,
    User,
    UserEmail,
    UserName,
    attribute,
)
from scimkit._request import Me, Root, resource_class
from scimkit.models import BulkOperationResult, SCIMModel


class Device(Resource):
    """A resource type declared the way docs/resources.md shows."""

    schema = "urn:example:schemas:2.0:TypoDevice"
    endpoint = "/TypoDevices"

    serial_number: str | None = attribute()
    location: str | None = attribute()


class Tracked(Device):
    """A user's subclass with a plain Python attribute of its own, declared in `__slots__`."""

    __slots__ = ("seen_at",)

    def see(self, when: str) -> None:
        self.seen_at = when


TYPOS: list[tuple[Callable[[], SCIMModel], str, str]] = [
    (lambda: User(user_name="a"), "titel", "title"),
    (lambda: User.from_dict({"userName": "a"}), "user_nam", "user_name"),
    (lambda: Group(display_name="g"), "display_nme", "display_name"),
    (lambda: UserName(given_name="Barbara"), "given_nam", "given_name"),
    (lambda: UserEmail(value="a@example.com"), "primry", "primary"),
    (lambda: EnterpriseUser(department="Ops"), "departmnt", "department"),
    (lambda: PatchOperation(op="add"), "valeu", "value"),
    (lambda: Device(serial_number="X1"), "serial_numbr", "serial_number"),
    (lambda: Me(user_name="me"), "activ", "active"),
    (lambda: Root(id="1"), "extrnal_id", "external_id"),
    (lambda: resource_class("/TypoWidgets")(id="w1"), "metta", "meta"),
]
TYPO_IDS = [f"{make().__class__.__name__}.{typo}" for make, typo, _ in TYPOS]


@pytest.mark.parametrize(("make", "typo", "right"), TYPOS, ids=TYPO_IDS)
def test_assigning_a_misspelt_attribute_raises_naming_class_name_and_fix(
    make: Callable[[], SCIMModel], typo: str, right: str
) -> None:
    model = make()
    before = model.to_dict()
    with pytest.raises(AttributeError) as caught:
        setattr(model, typo, "value")
    name = type(model).__name__
    assert str(caught.value) == (
        f"'{name}' object has no attribute '{typo}'. Did you mean: '{right}'?"
    )
    assert model.to_dict() == before
    setattr(model, right, "value")
    assert getattr(model, right) == "value"


@pytest.mark.parametrize(("make", "typo", "right"), TYPOS, ids=TYPO_IDS)
def test_reading_a_misspelt_attribute_raises_naming_class_name_and_fix(
    make: Callable[[], SCIMModel], typo: str, right: str
) -> None:
    model = make()
    with pytest.raises(AttributeError, match=f"Did you mean: '{right}'") as caught:
        getattr(model, typo)
    assert f"'{type(model).__name__}' object has no attribute '{typo}'" in str(caught.value)
    assert not hasattr(model, typo)


def test_the_typo_in_the_issue_fails_where_it_is_written() -> None:
    user = User(user_name="a")
    with pytest.raises(AttributeError, match="Did you mean: 'title'"):
        user.titel = "CTO"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="Did you mean: 'title'"):
        user.titel  # type: ignore[attr-defined]  # noqa: B018
    assert user.to_dict() == {"userName": "a"}


@pytest.mark.parametrize(
    ("json_name", "python_name"),
    [
        ("userName", "user_name"),
        ("externalId", "external_id"),
        ("X509Certificates", "x509_certificates"),
    ],
)
def test_a_json_name_used_as_an_attribute_points_to_the_python_name(
    json_name: str, python_name: str
) -> None:
    with pytest.raises(AttributeError, match=f"Did you mean: '{python_name}'"):
        setattr(User(), json_name, "x")


def test_a_misspelt_method_is_suggested_when_read() -> None:
    with pytest.raises(AttributeError, match="Did you mean: 'to_dict'"):
        User().to_dcit()  # type: ignore[attr-defined]


def test_a_name_like_nothing_lists_the_attributes_shortened_and_the_json_route() -> None:
    with pytest.raises(AttributeError) as caught:
        User().zzyzx = 1  # type: ignore[attr-defined]
    message = str(caught.value)
    assert "Did you mean" not in message
    assert "User has: schemas, id, external_id, meta, user_name, name," in message
    shown = len(User._attributes) - 12
    assert f"… ({shown} more)" in message and "x509_certificates" not in message
    assert "model['jsonName']" in message


def test_a_small_model_lists_every_attribute_it_has() -> None:
    with pytest.raises(AttributeError) as caught:
        UserEmail().zzyzx = 1  # type: ignore[attr-defined]
    assert "UserEmail has: value, display, type, primary." in str(caught.value)
    assert "more)" not in str(caught.value)


def test_constructor_keyword_typo_suggests_the_attribute() -> None:
    with pytest.raises(TypeError, match="'titel'. Did you mean: 'title'"):
        User(titel="CTO")  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["endpoint", "schema", "to_dict"])
def test_class_attributes_and_methods_are_read_only_on_an_instance(name: str) -> None:
    with pytest.raises(AttributeError, match=f"'User' object attribute '{name}' is read-only"):
        setattr(User(), name, "x")
    assert User.endpoint == "/Users"


def test_a_property_without_a_setter_is_read_only() -> None:
    result = BulkOperationResult(status="201")
    with pytest.raises(AttributeError, match="'ok' is read-only"):
        result.ok = False  # type: ignore[misc]
    assert result.ok


def test_a_subclass_declares_its_own_instance_attributes_in_slots() -> None:
    device = Tracked(serial_number="X1")
    device.see("2024-05-13")
    assert device.seen_at == "2024-05-13"
    assert device.to_dict() == {"serialNumber": "X1"}
    with pytest.raises(AttributeError, match="Did you mean: 'seen_at'"):
        device.seen_att = "x"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="Did you mean: 'serial_number'"):
        device.serial_numbr = "x"  # type: ignore[attr-defined]
    assert Tracked.endpoint == "/TypoDevices"


def test_unknown_and_extension_members_round_trip_through_the_explicit_api() -> None:
    data: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:2.0:Badge"],
        "id": "1",
        "userName": "cal",
        "slackOnlyField": {"nested": [1, 2]},
        "urn:example:2.0:Badge": {"level": 3},
    }
    user = User.from_dict(data)
    with pytest.raises(AttributeError):
        user.slackOnlyField  # type: ignore[attr-defined]  # noqa: B018
    assert user["slackOnlyField"] == {"nested": [1, 2]}
    user["urn:example:2.0:Badge"] = {"level": 4}
    user.title = "Engineer"
    assert user.extra() == {
        "slackOnlyField": {"nested": [1, 2]},
        "urn:example:2.0:Badge": {"level": 4},
    }
    assert user.to_dict() == {**data, "urn:example:2.0:Badge": {"level": 4}, "title": "Engineer"}
    assert data["urn:example:2.0:Badge"] == {"level": 3}


def _user_with_history() -> User:
    user = User.from_dict({"userName": "cal", "nickName": "C", "urn:example:2.0:Badge": {"a": 1}})
    user.title = "Engineer"
    del user.nick_name
    user["displayName"] = "Cal"
    return user


COPIES: list[Callable[[Any], Any]] = [
    copy.copy,
    copy.deepcopy,
    lambda model: pickle.loads(pickle.dumps(model)),
]


@pytest.mark.parametrize("copier", COPIES, ids=["copy", "deepcopy", "pickle"])
def test_copies_and_pickles_keep_the_json_and_the_typo_guard(copier: Callable[[Any], Any]) -> None:
    user = _user_with_history()
    copied = copier(user)
    assert copied == user and copied.to_dict() == {
        "userName": "cal",
        "urn:example:2.0:Badge": {"a": 1},
        "displayName": "Cal",
        "title": "Engineer",
    }
    with pytest.raises(AttributeError, match="Did you mean: 'title'"):
        copied.titel = "x"


@pytest.mark.parametrize("copier", COPIES, ids=["copy", "deepcopy", "pickle"])
def test_copies_and_pickles_keep_a_subclass_slot(copier: Callable[[Any], Any]) -> None:
    device = Tracked(serial_number="X1")
    device.see("today")
    copied = copier(device)
    assert copied.seen_at == "today" and copied.to_dict() == {"serialNumber": "X1"}


def test_a_model_read_from_a_dict_still_copies_it_before_the_first_write() -> None:
    data = {"userName": "cal"}
    user = User.from_dict(data)
    user["urn:example:2.0:Custom"] = {"x": 1}
    assert data == {"userName": "cal"}
    assert User.from_dict({"USERNAME": "cal"}).user_name == "cal"

"""The `User` resource (RFC 7643 §4.1) and the enterprise extension (§4.3)."""

from __future__ import annotations

from .._schemas import CORE_USER, ENTERPRISE_USER, V1_ENTERPRISE_USER
from ._base import SCIMModel, attribute
from .resource import Resource

__all__ = [
    "EnterpriseManager",
    "EnterpriseUser",
    "User",
    "UserAddress",
    "UserEmail",
    "UserEntitlement",
    "UserGroup",
    "UserIm",
    "UserName",
    "UserPhoneNumber",
    "UserPhoto",
    "UserRole",
    "UserX509Certificate",
]


class UserName(SCIMModel):
    """The components of a user's name (RFC 7643 §4.1.1)."""

    formatted: str | None = attribute()
    family_name: str | None = attribute()
    given_name: str | None = attribute()
    middle_name: str | None = attribute()
    honorific_prefix: str | None = attribute()
    honorific_suffix: str | None = attribute()


class _MultiValued(SCIMModel):
    """The sub-attributes every multi-valued attribute has (RFC 7643 §2.4)."""

    value: str | None = attribute()
    display: str | None = attribute()
    type: str | None = attribute()
    primary: bool | None = attribute()


class UserEmail(_MultiValued):
    """An e-mail address (`type`: work, home, other)."""


class UserPhoneNumber(_MultiValued):
    """A phone number, ideally in RFC 3966 form (`tel:+1-201-555-0123`)."""


class UserIm(_MultiValued):
    """An instant-messaging address (`type`: aim, gtalk, icq, xmpp, msn, skype, qq, yahoo)."""


class UserPhoto(_MultiValued):
    """The URL of a photo (`type`: photo, thumbnail)."""


class UserEntitlement(_MultiValued):
    """An entitlement."""


class UserRole(_MultiValued):
    """A role."""


class UserX509Certificate(_MultiValued):
    """A base64-encoded DER certificate."""


class UserAddress(SCIMModel):
    """A physical mailing address (RFC 7643 §4.1.2)."""

    formatted: str | None = attribute()
    street_address: str | None = attribute()
    locality: str | None = attribute()
    region: str | None = attribute()
    postal_code: str | None = attribute()
    country: str | None = attribute()
    type: str | None = attribute()
    primary: bool | None = attribute()


class UserGroup(SCIMModel):
    """A group the user belongs to; read-only, the server computes it (RFC 7643 §4.1.2)."""

    value: str | None = attribute()
    ref: str | None = attribute("$ref")
    display: str | None = attribute()
    type: str | None = attribute()


class EnterpriseManager(SCIMModel):
    """The user's manager in the enterprise extension."""

    value: str | None = attribute()
    ref: str | None = attribute("$ref")
    display_name: str | None = attribute()


class EnterpriseUser(SCIMModel):
    """The enterprise User extension (RFC 7643 §4.3), found at `user.enterprise`."""

    schema = ENTERPRISE_USER

    employee_number: str | None = attribute()
    cost_center: str | None = attribute()
    organization: str | None = attribute()
    division: str | None = attribute()
    department: str | None = attribute()
    manager: EnterpriseManager | None = attribute(model=EnterpriseManager)


class User(Resource):
    """A SCIM User (RFC 7643 §4.1).

    user = User(user_name="bjensen", name=UserName(given_name="Barbara"),
                emails=[UserEmail(value="bjensen@example.com", primary=True)])
    user.enterprise = EnterpriseUser(department="Tour Operations")
    """

    schema = CORE_USER
    endpoint = "/Users"
    required_attributes = ("userName",)
    read_only_attributes = ("id", "meta", "groups")

    user_name: str | None = attribute()
    name: UserName | None = attribute(model=UserName)
    display_name: str | None = attribute()
    nick_name: str | None = attribute()
    profile_url: str | None = attribute()
    title: str | None = attribute()
    user_type: str | None = attribute()
    preferred_language: str | None = attribute()
    locale: str | None = attribute()
    timezone: str | None = attribute()
    active: bool | None = attribute()
    password: str | None = attribute()
    emails: list[UserEmail] | None = attribute(model=UserEmail, multi_valued=True)
    phone_numbers: list[UserPhoneNumber] | None = attribute(
        model=UserPhoneNumber, multi_valued=True
    )
    ims: list[UserIm] | None = attribute(model=UserIm, multi_valued=True)
    photos: list[UserPhoto] | None = attribute(model=UserPhoto, multi_valued=True)
    addresses: list[UserAddress] | None = attribute(model=UserAddress, multi_valued=True)
    groups: list[UserGroup] | None = attribute(model=UserGroup, multi_valued=True)
    entitlements: list[UserEntitlement] | None = attribute(model=UserEntitlement, multi_valued=True)
    roles: list[UserRole] | None = attribute(model=UserRole, multi_valued=True)
    x509_certificates: list[UserX509Certificate] | None = attribute(
        model=UserX509Certificate, multi_valued=True
    )
    enterprise: EnterpriseUser | None = attribute(
        ENTERPRISE_USER, model=EnterpriseUser, aliases=(V1_ENTERPRISE_USER,)
    )

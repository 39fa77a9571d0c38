"""The schema representations of RFC 7643 §8.7.1: core User (§4.1), Group (§4.2) and the
enterprise User extension (§4.3), as plain data in the "Schema" resource format of §7.

`core_schemas()` returns fresh documents on every call, so a caller may change its copy; the
module holds only the compact definitions below and imports nothing but the URN constants,
so importing it costs next to nothing (the client loads it lazily, for hints; the local
server serves these documents at `/Schemas` and validates writes against them).

The common attributes of §3.1 (`id`, `externalId`, `meta`) and `schemas` belong to every
resource and are not listed in a schema, as in the RFC's own representation.

Where §4 and §8.7.1 disagree, §4 wins: Group's `displayName` is REQUIRED in §4.2 although the
§8.7.1 listing says `"required": false`; `members` also accepts `display`, one of the default
sub-attributes of a multi-valued attribute (§2.4).
"""

from __future__ import annotations

from typing import Any

from . import _schemas

__all__ = ["core_schema", "core_schemas"]

JSON = dict[str, Any]


def _attribute(
    name: str,
    kind: str = "string",
    description: str = "",
    *,
    multi: bool = False,
    required: bool = False,
    case_exact: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    sub: list[JSON] | None = None,
    canonical: list[str] | None = None,
    references: list[str] | None = None,
) -> JSON:
    """One attribute definition (RFC 7643 §7), with the RFC's defaults for what is not given."""
    attribute: JSON = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub is not None:
        attribute["subAttributes"] = sub
    if canonical is not None:
        attribute["canonicalValues"] = canonical
    if references is not None:
        attribute["referenceTypes"] = references
    return attribute


def _plural(
    name: str,
    description: str,
    *,
    types: list[str] | None = None,
    value_kind: str = "string",
    value_description: str = "",
    references: list[str] | None = None,
) -> JSON:
    """A multi-valued complex attribute with the usual value, display, type and primary
    sub-attributes (RFC 7643 §2.4)."""
    case_exact = value_kind in ("reference", "binary")
    return _attribute(
        name,
        "complex",
        description,
        multi=True,
        sub=[
            _attribute(
                "value",
                value_kind,
                value_description or f"One of the user's {name}.",
                case_exact=case_exact,
                references=references,
            ),
            _attribute("display", description="A name to show for the value."),
            _attribute(
                "type",
                description="What the value is used for, e.g. 'work'.",
                canonical=types,
            ),
            _attribute(
                "primary",
                "boolean",
                "True for the preferred value; at most one value may be primary.",
            ),
        ],
    )


def _name() -> JSON:
    parts = [
        ("formatted", "The full name, formatted for display."),
        ("familyName", "The family name (last name in most Western languages)."),
        ("givenName", "The given name (first name in most Western languages)."),
        ("middleName", "The middle name(s)."),
        ("honorificPrefix", "A title or salutation before the name, e.g. 'Ms.'."),
        ("honorificSuffix", "A suffix after the name, e.g. 'III'."),
    ]
    return _attribute(
        "name",
        "complex",
        "The components of the user's real name.",
        sub=[_attribute(part, description=text) for part, text in parts],
    )


def _addresses() -> JSON:
    parts = [
        ("formatted", "The full postal address, formatted for mailing labels."),
        ("streetAddress", "Street, house number and the like."),
        ("locality", "City or locality."),
        ("region", "State or region."),
        ("postalCode", "Zip or postal code."),
        ("country", "Country, as an ISO 3166-1 alpha-2 code."),
    ]
    sub = [_attribute(part, description=text) for part, text in parts]
    sub.append(
        _attribute("type", description="Kind of address.", canonical=["work", "home", "other"])
    )
    sub.append(_attribute("primary", "boolean", "True for the preferred mailing address."))
    return _attribute("addresses", "complex", "Physical mailing addresses.", multi=True, sub=sub)


def _groups() -> JSON:
    """`groups` is maintained by the service provider from Group membership (RFC 7643 §4.1.2)."""
    read_only = "readOnly"
    return _attribute(
        "groups",
        "complex",
        "The groups the user belongs to, directly or through other groups.",
        multi=True,
        mutability=read_only,
        sub=[
            _attribute("value", description="The group's id.", mutability=read_only),
            _attribute(
                "$ref",
                "reference",
                "The URI of the group.",
                case_exact=True,
                mutability=read_only,
                references=["User", "Group"],
            ),
            _attribute("display", description="The group's displayName.", mutability=read_only),
            _attribute(
                "type",
                description="Whether the membership is direct or through another group.",
                mutability=read_only,
                canonical=["direct", "indirect"],
            ),
        ],
    )


def _user_singular() -> list[JSON]:
    strings = [
        ("displayName", "The name to show for the user."),
        ("nickName", "The casual way to address the user."),
    ]
    after = [
        ("title", "The user's title, e.g. 'Vice President'."),
        ("userType", "The relation to the organisation, e.g. 'Employee' or 'Contractor'."),
        ("preferredLanguage", "Preferred written or spoken language, e.g. 'en-US'."),
        ("locale", "Default location for localisation, e.g. 'en-US'."),
        ("timezone", "Time zone in the IANA database format, e.g. 'America/Los_Angeles'."),
    ]
    return [
        _attribute(
            "userName",
            description="Unique identifier of the user, used to sign in.",
            required=True,
            uniqueness="server",
        ),
        _name(),
        *(_attribute(name, description=text) for name, text in strings),
        _attribute(
            "profileUrl",
            "reference",
            "A URI of the user's online profile.",
            case_exact=True,
            references=["external"],
        ),
        *(_attribute(name, description=text) for name, text in after),
        _attribute("active", "boolean", "Whether the user may use the service."),
        _attribute(
            "password",
            description="The clear-text password, only ever written (RFC 7643 §4.1.1).",
            mutability="writeOnly",
            returned="never",
        ),
    ]


def _user_plural() -> list[JSON]:
    return [
        _plural(
            "emails",
            "Email addresses of the user.",
            types=["work", "home", "other"],
            value_description="An email address, canonicalised per RFC 5321.",
        ),
        _plural(
            "phoneNumbers",
            "Telephone numbers of the user.",
            types=["work", "home", "mobile", "fax", "pager", "other"],
            value_description="A phone number, preferably in RFC 3966 form.",
        ),
        _plural(
            "ims",
            "Instant messaging addresses of the user.",
            types=["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            value_description="An instant messaging address.",
        ),
        _plural(
            "photos",
            "URIs of images of the user.",
            types=["photo", "thumbnail"],
            value_kind="reference",
            value_description="The URI of an image.",
            references=["external"],
        ),
        _addresses(),
        _groups(),
        _plural("entitlements", "Entitlements of the user."),
        _plural("roles", "Roles of the user, e.g. 'Student' or 'Faculty'."),
        _plural(
            "x509Certificates",
            "X.509 certificates of the user.",
            value_kind="binary",
            value_description="A DER-encoded certificate, base64 in JSON.",
        ),
    ]


def _group_attributes() -> list[JSON]:
    immutable = "immutable"
    members = _attribute(
        "members",
        "complex",
        "The members of the group; members are added and removed, never changed.",
        multi=True,
        sub=[
            _attribute(
                "value",
                description="The member's id.",
                case_exact=True,
                mutability=immutable,
            ),
            _attribute(
                "$ref",
                "reference",
                "The URI of the member.",
                case_exact=True,
                mutability=immutable,
                references=["User", "Group"],
            ),
            _attribute(
                "type",
                description="The member's resource type.",
                mutability=immutable,
                canonical=["User", "Group"],
            ),
            _attribute("display", description="A name to show for the member."),
        ],
    )
    return [
        _attribute("displayName", description="The name to show for the group.", required=True),
        members,
    ]


def _enterprise_attributes() -> list[JSON]:
    strings = [
        ("employeeNumber", "The identifier the organisation gives the user."),
        ("costCenter", "The cost center."),
        ("organization", "The organisation."),
        ("division", "The division."),
        ("department", "The department."),
    ]
    manager = _attribute(
        "manager",
        "complex",
        "The user's manager.",
        sub=[
            _attribute("value", description="The manager's id.", case_exact=True),
            _attribute(
                "$ref",
                "reference",
                "The URI of the manager.",
                case_exact=True,
                references=["User"],
            ),
            _attribute(
                "displayName", description="The manager's displayName.", mutability="readOnly"
            ),
        ],
    )
    return [*(_attribute(name, description=text) for name, text in strings), manager]


def _document(urn: str, name: str, description: str, attributes: list[JSON]) -> JSON:
    return {
        "schemas": [_schemas.SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"/Schemas/{urn}"},
    }


def core_schemas() -> list[JSON]:
    """Fresh copies of the three schemas of RFC 7643 §8.7.1, User, Group and EnterpriseUser,
    in that order. Each call builds new dicts: change them freely."""
    return [
        _document(_schemas.CORE_USER, "User", "User Account", _user_singular() + _user_plural()),
        _document(_schemas.CORE_GROUP, "Group", "Group", _group_attributes()),
        _document(
            _schemas.ENTERPRISE_USER,
            "EnterpriseUser",
            "Enterprise User",
            _enterprise_attributes(),
        ),
    ]


def core_schema(urn: str) -> JSON | None:
    """A fresh copy of the RFC 7643 schema with this URN (compared case-insensitively, as
    SCIM compares URNs), or None if it is not one of the three."""
    wanted = urn.lower()
    for document in core_schemas():
        if document["id"].lower() == wanted:
            return document
    return None

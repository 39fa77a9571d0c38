"""Assertions that narrow what a call returned to what the test expects to be there."""

from __future__ import annotations

from typing import TypeVar

from scimkit import Resource, ResourceResponse, SCIMResponse

R = TypeVar("R", bound=Resource)


def error_detail(resp: SCIMResponse) -> str:
    """What a response that is not ok says is wrong; fails the test when it says nothing."""
    assert resp.errors is not None and resp.errors.detail is not None, resp
    return resp.errors.detail


def resource_id(resp: ResourceResponse[R]) -> str:
    """The id of the resource a call returned; fails the test when there is none."""
    resource = resp.resource
    assert resource is not None and resource.id is not None, resp.errors
    return resource.id

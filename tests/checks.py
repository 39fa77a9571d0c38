"""Assertions that narrow what a call returned to what the test expects to be there."""

from __future__ import annotations

from typing import TypeVar

from scimkit import ErrorMessage, Resource, ResourceResponse, SCIMClient, SCIMResponse
from scimkit._pool import ConnectionPool
from scimkit.aio import AsyncSCIMClient
from scimkit.transports import HTTPTransport

R = TypeVar("R", bound=Resource)


def returned(resp: ResourceResponse[R]) -> R:
    """The resource a call returned; fails the test when there is none."""
    resource = resp.resource
    assert resource is not None, resp.errors
    return resource


def resource_id(resp: ResourceResponse[R]) -> str:
    """The id of the resource a call returned; fails the test when there is none."""
    resource = returned(resp)
    assert resource.id is not None, resp.body
    return resource.id


def error_of(resp: SCIMResponse) -> ErrorMessage:
    """The error a response that is not ok carries; fails the test when there is none."""
    assert resp.errors is not None, resp
    return resp.errors


def error_detail(resp: SCIMResponse) -> str:
    """What a response that is not ok says is wrong; fails the test when it says nothing."""
    detail = error_of(resp).detail
    assert detail is not None, resp
    return detail


def pool_of(client: SCIMClient | AsyncSCIMClient) -> ConnectionPool:
    """The connection pool of a client on the network transport (the default one)."""
    sync = client.sync_client if isinstance(client, AsyncSCIMClient) else client
    transport = sync.transport
    assert isinstance(transport, HTTPTransport), transport
    return transport.pool

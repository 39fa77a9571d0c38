"""Assertions that narrow what a call returned to what the test expects to be there."""

from __future__ import annotations

from scimkit import SCIMResponse


def error_detail(resp: SCIMResponse) -> str:
    """What a response that is not ok says is wrong; fails the test when it says nothing."""
    assert resp.errors is not None and resp.errors.detail is not None, resp
    return resp.errors.detail

"""Bulk (RFC 7644 §3.7): checking operations, splitting them to the server's limits, running
the requests in order, and the `bulkId` references shared by the client and the local server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable

from . import _request, _schemas
from .models import BulkOperationResult, SCIMModel
from .responses import BulkResponse, SCIMResponse

__all__ = [
    "bulk_chunks",
    "bulk_operation",
    "resolve_bulk_ids",
    "run_bulk",
    "unresolved_bulk_id",
]

_BULK_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_BULK_ENVELOPE = 200  # bytes of the BulkRequest around its operations, generously

_PREFIX = "bulkId:"


def resolve_bulk_ids(value: Any, created: Mapping[str, str]) -> Any:
    """`value` with every `"bulkId:x"` (whole, or as a path segment) replaced by the id
    created for `x`; references not yet created are left as they are."""
    if not created:
        return value
    if isinstance(value, str):
        if _PREFIX not in value:
            return value  # the common case: nothing to resolve, no walk over what was created
        if value.startswith(_PREFIX) and value[len(_PREFIX) :] in created:
            return created[value[len(_PREFIX) :]]
        for bulk_id, resource_id in created.items():
            value = value.replace(f"/{_PREFIX}{bulk_id}", f"/{resource_id}")
        return value
    if isinstance(value, dict):
        return {k: resolve_bulk_ids(v, created) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_bulk_ids(v, created) for v in value]
    return value


def unresolved_bulk_id(value: Any) -> str | None:
    """The first `bulkId` reference left in `value`, or None."""
    if isinstance(value, str):
        if value.startswith(_PREFIX):
            return value[len(_PREFIX) :]
        if f"/{_PREFIX}" in value:
            return value.split(f"/{_PREFIX}", 1)[1].split("/", 1)[0]
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for item in items:
        found = unresolved_bulk_id(item)
        if found:
            return found
    return None


def bulk_operation(operation: object, index: int) -> dict[str, Any]:
    """One operation as JSON, checked before anything is sent."""
    if isinstance(operation, SCIMModel):
        data = operation.to_dict()
    elif isinstance(operation, Mapping):
        data = dict(operation)
    else:
        raise TypeError(f"operations[{index}] must be a BulkOperation or a dict")
    method = str(data.get("method", "")).upper()
    if method not in _BULK_METHODS:
        raise ValueError(f"operations[{index}].method must be one of {', '.join(_BULK_METHODS)}")
    data["method"] = method
    path = data.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"operations[{index}].path must be a path like '/Users'")
    _request.validate_path(path, argument=f"operations[{index}].path")
    if method == "POST" and not data.get("bulkId"):
        raise ValueError(f"operations[{index}] is a POST and needs a bulk_id (RFC 7644 §3.7)")
    if method != "DELETE" and not isinstance(data.get("data"), dict):
        raise ValueError(f"operations[{index}] needs data (a JSON object)")
    return data


def bulk_chunks(
    operations: list[dict[str, Any]],
    max_operations: int | None,
    max_payload_size: int | None,
    *,
    size_given: bool = True,
) -> list[list[dict[str, Any]]]:
    """Split operations, in order, into requests within the server's limits.

    An operation larger than `max_payload_size` on its own is the caller's mistake when the
    caller gave that size (`ValueError`); when the server said it, the operation goes alone
    and the server's own answer (a 413) says what it thinks: server data never raises here.
    """
    chunks: list[list[dict[str, Any]]] = [[]]
    size = _BULK_ENVELOPE
    for index, operation in enumerate(operations):
        length = len(_request.json_body(operation)) + 1
        if size_given and max_payload_size and _BULK_ENVELOPE + length > max_payload_size:
            raise ValueError(
                f"operations[{index}] alone is larger than max_payload_size "
                f"({max_payload_size} bytes)"
            )
        current = chunks[-1]
        full = bool(max_operations) and len(current) >= (max_operations or 0)
        too_big = bool(max_payload_size) and size + length > (max_payload_size or 0)
        if current and (full or too_big):
            chunks.append([])
            size = _BULK_ENVELOPE
        chunks[-1].append(operation)
        size += length
    return chunks


def run_bulk(
    post: Callable[[dict[str, Any]], SCIMResponse],
    chunks: Sequence[list[dict[str, Any]]],
    fail_on_errors: int | None,
) -> BulkResponse:
    """POST each chunk as a BulkRequest, in order, with the ids created so far filled in.

    Stops at a refused request, or once `fail_on_errors` operations have failed; what was not
    sent is in the result's `not_sent`.
    """
    results: list[BulkOperationResult] = []
    responses: list[SCIMResponse] = []
    created: dict[str, str] = {}
    errors = 0
    for number, chunk in enumerate(chunks):
        if fail_on_errors is not None and errors >= fail_on_errors:
            return BulkResponse(results, responses, [op for c in chunks[number:] for op in c])
        body: dict[str, Any] = {
            "schemas": [_schemas.BULK_REQUEST],
            "Operations": [resolve_bulk_ids(op, created) for op in chunk],
        }
        if fail_on_errors is not None:
            body["failOnErrors"] = fail_on_errors - errors
        response = post(body)
        responses.append(response)
        if not response.ok:
            return BulkResponse(results, responses, [op for c in chunks[number:] for op in c])
        answered = response.body.get("Operations")
        for item in answered if isinstance(answered, list) else []:
            if not isinstance(item, dict):
                continue
            result = BulkOperationResult.from_dict(item)
            results.append(result)
            if not result.ok:
                errors += 1
            elif result.bulk_id and result.id:
                created[result.bulk_id] = result.id
    return BulkResponse(results, responses, [])

"""Generic resource operations (RFC 7644 §3.3–§3.6) and `_call`, the path every call takes.

`ResourceOperations` is the part of `SCIMClient` that works for any resource type, given as a
model class (`User`, `Device`) or an endpoint (`"/Devices"`). `SCIMClient` adds the
construction, the Users/Groups methods `slack_sdk` users know (thin wrappers over these),
`/Me`, bulk and discovery.

One call: `_request` builds the `HttpRequest` -> `_send.send` runs the attempts through the
transport -> a typed response wraps the answer -> `_strict` checks it when asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union, overload

from . import _request, _send
from ._request import Dialect, RequestTemplate
from ._wire import redact_url
from .errors import TransportError
from .models import Resource
from .responses import (
    ResourceResponse,
    SCIMResponse,
    SearchResponse,
    resource_response_class,
    search_response_class,
)
from .transports import BaseTransport

if TYPE_CHECKING:
    import logging

    from ._hints import SchemaNames, Scope
    from .discovery import Discovery
    from .models import ServiceProviderConfig
    from .retry import RetryHandler

__all__ = ["AttributeNames", "ResourceOperations"]

ResponseT = TypeVar("ResponseT", bound=SCIMResponse)
R = TypeVar("R", bound=Resource)
AttributeNames = Union[str, Sequence[str], None]


class ResourceOperations:
    """Any resource type: create, read, search, page, replace, patch, delete."""

    # Set by SCIMClient.__init__.
    base_url: str
    dialect: Dialect
    strict: bool
    raise_errors: bool
    server_profile: str | None
    retry_handlers: list[RetryHandler]
    _logger: logging.Logger | None  # None: the `scimkit` logger, once logging is in use
    deadline: float | None
    max_response_bytes: int | None
    transport: BaseTransport
    _template: RequestTemplate
    # What discover() read, and the ServiceProviderConfig read for bulk limits: none yet.
    _discovery: Discovery | None = None
    _bulk_config: ServiceProviderConfig | None = None
    validate: bool | Discovery | Sequence[Any] | None
    # (what names were read from, the names): built when first needed, see _schema_names.
    _names: tuple[object, SchemaNames] | None = None

    # -- the one path every call takes -----------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        response_class: type[ResponseT],
        query: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expected: tuple[int, ...] = (),
    ) -> ResponseT:
        request = self._template.build(method, path, query, body, headers)
        raw, attempts = _send.send(
            self.transport,
            request,
            retry_handlers=self.retry_handlers,
            deadline=self.deadline,
            logger=self._logger,
            max_response_bytes=self.max_response_bytes,
        )
        response = response_class(
            url=redact_url(request.url),
            status_code=raw.status_code,
            headers=raw.headers,
            raw_body=raw.body,
            method=method,
            request=request,
        )
        response.attempts = tuple(attempts)
        if response.status_code == 400:
            self._add_hints(response, path, query, body)
        if self.strict and 200 <= response.status_code < 300:
            from ._strict import contract_problem  # strict mode only: not loaded by default

            # A read narrowed by attributes / excludedAttributes leaves out what was not
            # asked for, required or not (RFC 7644 §3.9).
            narrowed = query is not None and any(
                name in query for name in ("attributes", "excludedAttributes")
            )
            response.contract_problem = contract_problem(
                response,
                expected=expected,
                narrowed=narrowed,
                dialect=self.dialect,
                discovery=self._discovery,
            )
        if self.raise_errors:
            response.raise_for_status()
        return response

    # -- names the schemas do not define (scimkit._hints, imported only when needed) -------

    def _add_hints(
        self,
        response: SCIMResponse,
        path: str,
        query: Mapping[str, str] | None,
        body: dict[str, Any] | None,
    ) -> None:
        """A 400 that may be about a name: say which names of the request the schemas (those
        `discover()` read, else RFC 7643's) do not define, and the closest they do. No
        request is sent for it: a client that never called `discover()` uses RFC 7643's."""
        from . import _hints

        errors = response.errors
        if errors is None or not _hints.wants_hint(errors.scim_type, errors.detail):
            return
        names = self._schema_names(self._discovery or True)
        hints = _hints.request_hints(
            names, method=response.method, path=path, query=query, body=body
        )
        response.hints = tuple(hints)

    def _schema_names(self, against: object) -> SchemaNames:
        """The names of `against` (`True`, a `Discovery`, a list of schemas), kept while it
        stays the same object."""
        from . import _hints

        cached = self._names
        if cached is None or cached[0] is not against:
            cached = (against, _hints.schema_names(against))
            self._names = cached
        return cached[1]

    def _validation_scope(self, resource_class: type[Resource]) -> Scope | None:
        """The names to check a call's arguments against, or None when not validating:
        `validate=` (by default as `strict`) `True` means those `discover()` read, else
        RFC 7643's."""
        against = self.validate if self.validate is not None else self.strict
        if against is False:
            return None
        if against is True:
            against = self._discovery or True
        return self._schema_names(against).scope(resource_class.endpoint)

    def _check_query_names(self, resource_class: type[Resource], query: Mapping[str, str]) -> None:
        """`validate=`: a name in `filter`, `attributes`, `excluded_attributes` or `sort_by`
        that the schemas do not define is a `ValueError`, before anything is sent."""
        scope = self._validation_scope(resource_class)
        if scope is not None:
            from . import _hints

            found = _hints.query_problems(scope, query, arguments=True)
            if found:
                raise ValueError(_hints.problems_text(found, scope.source))

    def _check_patch_names(
        self, resource_class: type[Resource], body: dict[str, Any], argument: str
    ) -> None:
        """`validate=`: a PATCH path naming an attribute the schemas do not define is a
        `ValueError`, before anything is sent."""
        scope = self._validation_scope(resource_class)
        if scope is not None:
            from . import _hints

            found = _hints.patch_problems(scope, body, paths_only=True)
            if found:
                raise ValueError(f"{argument}: {_hints.problems_text(found, scope.source)}")

    # -- the operations, for any resource class --------------------------------------------

    def _search(
        self,
        resource_class: type[Resource],
        response_class: type[ResponseT],
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        use_post: bool = False,
        cursor: str | None = None,
    ) -> ResponseT:
        query = self._query(
            resource_class,
            cursor=cursor,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        return self._send_search(resource_class, response_class, query, use_post)

    def _query(self, resource_class: type[Resource], **params: Any) -> dict[str, str]:
        """The query of a search (`_request.query_params`), its filter checked in strict mode
        and its names by `validate=`."""
        if self.strict:
            from ._strict import check_filter

            check_filter(params.get("filter"))
        query = _request.query_params(**params)
        if query:
            self._check_query_names(resource_class, query)
        return query

    def _send_search(
        self,
        resource_class: type[Resource],
        response_class: type[ResponseT],
        query: dict[str, str],
        use_post: bool = False,
    ) -> ResponseT:
        if use_post:
            # RFC 7644 §3.4.3: the query in a body keeps filters out of URLs and logs.
            return self._call(
                "POST",
                f"{resource_class.endpoint}/.search",
                body=_request.search_request(query),
                response_class=response_class,
                expected=(200,),
            )
        return self._call(
            "GET",
            resource_class.endpoint,
            query=query,
            response_class=response_class,
            expected=(200,),
        )

    def _read(
        self,
        resource_class: type[Resource],
        response_class: type[ResponseT],
        resource_id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ResponseT:
        query = _request.query_params(
            attributes=attributes, excluded_attributes=excluded_attributes
        )
        if query:
            self._check_query_names(resource_class, query)
        return self._call(
            "GET",
            _request.resource_path(resource_class, resource_id),
            query=query,
            headers=_request.precondition("If-None-Match", if_none_match),
            response_class=response_class,
            expected=(200, 304),
        )

    def _create(
        self,
        resource_class: type[Resource],
        response_class: type[ResponseT],
        resource: object,
        argument: str,
    ) -> ResponseT:
        body = _request.resource_body(
            resource, resource_class, self.dialect, argument=argument, for_create=True
        )
        try:
            return self._call(
                "POST",
                resource_class.endpoint,
                body=body,
                response_class=response_class,
                expected=(201,),
            )
        except TransportError as error:
            if error.outcome_unknown:
                hint = _request.reconcile_hint(body)
                if hint:
                    error.add_hint(f"to find out whether it was created, search for {hint}")
            raise

    def _replace(
        self,
        resource_class: type[Resource],
        response_class: type[ResponseT],
        resource: object,
        argument: str,
        if_match: str | None = None,
    ) -> ResponseT:
        segment = _request.resource_id(resource, argument)
        body = _request.resource_body(
            resource, resource_class, self.dialect, argument=argument, for_create=False
        )
        return self._call(
            "PUT",
            f"{resource_class.endpoint}/{segment}",
            body=body,
            headers=_request.precondition("If-Match", if_match),
            response_class=response_class,
            expected=(200,),
        )

    def _patch(
        self,
        resource_class: type[Resource],
        response_class: type[ResponseT],
        resource_id: str,
        patch: object,
        argument: str,
        if_match: str | None = None,
    ) -> ResponseT:
        body = _request.patch_body(patch, resource_class, self.dialect, argument=argument)
        body = _request.apply_profile(body, self.server_profile)
        self._check_patch_names(resource_class, body, argument)
        return self._call(
            "PATCH",
            _request.resource_path(resource_class, resource_id),
            body=body,
            headers=_request.precondition("If-Match", if_match),
            response_class=response_class,
            expected=(200, 204),
        )

    def _delete(
        self,
        resource_class: type[Resource],
        response_class: type[ResponseT],
        resource_id: str,
        if_match: str | None = None,
    ) -> ResponseT:
        return self._call(
            "DELETE",
            _request.resource_path(resource_class, resource_id),
            headers=_request.precondition("If-Match", if_match),
            response_class=response_class,
            expected=(204,),
        )

    def _iterate(
        self,
        resource_class: type[R],
        response_class: type[SearchResponse[R]],
        *,
        page_size: int,
        filter: object,
        attributes: AttributeNames,
        excluded_attributes: AttributeNames,
        sort_by: str | None,
        sort_order: str | None,
        pagination: str = "auto",
    ) -> Iterator[R]:
        """Page through a search with `startIndex`/`count` (RFC 7644 §3.4.2.4), or with
        cursors (RFC 9865) when `pagination="cursor"`, or `"auto"` and the server's
        ServiceProviderConfig (from `discover()`) says cursors are its default."""
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size must be a positive int, not {page_size!r}")
        from . import _paging  # loaded on first use: only iterating calls need it

        if pagination not in _paging.PAGINATIONS:
            raise ValueError(f"pagination must be 'auto', 'index' or 'cursor', not {pagination!r}")
        if pagination == "auto":
            config = self._discovery.config if self._discovery is not None else self._bulk_config
            pagination = "cursor" if _paging.prefers_cursor(config) else "index"
        # Check the query now, once: a bad argument fails at the call, not at first next(),
        # and the pages only add where they start.
        self._query(
            resource_class,
            filter=filter,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )

        def fetch(
            *, start_index: int | None = None, cursor: str | None = None
        ) -> SearchResponse[R]:
            query = _request.query_params(
                cursor=cursor,
                filter=filter,
                start_index=start_index,
                count=page_size,
                attributes=attributes,
                excluded_attributes=excluded_attributes,
                sort_by=sort_by,
                sort_order=sort_order,
            )
            return self._send_search(resource_class, response_class, query)

        walk = _paging.cursor_pages if pagination == "cursor" else _paging.index_pages
        return walk(fetch)

    # -- any resource type (RFC 7644 §3.3 - §3.6) ----------------------------------------

    @overload
    def create(self, resource: R, *, endpoint: None = None) -> ResourceResponse[R]: ...
    @overload
    def create(
        self, resource: Resource | Mapping[str, Any], *, endpoint: str
    ) -> ResourceResponse[Resource]: ...
    def create(
        self, resource: Resource | Mapping[str, Any], *, endpoint: str | None = None
    ) -> ResourceResponse[Any]:
        """Create a resource of any type: a model, or a dict with the `endpoint` to post to.

        created = client.create(Device(serial_number="X1"))      # Device.endpoint
        created = client.create({"serialNumber": "X1"}, endpoint="/Devices")
        """
        cls = _request.resource_class_of(resource, endpoint, "resource")
        return self._create(cls, resource_response_class(cls), resource, "resource")

    @overload
    def read(
        self,
        resource_type: type[R],
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ResourceResponse[R]: ...
    @overload
    def read(
        self,
        resource_type: str,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ResourceResponse[Resource]: ...
    def read(
        self,
        resource_type: type[Resource] | str,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ResourceResponse[Any]:
        """Read one resource; `resource_type` is a model class or an endpoint (`"/Devices"`).

        With `if_none_match=etag`, an unchanged resource answers 304 (`resp.not_modified`).

            device = client.read(Device, device_id).resource
        """
        cls = _request.resource_class(resource_type)
        return self._read(
            cls,
            resource_response_class(cls),
            id,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            if_none_match=if_none_match,
        )

    @overload
    def search(
        self,
        resource_type: type[R],
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        use_post: bool = False,
    ) -> SearchResponse[R]: ...
    @overload
    def search(
        self,
        resource_type: str,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        use_post: bool = False,
    ) -> SearchResponse[Resource]: ...
    def search(
        self,
        resource_type: type[Resource] | str,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        use_post: bool = False,
    ) -> SearchResponse[Any]:
        """One page of resources of any type (RFC 7644 §3.4.2).

        `use_post=True` sends the query as a `SearchRequest` to `<endpoint>/.search`
        (§3.4.3), which keeps filters with personal data out of URLs and access logs.

        page = client.search(Device, filter='serialNumber sw "X"', count=50)
        page.resources, page.total_results
        """
        cls = _request.resource_class(resource_type)
        return self._search(
            cls,
            search_response_class(cls),
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            use_post=use_post,
        )

    def search_all(
        self,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> SearchResponse[Resource]:
        """Search every resource type at once: `POST /.search` at the server root (§3.4.3).

        Each result becomes the model registered for its `schemas` (`User`, `Group`, ...).

            found = client.search_all(filter='meta.lastModified gt "2024-01-01T00:00:00Z"')
            users = [r for r in found.resources if isinstance(r, User)]
        """
        return self._search(
            _request.Root,
            SearchResponse,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            use_post=True,
        )

    @overload
    def iter_resources(
        self,
        resource_type: type[R],
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> Iterator[R]: ...
    @overload
    def iter_resources(
        self,
        resource_type: str,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> Iterator[Resource]: ...
    def iter_resources(
        self,
        resource_type: type[Resource] | str,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> Iterator[Any]:
        """Every resource of a type, a page at a time (see `iter_users`).

        serials = [d.serial_number for d in client.iter_resources(Device)]
        """
        cls = _request.resource_class(resource_type)
        return self._iterate(
            cls,
            search_response_class(cls),
            page_size=page_size,
            filter=filter,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            pagination=pagination,
        )

    @overload
    def replace(
        self, resource: R, *, endpoint: None = None, if_match: str | None = None
    ) -> ResourceResponse[R]: ...
    @overload
    def replace(
        self,
        resource: Resource | Mapping[str, Any],
        *,
        endpoint: str,
        if_match: str | None = None,
    ) -> ResourceResponse[Resource]: ...
    def replace(
        self,
        resource: Resource | Mapping[str, Any],
        *,
        endpoint: str | None = None,
        if_match: str | None = None,
    ) -> ResourceResponse[Any]:
        """Replace a resource with this representation (PUT); it must carry its `id`.

        `if_match=resource.etag` makes the server refuse (412, `PreconditionFailed`) when
        someone changed it since you read it (RFC 7644 §3.14).

            device.location = "Rack 4"
            client.replace(device, if_match=device.etag)
        """
        cls = _request.resource_class_of(resource, endpoint, "resource")
        return self._replace(cls, resource_response_class(cls), resource, "resource", if_match)

    @overload
    def patch(
        self,
        resource_type: type[R],
        id: str,
        operations: Any,
        *,
        if_match: str | None = None,
    ) -> ResourceResponse[R]: ...
    @overload
    def patch(
        self,
        resource_type: str,
        id: str,
        operations: Any,
        *,
        if_match: str | None = None,
    ) -> ResourceResponse[Resource]: ...
    def patch(
        self,
        resource_type: type[Resource] | str,
        id: str,
        operations: Any,
        *,
        if_match: str | None = None,
    ) -> ResourceResponse[Any]:
        """PATCH a resource: `operations` is a `PatchOp`, a list of `PatchOperation`s or dicts,
        or a partial resource (see `patch_user`).

            client.patch(Device, device_id, [PatchOperation(op="replace", path="location",
                                                            value="Rack 5")])
        """
        cls = _request.resource_class(resource_type)
        return self._patch(
            cls, resource_response_class(cls), id, operations, "operations", if_match
        )

    def delete(
        self, resource_type: type[Resource] | str, id: str, *, if_match: str | None = None
    ) -> SCIMResponse:
        """Delete a resource; 204 on success.

        client.delete(Device, device_id)
        """
        cls = _request.resource_class(resource_type)
        return self._delete(cls, SCIMResponse, id, if_match)

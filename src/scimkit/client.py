"""`SCIMClient`: typed SCIM calls over one `api_call`."""

from __future__ import annotations

import logging
import ssl as ssl_module
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union, overload

from . import _request, _schemas
from ._bulk import resolve_bulk_ids
from ._request import Dialect, Token
from ._transport import Transport, redact_proxy, redact_url, validate_proxy
from ._wire import Headers, HttpRequest
from .discovery import Discovery
from .errors import TransportError
from .filters import parse_filter
from .models import (
    BulkOperation,
    BulkOperationResult,
    Group,
    Resource,
    SCIMModel,
    ServiceProviderConfig,
    User,
)
from .responses import (
    BulkResponse,
    GroupCreateResponse,
    GroupDeleteResponse,
    GroupPatchResponse,
    GroupUpdateResponse,
    ReadGroupResponse,
    ReadUserResponse,
    ResourceResponse,
    ResourceTypesResponse,
    SchemasResponse,
    SCIMResponse,
    SearchGroupsResponse,
    SearchResponse,
    SearchUsersResponse,
    ServiceProviderConfigResponse,
    UserCreateResponse,
    UserDeleteResponse,
    UserPatchResponse,
    UserUpdateResponse,
    resource_response_class,
    search_response_class,
)
from .retry import RetryHandler, default_retry_handlers
from .wsgi import _WSGITransport

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from typing_extensions import TypeGuard

__all__ = ["SCIMClient"]

ResponseT = TypeVar("ResponseT", bound=SCIMResponse)
R = TypeVar("R", bound=Resource)
AttributeNames = Union[str, Sequence[str], None]


class SCIMClient:
    """A SCIM 2.0 (or 1.1) client for one service provider.

        client = SCIMClient("https://example.com/scim/v2", token=os.environ["SCIM_TOKEN"])
        resp = client.search_users(filter='userName eq "bjensen"')
        for user in resp.users:
            print(user.id, user.user_name)

    - `token`: a bearer token, or a callable returning the current one (called once per
      call, so a long-running script can refresh an OAuth token); `None` sends no
      `Authorization` header (pass another scheme in `default_headers`).
    - `timeout`: seconds for connecting and for each read, or a `(connect, read)` pair.
    - `deadline`: seconds one call may take in all, retries and waits included (default 300);
      a server that trickles its answer is cut off when it passes. `None` for no limit.
    - `max_response_bytes`: a larger answer is refused with `ResponseTooLarge` (64 MiB).
    - `ssl`: an `ssl.SSLContext`; by default certificates and host names are verified.
    - `proxy`: an `http://[user:password@]host:port` proxy for every request, `""` for none;
      by default the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment variables.
    - `retry_handlers`: tried in order after each failed attempt; by default one
      `ConnectionErrorRetryHandler`. The list is public: `client.retry_handlers.append(...)`.
    - `scim_version`: `"2.0"` (RFC 7644) or `"1.1"` (Slack's v1 API).
    - `raise_errors`: raise a `SCIMResponseError` for every unsuccessful response instead of
      returning it.
    - `strict`: check every success against the protocol: the status the operation may
      return, a SCIM JSON content type, a body where one is due, the shape of a
      ListResponse, a resource's `id` and `schemas` and, after `discover()`, the resource
      against the server's own schema (required attributes present, `returned: never` ones
      absent). A departure makes the response not `ok`, its `errors.detail` saying what. By
      default the client is lenient and never fails on what it can still read.
    - `server_profile`: write for a server that departs from RFC 7644 in a known way:
      `"entra"` (Microsoft Entra ID) removes group members by value. Slack's v1 API is
      `scim_version="1.1"`.
    - `keep_alive`: reuse connections between calls (default); `False` opens one connection
      per request. `max_connections` idle connections are kept per host. A client may be
      shared between threads: each concurrent call gets its own connection.
    """

    def __init__(
        self,
        base_url: str,
        token: Token = None,
        *,
        timeout: float | tuple[float, float] = 30,
        ssl: ssl_module.SSLContext | None = None,
        proxy: str | None = None,
        default_headers: Mapping[str, str] | None = None,
        user_agent_prefix: str | None = None,
        user_agent_suffix: str | None = None,
        logger: logging.Logger | None = None,
        retry_handlers: Sequence[RetryHandler] | None = None,
        scim_version: str = "2.0",
        raise_errors: bool = False,
        keep_alive: bool = True,
        max_connections: int = 10,
        strict: bool = False,
        server_profile: str | None = None,
        max_response_bytes: int | None = 64 * 2**20,
        deadline: float | None = 300,
    ) -> None:
        self.base_url = _request.validate_base_url(base_url)
        if token is not None and not callable(token):
            if not isinstance(token, str):
                raise TypeError(f"token must be a str or a callable, not {type(token).__name__}")
            if not token:
                raise ValueError("token must not be empty (pass None to send no Authorization)")
            _request.validate_header("token", token)
        self._token = token
        self._discovery: Discovery | None = None
        self._bulk_config: ServiceProviderConfig | None = None
        self._static_authorization = f"Bearer {token}" if isinstance(token, str) else None
        if isinstance(timeout, tuple):
            if len(timeout) != 2:
                raise ValueError("timeout must be a number or a (connect, read) pair")
            connect, read = (_seconds("timeout", t) for t in timeout)
        else:
            connect = read = _seconds("timeout", timeout)
        self.timeout: float | tuple[float, float] = (
            (connect, read) if isinstance(timeout, tuple) else connect
        )
        if max_response_bytes is not None and (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            raise ValueError(
                f"max_response_bytes must be a positive int or None, not {max_response_bytes!r}"
            )
        self.max_response_bytes = max_response_bytes
        self.deadline = None if deadline is None else _seconds("deadline", deadline)
        if ssl is not None and not isinstance(ssl, ssl_module.SSLContext):
            raise TypeError(f"ssl must be an ssl.SSLContext, not {type(ssl).__name__}")
        self.ssl = ssl if ssl is not None else ssl_module.create_default_context()
        proxy = validate_proxy(proxy)
        #: The proxy URL, with any `user:password@` shown as `[secure]@`.
        self.proxy = redact_proxy(proxy)
        if logger is not None and not isinstance(logger, logging.Logger):
            raise TypeError("logger must be a logging.Logger")
        self.logger = logger or logging.getLogger("scimkit")
        self.dialect: Dialect = Dialect(scim_version)
        self.scim_version: str = scim_version
        self.raise_errors: bool = bool(raise_errors)
        self.strict = bool(strict)
        if server_profile is not None and server_profile not in _request.SERVER_PROFILES:
            raise ValueError(
                f"server_profile must be one of {_request.SERVER_PROFILES} or None, "
                f"not {server_profile!r}"
            )
        self.server_profile = server_profile
        for name, value in (
            ("user_agent_prefix", user_agent_prefix),
            ("user_agent_suffix", user_agent_suffix),
        ):
            if value is not None:
                if not isinstance(value, str):
                    raise TypeError(f"{name} must be a str")
                _request.validate_header(name, value)
        self.user_agent = _request.user_agent(user_agent_prefix, user_agent_suffix)
        self.default_headers: dict[str, str] = dict(default_headers or {})
        self._base_headers: Headers = _request.base_headers(
            dialect=self.dialect, user_agent=self.user_agent, default_headers=default_headers
        )
        if retry_handlers is None:
            self.retry_handlers: list[RetryHandler] = default_retry_handlers()
        else:
            handlers = list(retry_handlers)
            for handler in handlers:
                if not isinstance(handler, RetryHandler):
                    raise TypeError("retry_handlers must hold RetryHandler instances")
            self.retry_handlers = handlers
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise TypeError("max_connections must be an int")
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        self.max_connections = max_connections
        self.keep_alive = bool(keep_alive)
        self._transport: Transport = Transport(
            connect_timeout=connect,
            read_timeout=read,
            max_response_bytes=max_response_bytes,
            deadline=self.deadline,
            ssl_context=self.ssl,
            proxy=proxy,
            logger=self.logger,
            keep_alive=self.keep_alive,
            max_connections=max_connections,
        )
        self._transport.check_route(self.base_url)

    @classmethod
    def for_wsgi(
        cls, app: WSGIApplication, base_url: str = "/scim/v2", **client_kwargs: Any
    ) -> SCIMClient:
        """A client that calls the WSGI application `app` in-process, with no sockets.

            client = SCIMClient.for_wsgi(app, "/scim/v2", token="test-token")
            client.create_user(User(user_name="bjensen"))

        `base_url` is a path (served as `http://localhost/...`) or a full URL, whose host and
        scheme the application then sees. `client_kwargs` are those of `SCIMClient()`; retry
        handlers, strict mode, `raise_errors` and `max_response_bytes` work as over the
        network, while timeouts, `ssl` and connection reuse have nothing to act on, `deadline`
        bounds only the waits between retries, and a `proxy` is refused. An exception the
        application raises reaches the caller unchanged. See `scimkit.wsgi`.
        """
        if not isinstance(base_url, str):
            raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
        if base_url.startswith("/") and not base_url.startswith("//"):
            base_url = "http://localhost" + base_url
        if client_kwargs.get("proxy"):
            raise ValueError("an in-process client sends nothing over the network: no proxy")
        client_kwargs["proxy"] = ""
        client = cls(base_url, **client_kwargs)
        network = client._transport
        client._transport = _WSGITransport(
            app, like=network, max_response_bytes=client.max_response_bytes
        )
        network.close()
        return client

    def __repr__(self) -> str:
        return f"SCIMClient({self.base_url!r}, scim_version={self.scim_version!r})"

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the kept-alive connections; the client opens new ones if used again.

        with SCIMClient(base_url, token=token) as client:
            client.search_users()
        """
        self._transport.close()

    def __enter__(self) -> SCIMClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the one call everything goes through --------------------------------------------

    def api_call(
        self,
        http_verb: str,
        path: str,
        query_params: Mapping[str, Any] | None = None,
        body_params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SCIMResponse:
        """Call any endpoint: `path` is relative to the base URL (`/ServiceProviderConfig`).

        resp = client.api_call("GET", "/ServiceProviderConfig")
        resp.body["patch"]["supported"]
        """
        if not isinstance(http_verb, str) or not http_verb.isalpha():
            raise ValueError(f"http_verb must be an HTTP method name, not {http_verb!r}")
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        if "://" in path or path.startswith("//"):
            raise ValueError("path must be relative to base_url, not a full URL")
        _request.validate_header("path", path)
        query = None
        if query_params:
            query = {str(k): _query_value(v) for k, v in query_params.items() if v is not None}
        body = None
        if body_params is not None:
            if not isinstance(body_params, Mapping):
                raise TypeError("body_params must be a dict")
            body = dict(body_params)
        return self._call(
            http_verb.upper(),
            path,
            query=query,
            body=body,
            headers=headers,
            response_class=SCIMResponse,
        )

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
        url = _request.join_url(self.base_url, path, query)
        request_headers = self._base_headers.copy()
        token = self._token
        authorization = (
            self._static_authorization if isinstance(token, str) else _request.authorization(token)
        )
        if authorization:
            request_headers["Authorization"] = authorization
        data = None
        if body is not None:
            data = _request.json_body(body)
            request_headers["Content-Type"] = self.dialect.content_type
        for name, value in (headers or {}).items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise TypeError("headers must map str to str")
            _request.validate_header(f"headers[{name!r}]", value)
            request_headers[name] = value
        request = HttpRequest(
            method=method, url=url, headers=request_headers, body=data, body_params=body
        )
        raw = self._transport.perform(request, self.retry_handlers)
        response = response_class(
            url=redact_url(url),
            status_code=raw.status_code,
            headers=raw.headers,
            raw_body=raw.body,
            method=method,
            request=request,
        )
        if self.strict and 200 <= response.status_code < 300:
            # A read narrowed by attributes / excludedAttributes leaves out what was not
            # asked for, required or not (RFC 7644 §3.9).
            narrowed = query is not None and any(
                name in query for name in ("attributes", "excludedAttributes")
            )
            response.contract_problem = self._contract_problem(response, expected, narrowed)
        if self.raise_errors:
            response.raise_for_status()
        return response

    def _contract_problem(
        self, response: SCIMResponse, expected: tuple[int, ...], narrowed: bool = False
    ) -> str | None:
        """What a success breaks of RFC 7644 (strict mode only), or None."""
        problems: list[str] = []
        status = response.status_code
        if expected and status not in expected:
            allowed = ", ".join(str(code) for code in expected)
            problems.append(f"status {status} is not one this operation returns ({allowed})")
        if response.raw_body.strip():
            content_type = response.headers.get("Content-Type")
            media = (content_type or "").split(";")[0].strip().lower()
            if media not in ("application/scim+json", "application/json"):
                problems.append(f"Content-Type {content_type!r} is not SCIM JSON (RFC 7644 §3.1)")
        carries_body = isinstance(
            response,
            (
                ResourceResponse,
                SearchResponse,
                ServiceProviderConfigResponse,
                ResourceTypesResponse,
                SchemasResponse,
            ),
        )
        if carries_body and status in (200, 201) and response.errors is None:
            if not response.raw_body.strip():
                problems.append(f"the {status} answer has no body, where RFC 7644 returns one")
            elif isinstance(response, SearchResponse):
                problems.extend(self._list_problems(response.body))
            elif isinstance(response, ResourceResponse):
                problems.extend(self._resource_problems(response.body))
        if isinstance(response, ResourceResponse) and response.body and self._discovery:
            problems.extend(self._schema_problems(response.body, response.resource_class, narrowed))
        return "; ".join(problems) or None

    def _check_filter(self, filter: object) -> None:
        """Strict mode parses a filter given as text before sending it.

        A syntax error raises `FilterSyntaxError` (a `ValueError`) pointing at the problem.
        Lenient, the text goes to the server as it is, which may accept an extension.
        """
        if self.strict and isinstance(filter, str):
            parse_filter(filter)

    def _list_problems(self, body: Mapping[str, Any]) -> list[str]:
        """A ListResponse's shape (RFC 7644 §3.4.2)."""
        problems = []
        total = body.get("totalResults")
        if total is None:
            problems.append("totalResults is missing from the ListResponse")
        elif not _is_int(total) or total < 0:
            problems.append(f"totalResults is not a non-negative integer: {total!r}")
        for name in ("startIndex", "itemsPerPage"):
            value = body.get(name)
            if value is not None and not _is_int(value):
                problems.append(f"{name} is not an integer: {value!r}")
        found = body.get("Resources")
        if found is None:
            if _is_int(total) and total > 0:
                problems.append(f"Resources is missing, yet totalResults is {total}")
        elif not isinstance(found, list):
            problems.append(f"Resources is a JSON {type(found).__name__}, not an array")
        elif not all(isinstance(item, dict) for item in found):
            problems.append("Resources holds entries that are not JSON objects")
        if not self.dialect.is_v1:
            schemas = body.get("schemas")
            if not isinstance(schemas, list) or _schemas.LIST_RESPONSE not in schemas:
                problems.append(f"schemas does not name {_schemas.LIST_RESPONSE}")
        return problems

    def _resource_problems(self, body: Mapping[str, Any]) -> list[str]:
        """What every returned resource carries (RFC 7643 §3: `id` always; 2.0: `schemas`)."""
        problems = []
        resource_id = body.get("id")
        if not isinstance(resource_id, str) or not resource_id:
            problems.append("the resource has no id (RFC 7643 §3.1: returned always)")
        if not self.dialect.is_v1:
            schemas = body.get("schemas")
            if not isinstance(schemas, list) or not schemas:
                problems.append("the resource has no schemas (RFC 7643 §3)")
        return problems

    def _schema_problems(
        self, body: Mapping[str, Any], resource_class: type[Resource], narrowed: bool = False
    ) -> list[str]:
        """The resource against the server's own schema: `required` and `returned` rules."""
        assert self._discovery is not None
        schema = self._discovery.schema(self.dialect.core_schema(resource_class))
        if schema is None:
            return []
        present = {str(key).lower() for key, value in body.items() if value is not None}
        problems = []
        for definition in schema.attributes or []:
            name = getattr(definition, "name", None)
            if not isinstance(name, str):
                continue
            returned = str(getattr(definition, "returned", "") or "").lower()
            writable_only = str(getattr(definition, "mutability", "") or "").lower() == "writeonly"
            if returned == "never" and name.lower() in present:
                problems.append(f"{name} is returned, but the schema says returned=never")
            elif (
                getattr(definition, "required", False)
                and not narrowed
                and not writable_only
                and returned != "never"
            ):
                if name.lower() not in present:
                    problems.append(f"required attribute {name} is missing")
        return problems

    # -- generic resource operations (RFC 7644 §3.3 - §3.6) -------------------------------

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
        self._check_filter(filter)
        query = _request.query_params(
            cursor=cursor,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )
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
        return self._call(
            "GET",
            _resource_path(resource_class, resource_id),
            query=query,
            headers=_precondition("If-None-Match", if_none_match),
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
                hint = _reconcile_hint(body)
                if hint:
                    error.message += f"; to find out whether it was created, search for {hint}"
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
            headers=_precondition("If-Match", if_match),
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
        return self._call(
            "PATCH",
            _resource_path(resource_class, resource_id),
            body=body,
            headers=_precondition("If-Match", if_match),
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
            _resource_path(resource_class, resource_id),
            headers=_precondition("If-Match", if_match),
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
        ServiceProviderConfig (from `discover()`) says cursors are its default.

        One page is in memory at a time. Servers differ, so the loop does not trust any one
        number: it stops on an empty page, when `startIndex` passes the latest
        `totalResults`, and when a page repeats the previous one (a server that ignores
        `startIndex`). Without `totalResults` it asks until a page comes back empty, so a
        server that returns fewer items than asked never cuts the iteration short.
        """
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size must be a positive int, not {page_size!r}")
        if pagination not in ("auto", "index", "cursor"):
            raise ValueError(f"pagination must be 'auto', 'index' or 'cursor', not {pagination!r}")
        if pagination == "auto":
            pagination = "cursor" if self._prefers_cursor() else "index"
        # Check the query now, so that a bad argument fails at the call, not at first next().
        self._check_filter(filter)
        _request.query_params(
            filter=filter,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        pages = self._cursor_pages if pagination == "cursor" else self._pages
        return pages(
            resource_class,
            response_class,
            page_size=page_size,
            filter=filter,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )

    def _prefers_cursor(self) -> bool:
        config = self._discovery.config if self._discovery is not None else self._bulk_config
        paging: Any = getattr(config, "pagination", None)
        method = getattr(paging, "default_pagination_method", None)
        return bool(getattr(paging, "cursor", False)) and str(method).lower() == "cursor"

    def _cursor_pages(
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
    ) -> Iterator[R]:
        """RFC 9865: ask with `cursor=` (empty first), follow `nextCursor` until it ends."""
        cursor = ""
        seen: set[str] = set()
        while True:
            page = self._search(
                resource_class,
                response_class,
                filter=filter,
                count=page_size,
                attributes=attributes,
                excluded_attributes=excluded_attributes,
                sort_by=sort_by,
                sort_order=sort_order,
                cursor=cursor,
            )
            if not page.ok:
                raise page.to_error()
            yield from page.resources
            following = page.next_cursor
            # A cursor seen before would loop forever: a server bug, stop instead.
            if following is None or following in seen or not page.resources:
                return
            seen.add(following)
            cursor = following

    def _pages(
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
    ) -> Iterator[R]:
        start = 1
        previous_ids: list[Any] | None = None
        while True:
            page = self._search(
                resource_class,
                response_class,
                filter=filter,
                start_index=start,
                count=page_size,
                attributes=attributes,
                excluded_attributes=excluded_attributes,
                sort_by=sort_by,
                sort_order=sort_order,
            )
            if not page.ok:
                raise page.to_error()
            items = page.resources
            if not items:
                return
            ids = [item.id for item in items]
            if ids == previous_ids:
                return
            previous_ids = ids
            yield from items
            start += len(items)
            total = page.total_results
            if total is not None and start > total:
                return

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
        cls = _resource_class_of(resource, endpoint, "resource")
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
        cls = _resource_class(resource_type)
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
        cls = _resource_class(resource_type)
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
            _ROOT,
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
        cls = _resource_class(resource_type)
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
        cls = _resource_class_of(resource, endpoint, "resource")
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
        cls = _resource_class(resource_type)
        return self._patch(
            cls, resource_response_class(cls), id, operations, "operations", if_match
        )

    def delete(
        self, resource_type: type[Resource] | str, id: str, *, if_match: str | None = None
    ) -> SCIMResponse:
        """Delete a resource; 204 on success.

        client.delete(Device, device_id)
        """
        cls = _resource_class(resource_type)
        return self._delete(cls, SCIMResponse, id, if_match)

    # -- the authenticated subject (RFC 7644 §3.11) --------------------------------------

    def read_me(
        self, *, attributes: AttributeNames = None, excluded_attributes: AttributeNames = None
    ) -> ReadUserResponse:
        """Read the user the token belongs to (`GET /Me`).

        me = client.read_me().user
        """
        return self._read(
            _ME,
            ReadUserResponse,
            "",
            attributes=attributes,
            excluded_attributes=excluded_attributes,
        )

    def replace_me(
        self, user: User | Mapping[str, Any], *, if_match: str | None = None
    ) -> UserUpdateResponse:
        """Replace the token's own user (`PUT /Me`)."""
        body = _request.resource_body(user, _ME, self.dialect, argument="user", for_create=False)
        return self._call(
            "PUT",
            "/Me",
            body=body,
            headers=_precondition("If-Match", if_match),
            response_class=UserUpdateResponse,
        )

    def patch_me(self, partial_user: Any, *, if_match: str | None = None) -> UserPatchResponse:
        """Change the token's own user (`PATCH /Me`); see `patch_user`.

        client.patch_me(User(display_name="Babs"))
        """
        return self._patch(_ME, UserPatchResponse, "", partial_user, "partial_user", if_match)

    def delete_me(self, *, if_match: str | None = None) -> UserDeleteResponse:
        """Delete the token's own user (`DELETE /Me`)."""
        return self._delete(_ME, UserDeleteResponse, "", if_match)

    # -- bulk (RFC 7644 §3.7) -------------------------------------------------------------

    def bulk(
        self,
        operations: Sequence[BulkOperation | Mapping[str, Any]],
        *,
        fail_on_errors: int | None = None,
        max_operations: int | None = None,
        max_payload_size: int | None = None,
    ) -> BulkResponse:
        """Send many operations in as few requests as the server allows.

        The batch is split to fit the server's `maxOperations` and `maxPayloadSize` (read
        once from `/ServiceProviderConfig`, or given here). Within a request the server
        resolves `"bulkId:..."` references; across requests scimkit replaces them with the ids
        the earlier requests created, so keep an operation after the one it refers to.
        `fail_on_errors` stops after that many failed operations, here and across requests.

            result = client.bulk([
                BulkOperation(method="POST", path="/Users", bulk_id="u1",
                              data={"userName": "alice"}),
                BulkOperation(method="POST", path="/Groups", bulk_id="g1",
                              data={"displayName": "Ops", "members": [{"value": "bulkId:u1"}]}),
            ])
            result.ids["u1"], result.failed
        """
        prepared = [_bulk_operation(op, index) for index, op in enumerate(operations)]
        if not prepared:
            raise ValueError("operations must not be empty")
        if fail_on_errors is not None and (
            isinstance(fail_on_errors, bool)
            or not isinstance(fail_on_errors, int)
            or fail_on_errors < 1
        ):
            raise ValueError(f"fail_on_errors must be a positive int, not {fail_on_errors!r}")
        if max_operations is None or max_payload_size is None:
            found_operations, found_size = self._bulk_limits()
            max_operations = max_operations or found_operations
            max_payload_size = max_payload_size or found_size
        chunks = _bulk_chunks(prepared, max_operations, max_payload_size)
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
            response = self._call("POST", "/Bulk", body=body, response_class=SCIMResponse)
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

    def _bulk_limits(self) -> tuple[int | None, int | None]:
        if self._discovery is not None:
            return self._discovery.bulk_limits
        if self._bulk_config is None:
            config = self.service_provider_config()
            self._bulk_config = config.config or ServiceProviderConfig()
        bulk: Any = self._bulk_config.bulk
        return getattr(bulk, "max_operations", None), getattr(bulk, "max_payload_size", None)

    # -- discovery (RFC 7644 §4) ----------------------------------------------------------

    def service_provider_config(self) -> ServiceProviderConfigResponse:
        """`GET /ServiceProviderConfig`: the features the server supports.

        config = client.service_provider_config().config
        config.patch.supported
        """
        return self._call(
            "GET", "/ServiceProviderConfig", response_class=ServiceProviderConfigResponse
        )

    def resource_types(self) -> ResourceTypesResponse:
        """`GET /ResourceTypes`: the resource types, their endpoints and schemas.

        [t.endpoint for t in client.resource_types().resource_types]
        """
        return self._call("GET", "/ResourceTypes", response_class=ResourceTypesResponse)

    def schemas(self) -> SchemasResponse:
        """`GET /Schemas`: the schemas the server uses, with their attribute definitions."""
        return self._call("GET", "/Schemas", response_class=SchemasResponse)

    def discover(self, *, refresh: bool = False) -> Discovery:
        """Read the three discovery endpoints once and keep what they say.

        A failed call raises its `SCIMResponseError`; `refresh=True` reads them again.

            found = client.discover()
            if found.supports("etag"): ...
        """
        if self._discovery is None or refresh:
            config = self.service_provider_config().raise_for_status()
            types = self.resource_types().raise_for_status()
            schemas = self.schemas().raise_for_status()
            self._discovery = Discovery(
                config.config or ServiceProviderConfig(),
                types.resource_types,
                schemas.schemas,
            )
        return self._discovery

    # -- Users ----------------------------------------------------------------------------

    def search_users(
        self,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> SearchUsersResponse:
        """Find users (RFC 7644 §3.4.2); one page per call.

        resp = client.search_users(filter='userName eq "bjensen"', count=10)
        resp.total_results, [u.user_name for u in resp.users]
        """
        return self._search(
            User,
            SearchUsersResponse,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )

    def iter_users(
        self,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> Iterator[User]:
        """Every user matching `filter`, fetched `page_size` at a time as you iterate.

            for user in client.iter_users(filter="active eq true", page_size=200):
                print(user.user_name)

        A page that fails raises its `SCIMResponseError`.
        """
        return self._iterate(
            User,
            SearchUsersResponse,
            page_size=page_size,
            filter=filter,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            pagination=pagination,
        )

    def read_user(
        self,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ReadUserResponse:
        """Read one user by `id`.

        user = client.read_user(user_id).user
        """
        return self._read(
            User,
            ReadUserResponse,
            id,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            if_none_match=if_none_match,
        )

    def create_user(self, user: User | Mapping[str, Any]) -> UserCreateResponse:
        """Create a user; `resp.user.id` is the id the server gave it.

        resp = client.create_user(User(user_name="bjensen"))
        """
        return self._create(User, UserCreateResponse, user, "user")

    def patch_user(
        self, id: str, partial_user: Any, *, if_match: str | None = None
    ) -> UserPatchResponse:
        """Change some attributes of a user (RFC 7644 §3.5.2).

        `partial_user` is a `User` or dict holding only what changes (each attribute becomes a
        `replace`, `None` a `remove`), a `PatchOp`, or a list of `PatchOperation`s.

            client.patch_user(user_id, User(active=False))
        """
        return self._patch(User, UserPatchResponse, id, partial_user, "partial_user", if_match)

    def update_user(
        self, user: User | Mapping[str, Any], *, if_match: str | None = None
    ) -> UserUpdateResponse:
        """Replace a user with this full representation (PUT, RFC 7644 §3.5.1).

        user = client.read_user(user_id).user
        user.title = "Tour Guide"
        client.update_user(user)
        """
        return self._replace(User, UserUpdateResponse, user, "user", if_match)

    def delete_user(self, id: str, *, if_match: str | None = None) -> UserDeleteResponse:
        """Delete a user; 204 on success.

        client.delete_user(user_id)
        """
        return self._delete(User, UserDeleteResponse, id, if_match)

    # -- Groups ---------------------------------------------------------------------------

    def search_groups(
        self,
        *,
        filter: object = None,
        start_index: int | None = None,
        count: int | None = None,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> SearchGroupsResponse:
        """Find groups; one page per call.

        resp = client.search_groups(filter='displayName sw "Tour"')
        """
        return self._search(
            Group,
            SearchGroupsResponse,
            filter=filter,
            start_index=start_index,
            count=count,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
        )

    def iter_groups(
        self,
        *,
        filter: object = None,
        page_size: int = 100,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        pagination: str = "auto",
    ) -> Iterator[Group]:
        """Every group matching `filter`, fetched a page at a time as you iterate.

        names = [g.display_name for g in client.iter_groups(excluded_attributes="members")]
        """
        return self._iterate(
            Group,
            SearchGroupsResponse,
            page_size=page_size,
            filter=filter,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            sort_by=sort_by,
            sort_order=sort_order,
            pagination=pagination,
        )

    def read_group(
        self,
        id: str,
        *,
        attributes: AttributeNames = None,
        excluded_attributes: AttributeNames = None,
        if_none_match: str | None = None,
    ) -> ReadGroupResponse:
        """Read one group by `id`.

        group = client.read_group(group_id, excluded_attributes=["members"]).group
        """
        return self._read(
            Group,
            ReadGroupResponse,
            id,
            attributes=attributes,
            excluded_attributes=excluded_attributes,
            if_none_match=if_none_match,
        )

    def create_group(self, group: Group | Mapping[str, Any]) -> GroupCreateResponse:
        """Create a group.

        resp = client.create_group(Group(display_name="Tour Guides"))
        """
        return self._create(Group, GroupCreateResponse, group, "group")

    def patch_group(
        self, id: str, partial_group: Any, *, if_match: str | None = None
    ) -> GroupPatchResponse:
        """Change some attributes of a group; see `patch_user` for what `partial_group` may be.

        client.patch_group(group_id, [PatchOperation(op="add", path="members",
                                                     value=[{"value": user_id}])])
        """
        return self._patch(Group, GroupPatchResponse, id, partial_group, "partial_group", if_match)

    def update_group(
        self, group: Group | Mapping[str, Any], *, if_match: str | None = None
    ) -> GroupUpdateResponse:
        """Replace a group (PUT).

        group.display_name = "Tour Leads"
        client.update_group(group)
        """
        return self._replace(Group, GroupUpdateResponse, group, "group", if_match)

    def delete_group(self, id: str, *, if_match: str | None = None) -> GroupDeleteResponse:
        """Delete a group; 204 on success.

        client.delete_group(group_id)
        """
        return self._delete(Group, GroupDeleteResponse, id, if_match)


def _is_int(value: object) -> TypeGuard[int]:
    """A JSON integer (`true` and `false` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _reconcile_hint(body: Mapping[str, Any]) -> str | None:
    """A filter that finds what a create of `body` may have made (its unique attributes)."""
    from .filters import F, serialize

    for name in ("userName", "externalId", "displayName"):
        value = body.get(name)
        if isinstance(value, str) and value:
            return f"filter={serialize(F.eq(name, value))!r}"
    return None


def _precondition(name: str, etag: str | None) -> dict[str, str] | None:
    """An `If-Match` / `If-None-Match` header from an ETag (RFC 7644 §3.14)."""
    if etag is None:
        return None
    argument = "if_match" if name == "If-Match" else "if_none_match"
    if not isinstance(etag, str) or not etag:
        raise ValueError(f"{argument} must be a non-empty ETag string, not {etag!r}")
    _request.validate_header(argument, etag)
    return {name: etag}


_ENDPOINT_CLASSES: dict[str, type[Resource]] = {}


class _Me(User):
    """`/Me`: the user the token belongs to (RFC 7644 §3.11)."""

    __slots__ = ()
    endpoint = "/Me"


_ME: type[User] = _Me


def _resource_path(resource_class: type[Resource], resource_id: str) -> str:
    """`<endpoint>/<id>`; `/Me` has no id."""
    if resource_class is _ME:
        return "/Me"
    return f"{resource_class.endpoint}/{_request.encode_id(resource_id)}"


class _Root(Resource):
    """The server root, for `POST /.search` across resource types."""

    __slots__ = ()
    endpoint = ""


_ROOT: type[Resource] = _Root


def _resource_class(resource_type: object) -> type[Any]:
    """The model class for a resource type given as a class or as an endpoint (`"/Devices"`)."""
    if isinstance(resource_type, type) and issubclass(resource_type, Resource):
        if not resource_type.endpoint:
            raise ValueError(f'{resource_type.__name__} has no endpoint; set `endpoint = "/..."`')
        return resource_type
    if isinstance(resource_type, str):
        endpoint = "/" + resource_type.strip("/")
        if endpoint == "/" or any(c in endpoint for c in "?#\r\n\0 "):
            raise ValueError(f"resource_type {resource_type!r} is not an endpoint like '/Devices'")
        cls = _ENDPOINT_CLASSES.get(endpoint)
        if cls is None:
            # A plain resource: JSON in, JSON out, no schema assumed.
            name = endpoint.strip("/").replace("/", "_") or "Resource"
            cls = type(name, (Resource,), {"endpoint": endpoint, "__slots__": ()})
            _ENDPOINT_CLASSES[endpoint] = cls
        return cls
    raise TypeError(
        f"resource_type must be a Resource subclass or an endpoint str, not {resource_type!r}"
    )


def _resource_class_of(resource: object, endpoint: str | None, argument: str) -> type[Any]:
    if endpoint is not None:
        return _resource_class(endpoint)
    if isinstance(resource, Resource):
        return _resource_class(type(resource))
    raise TypeError(
        f"{argument} is a {type(resource).__name__}: pass endpoint= to say where it goes"
    )


_BULK_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_BULK_ENVELOPE = 200  # bytes of the BulkRequest around its operations, generously


def _bulk_operation(operation: object, index: int) -> dict[str, Any]:
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
    _request.validate_header(f"operations[{index}].path", path)
    if method == "POST" and not data.get("bulkId"):
        raise ValueError(f"operations[{index}] is a POST and needs a bulk_id (RFC 7644 §3.7)")
    if method != "DELETE" and not isinstance(data.get("data"), dict):
        raise ValueError(f"operations[{index}] needs data (a JSON object)")
    return data


def _bulk_chunks(
    operations: list[dict[str, Any]], max_operations: int | None, max_payload_size: int | None
) -> list[list[dict[str, Any]]]:
    """Split operations, in order, into requests within the server's limits."""
    chunks: list[list[dict[str, Any]]] = [[]]
    size = _BULK_ENVELOPE
    for index, operation in enumerate(operations):
        length = len(_request.json_body(operation)) + 1
        if max_payload_size and _BULK_ENVELOPE + length > max_payload_size:
            raise ValueError(
                f"operations[{index}] alone is larger than the server's maxPayloadSize "
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


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
    seconds = float(value)
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be a positive, finite number of seconds, not {value!r}")
    return seconds


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)

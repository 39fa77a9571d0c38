"""`SCIMClient`: typed SCIM calls for one service provider.

The construction and the methods `slack_sdk` users know live here; the generic resource
operations and `_call`, the path every call takes, in `_operations`. See docs/architecture.md.
"""

from __future__ import annotations

import ssl as ssl_module
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _args, _request
from ._operations import AttributeNames as AttributeNames
from ._operations import ResourceOperations
from ._request import Dialect, RequestTemplate, Token
from .models import BulkOperation, Group, User
from .responses import (
    BulkResponse,
    GroupCreateResponse,
    GroupDeleteResponse,
    GroupPatchResponse,
    GroupUpdateResponse,
    ReadGroupResponse,
    ReadUserResponse,
    ResourceTypesResponse,
    SchemasResponse,
    SCIMResponse,
    SearchGroupsResponse,
    SearchUsersResponse,
    ServiceProviderConfigResponse,
    UserCreateResponse,
    UserDeleteResponse,
    UserPatchResponse,
    UserUpdateResponse,
)
from .transports import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BaseTransport,
    HTTPTransport,
    check_connection_settings,
)

if TYPE_CHECKING:
    import logging
    from collections.abc import Iterator

    from _typeshed.wsgi import WSGIApplication

    from .discovery import Discovery
    from .models import ResourceType, Schema
    from .retry import RetryHandler

__all__ = ["SCIMClient"]

# The connection settings only the network transport uses, with their defaults: given along
# with a transport of one's own, they would silently do nothing, so they are refused.
_CONNECTION_DEFAULTS: dict[str, Any] = {
    "timeout": 30,
    "ssl": None,
    "proxy": None,
    "keep_alive": True,
    "max_connections": 10,
}


class SCIMClient(ResourceOperations):
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
    - `validate`: check the attribute names a call sends (`filter`, `attributes`,
      `excluded_attributes`, `sort_by`, PATCH paths) against schemas before sending it: one
      they do not define is a `ValueError` naming the argument and the closest defined name
      ("did you mean 'userName'?"). `True`: the schemas `discover()` read, else RFC 7643's
      core User, Group and enterprise User; or a `Discovery` or a list of `Schema`s / dicts.
      By default (`None`) as `strict`; `False` never. Whatever this says, a 400 to a
      request naming an unknown attribute gets the same hint (`SCIMResponseError.hints`).
    - `server_profile`: write for a server that departs from RFC 7644 in a known way:
      `"entra"` (Microsoft Entra ID) removes group members by value. Slack's v1 API is
      `scim_version="1.1"`.
    - `keep_alive`: reuse connections between calls (default); `False` opens one connection
      per request. `max_connections` idle connections are kept per host. A client may be
      shared between threads: each concurrent call gets its own connection.
    - `transport`: what moves the bytes (`scimkit.transports`): by default an
      `HTTPTransport` built from `timeout`, `ssl`, `proxy`, `keep_alive`, `max_connections`
      and `max_response_bytes`. Pass your own (a `BaseTransport` subclass, or
      `scimkit.wsgi.WSGITransport`) and those connection settings are the transport's: giving
      them here too is a `ValueError`. Retries, redirects, the deadline, logging and
      `max_response_bytes` still apply: the client runs them around any transport, and
      `close()` closes it.
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
        validate: bool | Discovery | Sequence[Any] | None = None,
        server_profile: str | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = 300,
        transport: BaseTransport | None = None,
    ) -> None:
        self.base_url = _request.validate_base_url(base_url)
        self.dialect: Dialect = Dialect(scim_version)
        self.scim_version: str = scim_version
        #: The `User-Agent` every request sends.
        self.user_agent = self._user_agent(user_agent_prefix, user_agent_suffix)
        self._template = RequestTemplate(
            base_url=self.base_url,
            dialect=self.dialect,
            user_agent=self.user_agent,
            default_headers=default_headers,
            token=_check_token(token),
        )
        self._token = token
        self.default_headers: dict[str, str] = dict(default_headers or {})
        self.max_response_bytes = _args.int_at_least(
            "max_response_bytes", max_response_bytes, allow_none=True
        )
        self.deadline = None if deadline is None else _args.seconds("deadline", deadline)
        self._logger = _check_logger(logger)
        self.raise_errors: bool = bool(raise_errors)
        self.strict = bool(strict)
        self.validate = _check_validate(validate)
        self.server_profile = _request.check_profile(server_profile)
        self.retry_handlers: list[RetryHandler] = _check_handlers(retry_handlers)
        self._connect(
            transport,
            dict(
                timeout=timeout,
                ssl=ssl,
                proxy=proxy,
                keep_alive=keep_alive,
                max_connections=max_connections,
            ),
        )

    def _connect(self, transport: BaseTransport | None, connection: dict[str, Any]) -> None:
        """Take the transport given (refusing connection settings it would ignore), or build
        one for the network from those settings; keep the settings as given."""
        if transport is None:
            network = HTTPTransport(max_response_bytes=self.max_response_bytes, **connection)
            network.check_route(self.base_url)
            transport = network
        else:
            _args.instance("transport", transport, BaseTransport, "a scimkit BaseTransport")
            for name, value in connection.items():
                if value != _CONNECTION_DEFAULTS[name]:
                    raise ValueError(
                        f"{name} is a setting of the network transport: with transport= given, "
                        f"set it on that transport"
                    )
        #: What moves the bytes: an `HTTPTransport` unless one was given.
        self.transport: BaseTransport = transport
        timeout = connection["timeout"]
        connect, read = _args.timeout_pair(timeout)
        self.timeout: float | tuple[float, float] = (
            (connect, read) if isinstance(timeout, tuple) else connect
        )
        self.ssl: ssl_module.SSLContext | None = (
            transport.ssl_context if isinstance(transport, HTTPTransport) else connection["ssl"]
        )
        from ._proxy import redact_proxy, validate_proxy  # with the first client

        #: The proxy URL, with any `user:password@` shown as `[secure]@`.
        self.proxy = redact_proxy(validate_proxy(connection["proxy"]))
        self.keep_alive = bool(connection["keep_alive"])
        self.max_connections: int = connection["max_connections"]

    @property
    def logger(self) -> logging.Logger:
        """The logger this client writes to: the `logger=` given, else `scimkit`'s.

        Reading it imports `logging`, which scimkit otherwise leaves to your program: until
        something imports it, no record could be shown, and none is made (docs/logging.md).
        """
        if self._logger is not None:
            return self._logger
        import logging

        return logging.getLogger("scimkit")

    @logger.setter
    def logger(self, logger: logging.Logger) -> None:
        self._logger = logger

    @staticmethod
    def _user_agent(prefix: str | None, suffix: str | None) -> str:
        for name, value in (("user_agent_prefix", prefix), ("user_agent_suffix", suffix)):
            if value is not None:
                _args.header_text(name, value)
        return _request.user_agent(prefix, suffix)

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
        application raises reaches the caller unchanged. The same as
        `SCIMClient(base_url, transport=WSGITransport(app))`; see `scimkit.wsgi`.
        """
        from .wsgi import WSGITransport

        if not isinstance(base_url, str):
            raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
        if base_url.startswith("/") and not base_url.startswith("//"):
            base_url = "http://localhost" + base_url
        if client_kwargs.get("proxy"):
            raise ValueError("an in-process client sends nothing over the network: no proxy")
        # Checked as for a network client, then left out: nothing to act on in-process.
        unused = {
            name: client_kwargs.pop(name) for name in _CONNECTION_DEFAULTS if name in client_kwargs
        }
        check_connection_settings(**unused)
        limit = client_kwargs.get("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES)
        transport = WSGITransport(app, max_response_bytes=limit)
        return cls(base_url, transport=transport, **client_kwargs)

    def __repr__(self) -> str:
        return f"SCIMClient({self.base_url!r}, scim_version={self.scim_version!r})"

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the kept-alive connections; the client opens new ones if used again.

        with SCIMClient(base_url, token=token) as client:
            client.search_users()
        """
        self.transport.close()

    def __enter__(self) -> SCIMClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- any endpoint -------------------------------------------------------------------

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
        _request.validate_path(path)
        query = None
        if query_params:
            query = {
                str(k): _request.query_value(v) for k, v in query_params.items() if v is not None
            }
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

    # -- the authenticated subject (RFC 7644 §3.11) --------------------------------------

    def read_me(
        self, *, attributes: AttributeNames = None, excluded_attributes: AttributeNames = None
    ) -> ReadUserResponse:
        """Read the user the token belongs to (`GET /Me`).

        me = client.read_me().user
        """
        return self._read(
            _request.Me,
            ReadUserResponse,
            "",
            attributes=attributes,
            excluded_attributes=excluded_attributes,
        )

    def replace_me(
        self, user: User | Mapping[str, Any], *, if_match: str | None = None
    ) -> UserUpdateResponse:
        """Replace the token's own user (`PUT /Me`)."""
        body = _request.resource_body(
            user, _request.Me, self.dialect, argument="user", for_create=False
        )
        return self._call(
            "PUT",
            "/Me",
            body=body,
            headers=_request.precondition("If-Match", if_match),
            response_class=UserUpdateResponse,
        )

    def patch_me(self, partial_user: Any, *, if_match: str | None = None) -> UserPatchResponse:
        """Change the token's own user (`PATCH /Me`); see `patch_user`.

        client.patch_me(User(display_name="Babs"))
        """
        return self._patch(
            _request.Me, UserPatchResponse, "", partial_user, "partial_user", if_match
        )

    def delete_me(self, *, if_match: str | None = None) -> UserDeleteResponse:
        """Delete the token's own user (`DELETE /Me`)."""
        return self._delete(_request.Me, UserDeleteResponse, "", if_match)

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
        from . import _bulk  # loaded on first use: only bulk calls need it

        prepared = [_bulk.bulk_operation(op, index) for index, op in enumerate(operations)]
        if not prepared:
            raise ValueError("operations must not be empty")
        if fail_on_errors is not None and (
            isinstance(fail_on_errors, bool)
            or not isinstance(fail_on_errors, int)
            or fail_on_errors < 1
        ):
            raise ValueError(f"fail_on_errors must be a positive int, not {fail_on_errors!r}")
        size_given = max_payload_size is not None
        if max_operations is None or max_payload_size is None:
            found_operations, found_size = self._bulk_limits()
            max_operations = max_operations or found_operations
            max_payload_size = max_payload_size or found_size
        chunks = _bulk.bulk_chunks(
            prepared, max_operations, max_payload_size, size_given=size_given
        )

        def post(body: dict[str, Any]) -> SCIMResponse:
            return self._call("POST", "/Bulk", body=body, response_class=SCIMResponse)

        return _bulk.run_bulk(post, chunks, fail_on_errors)

    def _bulk_limits(self) -> tuple[int | None, int | None]:
        if self._discovery is not None:
            return self._discovery.bulk_limits
        from .discovery import bulk_limits  # loaded on first use, as `discover()` does

        if self._bulk_config is None:
            from .models.discovery import ServiceProviderConfig  # loaded on first use

            config = self.service_provider_config()
            self._bulk_config = config.config or ServiceProviderConfig()
        return bulk_limits(self._bulk_config)

    def service_provider_config(self) -> ServiceProviderConfigResponse:
        """`GET /ServiceProviderConfig` (SCIM 1.1: `/ServiceProviderConfigs`): the features
        the server supports.

        config = client.service_provider_config().config
        config.patch.supported
        """
        return self._call(
            "GET",
            self.dialect.service_provider_config_path,
            response_class=ServiceProviderConfigResponse,
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
            from .discovery import Discovery  # loaded on first use
            from .models.discovery import ServiceProviderConfig

            config = self.service_provider_config().raise_for_status()
            if self.dialect.is_v1:
                types, schemas = self._discover_v1()
            else:
                types = self.resource_types().raise_for_status().resource_types
                schemas = self.schemas().raise_for_status().schemas
            self._discovery = Discovery(
                config.config or ServiceProviderConfig(),
                types,
                schemas,
                base_url=self.base_url,
            )
        return self._discovery

    def _discover_v1(self) -> tuple[list[ResourceType], list[Schema]]:
        """SCIM 1.1 has no `/ResourceTypes` and no list of schemas: it serves one schema per
        resource at `/Schemas/Users` and `/Schemas/Groups` (as Slack's v1 API does). The
        resource types are the two it defines."""
        from .models.discovery import ResourceType, Schema  # loaded on first use

        types: list[ResourceType] = []
        schemas: list[Schema] = []
        for model, endpoint in ((User, "/Users"), (Group, "/Groups")):
            found = self._call("GET", f"/Schemas{endpoint}", response_class=SCIMResponse)
            schema = Schema.from_dict(found.raise_for_status().body)
            schemas.append(schema)
            name = model.__name__
            types.append(
                ResourceType(
                    id=name, name=name, endpoint=endpoint, schema=schema.id or model.v1_schema
                )
            )
        return types, schemas

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


def _check_token(token: object) -> Token:
    """A bearer token (a non-empty str), a callable returning one, or None; never echoed."""
    if token is None or callable(token):
        return token
    if not isinstance(token, str):
        raise TypeError(f"token must be a str or a callable, not {type(token).__name__}")
    if not token:
        raise ValueError("token must not be empty (pass None to send no Authorization)")
    return token  # its characters are checked, as a secret, where it becomes a header


def _check_validate(
    validate: bool | Discovery | Sequence[Any] | None,
) -> bool | Discovery | Sequence[Any] | None:
    if validate is None or isinstance(validate, bool):
        return validate
    from .discovery import Discovery  # loaded on first use

    if isinstance(validate, Discovery):
        return validate
    if isinstance(validate, (list, tuple)):
        from ._hints import schema_names

        schema_names(validate)  # a list that holds no schemas fails here, not at a call
        return validate
    raise TypeError(
        "validate must be True, False, None, a Discovery or a list of schemas, "
        f"not {type(validate).__name__}"
    )


def _check_logger(logger: logging.Logger | None) -> logging.Logger | None:
    """The `logger=` given, or None for the `scimkit` logger (`logging` is imported only
    when something else has: see `_send`)."""
    if logger is None:
        return None
    import logging  # loaded already by whoever made the logger given

    return _args.instance("logger", logger, logging.Logger, "a logging.Logger")


def _check_handlers(handlers: Sequence[RetryHandler] | None) -> list[RetryHandler]:
    # The handlers' modules come with the first client, not with `import scimkit`.
    if handlers is None:
        from .retry.builtin_handlers import default_retry_handlers

        return default_retry_handlers()
    from .retry import RetryHandler

    checked = list(handlers)
    for handler in checked:
        if not isinstance(handler, RetryHandler):
            raise TypeError("retry_handlers must hold RetryHandler instances")
    return checked

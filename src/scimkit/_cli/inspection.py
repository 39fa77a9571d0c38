"""The commands that look at a server: `discover` (what it supports) and `raw` (one request,
the answer as it came).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Callable

from .common import json_object, output_format
from .connection import Session
from .console import EXIT_OK
from .output import Column, cell_text, format_table, terminal_safe, write_resources

__all__ = ["discover", "discovery_sections", "raw"]


# -- discover ------------------------------------------------------------------------------


def _yes(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "?"


def _details(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={cell_text(v)}" for k, v in values.items() if v is not None)


def _feature(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    lower = name.lower()
    found = next((v for k, v in config.items() if k.lower() == lower), None)
    return found if isinstance(found, Mapping) else {}


Section = tuple[str, list[str], list[list[str]]]


def discovery_sections(
    config: Mapping[str, Any],
    resource_types: Sequence[Mapping[str, Any]] | None,
    schemas: Sequence[Mapping[str, Any]] | None,
) -> list[Section]:
    """What `discover` shows: (title, headers, rows) per section, all cells text.

    `resource_types` or `schemas` is None when the server does not serve that endpoint.
    """
    features: list[list[str]] = []
    for label, key, extra in (
        ("patch", "patch", ()),
        ("bulk", "bulk", ("maxOperations", "maxPayloadSize")),
        ("filter", "filter", ("maxResults",)),
        ("sort", "sort", ()),
        ("etag", "etag", ()),
        ("changePassword", "changePassword", ()),
    ):
        found = _feature(config, key)
        details = _details({name: found.get(name) for name in extra})
        features.append([label, _yes(found.get("supported")), details])
    paging = _feature(config, "pagination")
    if paging:
        ways = [w for w in ("cursor", "index") if paging.get(w) is True]
        details = _details(
            {
                "default": paging.get("defaultPaginationMethod"),
                "defaultPageSize": paging.get("defaultPageSize"),
                "maxPageSize": paging.get("maxPageSize"),
            }
        )
        features.append(["pagination", ", ".join(ways) or "?", details])
    sections: list[Section] = [("Features", ["feature", "supported", "details"], features)]
    schemes = config.get("authenticationSchemes")
    schemes = schemes if isinstance(schemes, list) else []
    sections.append(
        (
            "Authentication schemes",
            ["type", "name", "description"],
            [
                [cell_text(s.get(key)) for key in ("type", "name", "description")]
                for s in schemes
                if isinstance(s, Mapping)
            ],
        )
    )
    if resource_types is not None:
        rows = []
        for item in resource_types:
            extensions = item.get("schemaExtensions")
            names = [
                f"{e.get('schema')}{' (required)' if e.get('required') is True else ''}"
                for e in (extensions if isinstance(extensions, list) else [])
                if isinstance(e, Mapping)
            ]
            rows.append(
                [
                    cell_text(item.get("name")),
                    cell_text(item.get("endpoint")),
                    cell_text(item.get("schema")),
                    ", ".join(names),
                ]
            )
        sections.append(("Resource types", ["name", "endpoint", "schema", "extensions"], rows))
    if schemas is not None:
        rows = []
        for item in schemas:
            attributes = item.get("attributes")
            count = len(attributes) if isinstance(attributes, list) else 0
            rows.append([cell_text(item.get("id")), cell_text(item.get("name")), str(count)])
        sections.append(("Schemas", ["id", "name", "attributes"], rows))
    return sections


def _list_body(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = next((v for k, v in body.items() if k.lower() == "resources"), None)
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def discover(session: Session) -> int:
    client = session.client
    config = client.service_provider_config().raise_for_status().body
    types_response = client.resource_types()
    schemas_response = client.schemas()
    types = _list_body(types_response.body) if types_response.ok else None
    schemas = _list_body(schemas_response.body) if schemas_response.ok else None
    fmt = output_format(session)
    out = session.console.stdout
    if fmt in ("json", "jsonl"):
        document = {"serviceProviderConfig": config, "resourceTypes": types, "schemas": schemas}
        if fmt == "json":
            out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
        return EXIT_OK
    sections = discovery_sections(config, types, schemas)
    if fmt == "csv":
        title, headers, rows = sections[0]
        write_resources(
            [dict(zip(headers, row)) for row in rows],
            "csv",
            out,
            columns=[Column(h) for h in headers],
        )
        return EXIT_OK
    out.write(f"SCIM service provider at {terminal_safe(client.base_url)}\n")
    for title, headers, rows in sections:
        out.write(f"\n{title}\n")
        if rows:
            for line in format_table(headers, rows, max_cell=72):
                out.write(line + "\n")
        else:
            out.write("(none)\n")
    for label, response in (("/ResourceTypes", types_response), ("/Schemas", schemas_response)):
        if not response.ok:
            out.write(f"\n{label}: not available (HTTP {response.status_code})\n")
    return EXIT_OK


# -- raw -----------------------------------------------------------------------------------


def raw(session: Session) -> int:
    args = session.args
    path, _, query = args.path.partition("?")
    if not path.startswith("/"):
        path = "/" + path
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True)) or None
    body = None
    if args.data is not None:
        body = json_object(args.data, session)
    response = session.client.api_call(args.method, path, query_params=params, body_params=body)
    out = session.console.stdout
    fmt = output_format(session)
    safe: Callable[[str], str] = terminal_safe if session.console.stdout_is_tty else str
    if args.include:
        try:
            phrase = HTTPStatus(response.status_code).phrase
        except ValueError:
            phrase = ""
        out.write(f"HTTP {response.status_code} {phrase}".rstrip() + "\n")
        for name in response.headers:
            out.write(safe(f"{name}: {response.headers[name]}") + "\n")
        out.write("\n")
    if response.raw_body.strip():
        if response.body:
            if fmt == "jsonl":
                out.write(json.dumps(response.body, ensure_ascii=False, separators=(",", ":")))
            else:
                out.write(json.dumps(response.body, indent=2, ensure_ascii=False))
            out.write("\n")
        else:
            out.write(safe(response.raw_body.decode("utf-8", "replace")).rstrip("\n") + "\n")
    if not response.ok:
        raise response.to_error()
    return EXIT_OK

"""The OpenAPI 3.1 document, built from the routes the app actually serves.

Routes declared as `helpdesk.endpoints.Endpoint` contribute their summary, query parameters,
request body schema and roles; any other route under the API prefix still appears, described by
its handler's docstring, so the document never omits something that is served.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

import helpdesk
from helpdesk.endpoints import Endpoint, EndpointRoute

_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["error"],
}
_RESPONSES = {
    "401": "Missing, invalid or revoked token",
    "403": "Your role or team may not do this",
    "404": "Not found",
    "409": "The change conflicts with the current state",
    "422": "Invalid input; `fields` names each problem",
}


def openapi_path(path: str) -> str:
    """Starlette's `{id:int}` is OpenAPI's `{id}`."""
    return _PARAM.sub(r"{\1}", path)


def served(routes: Iterable[BaseRoute], prefix: str) -> list[tuple[str, str, Route]]:
    """(METHOD, full path, route) for every route under `prefix`, mounts flattened."""
    found: list[tuple[str, str, Route]] = []

    def walk(items: Iterable[BaseRoute], base: str) -> None:
        for route in items:
            if isinstance(route, Mount):
                walk(route.routes, base + route.path)
            elif isinstance(route, Route):
                path = base + route.path
                if not path.startswith(prefix) or path.endswith("/openapi.json"):
                    continue
                for method in sorted(route.methods or ()):
                    if method not in ("HEAD", "OPTIONS"):
                        found.append((method, path, route))

    walk(routes, "")
    return found


def document(routes: Iterable[BaseRoute], prefix: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": _ERROR}
    for method, path, route in served(routes, prefix):
        declared = route.declaration if isinstance(route, EndpointRoute) else None
        operation = _operation(path, route, declared, schemas)
        paths.setdefault(openapi_path(path), {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Helpdesk API", "version": helpdesk.__version__},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(
    path: str, route: Route, e: Endpoint | None, schemas: dict[str, Any]
) -> dict[str, Any]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if kind == "int" else "string"},
        }
        for name, kind in _PARAM.findall(path)
    ]
    status = e.status if e else 200
    operation: dict[str, Any] = {
        "operationId": e.handler.__name__ if e else route.name,
        "summary": e.summary if e else _summary(route),
        "security": [{"bearer": []}],
        "parameters": params
        + [
            {"name": q.name, "in": "query", "description": q.description, "schema": q.schema}
            for q in (e.query if e else ())
        ],
        "responses": {
            str(status): {"description": "Success", "content": {"application/json": {}}},
            **{
                code: {
                    "description": text,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                for code, text in _RESPONSES.items()
            },
        },
    }
    if e is not None:
        operation["x-roles"] = [r.value for r in e.roles]
    if e is not None and e.body is not None:
        schema = e.body.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[e.body.__name__] = schema
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{e.body.__name__}"}}
            },
        }
    return operation


def _summary(route: Route) -> str:
    doc = inspect.getdoc(route.endpoint) or route.name or ""
    return doc.strip().splitlines()[0] if doc.strip() else route.path

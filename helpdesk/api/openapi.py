"""The OpenAPI 3.1 document, built from the routes the app actually serves.

Every JSON route is a declared `helpdesk.endpoints.Endpoint`; each contributes its operationId,
summary, path and query parameters (with their bounds and enums), request body, response
schemas and security. The document therefore lists exactly what is served, wherever it is
mounted (the API, the Telegram webhook, the public form post, the health check).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from starlette.routing import BaseRoute, Mount, Route

import helpdesk
from helpdesk.endpoints import WRITES, Endpoint, EndpointRoute

_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_REF = "#/components/schemas/{model}"
_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["error"],
}
_ERRORS = {
    401: "Missing, invalid or revoked credentials",
    403: "Your role or team may not do this",
    404: "Not found (also: an id outside 1..2^31-1)",
    409: "The change conflicts with the current state",
    422: "Invalid input; `fields` names each problem",
}


def openapi_path(path: str) -> str:
    """Starlette's `{id:int}` is OpenAPI's `{id}`."""
    return _PARAM.sub(r"{\1}", path)


def served(routes: Iterable[BaseRoute], prefix: str = "") -> list[tuple[str, str, Route]]:
    """(METHOD, full path, route) for every route under `prefix`, mounts flattened."""
    found: list[tuple[str, str, Route]] = []

    def walk(items: Iterable[BaseRoute], base: str) -> None:
        for route in items:
            if isinstance(route, Mount):
                walk(route.routes, base + route.path)
            elif isinstance(route, Route):
                path = base + route.path
                if not path.startswith(prefix):
                    continue
                for method in sorted(route.methods or ()):
                    if method not in ("HEAD", "OPTIONS"):
                        found.append((method, path, route))

    walk(routes, "")
    return found


def document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document of every declared endpoint among `routes`."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": _ERROR}
    schemes: dict[str, Any] = {}
    for method, path, route in served(routes):
        if not isinstance(route, EndpointRoute):
            continue
        e = route.declarations[method]
        if e.auth.scheme is not None:
            schemes[e.auth.name] = e.auth.scheme
        paths.setdefault(openapi_path(path), {})[method.lower()] = _operation(e, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk API",
            "version": helpdesk.__version__,
            "description": (
                "Tickets are addressed by their internal `id` everywhere; the number people "
                "see (`number`) is resolved by `GET /api/v1/tickets/by-number/{number}`."
            ),
        },
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": schemes},
    }


def _schema_of(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=_REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value: `null` is not something a URL can say."""
    options = schema.get("anyOf")
    if options is None:
        return schema
    kept = [o for o in options if o.get("type") != "null"]
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF)
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null({k: v for k, v in prop.items() if k != "title"})
        if prop.get("default", "") is None:
            del prop["default"]
        description = prop.pop("description", "")
        param: dict[str, Any] = {"name": name, "in": "query", "schema": prop}
        if description:
            param["description"] = description
        if name in required:
            param["required"] = True
        params.append(param)
    return params


def _error(text: str, html: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
    }
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": text, "content": content}


def _operation(e: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in e.path_params()
    ]
    if e.query is not None:
        params += _query_parameters(e.query, schemas)
    success: dict[str, Any] = dict(e.success or {"description": "Success"})
    if e.response is not None:  # JSON first, then any other form of the same answer
        success["content"] = {
            "application/json": {"schema": _schema_of(e.response, schemas)},
            **success.get("content", {}),
        }
    codes = {422: _ERRORS[422], 403: _ERRORS[403]}
    if e.auth.scheme is not None:
        codes[401] = _ERRORS[401]
    if e.path_params():
        codes[404] = _ERRORS[404]
    if e.method in WRITES:
        codes[409] = _ERRORS[409]
    codes.update(e.errors)
    operation: dict[str, Any] = {
        "operationId": e.operation_id,
        "summary": e.summary,
        "security": [{e.auth.name: []}] if e.auth.scheme is not None else [],
        "parameters": params,
        "responses": {
            str(e.status): success,
            **{str(code): _error(text, e.html_errors) for code, text in sorted(codes.items())},
            **{str(code): answer for code, answer in e.other_responses.items()},
        },
    }
    description = " ".join(filter(None, (e.description, e.auth.description)))
    if description:
        operation["description"] = description
    if e.auth.uses_roles:
        operation["x-roles"] = [r.value for r in e.roles]
    content: dict[str, Any] = {}
    if e.body is not None:
        content["application/json"] = {"schema": _schema_of(e.body, schemas)}
    if e.body_schema is not None:
        content["application/json"] = {"schema": e.body_schema}
    if content:
        operation["requestBody"] = {"required": e.body_required, "content": content}
    return operation

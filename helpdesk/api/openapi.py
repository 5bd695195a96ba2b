"""The OpenAPI 3.1 document, built from the endpoint table and the pydantic request models."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

import helpdesk

if TYPE_CHECKING:
    from helpdesk.api import Endpoint

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
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
    "404": "No such ticket or attachment",
    "409": "The change conflicts with the ticket's state",
    "422": "Invalid input; `fields` names each problem",
}


def openapi_path(path: str) -> str:
    """Starlette's `{id:int}` is OpenAPI's `{id}`."""
    return _PARAM.sub(r"{\1}", path)


def document(endpoints: Iterable[Endpoint], prefix: str) -> dict[str, Any]:
    return _document(tuple(endpoints), prefix)


@cache
def _document(endpoints: tuple[Endpoint, ...], prefix: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": _ERROR}
    for e in endpoints:
        path = openapi_path(prefix + e.path)
        operation: dict[str, Any] = {
            "operationId": e.handler.__name__,
            "summary": e.summary,
            "security": [{"bearer": []}],
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
                for name in _PARAM.findall(e.path)
            ]
            + [
                {"name": q.name, "in": "query", "description": q.description, "schema": q.schema}
                for q in e.query
            ],
            "responses": {
                str(e.status): {"description": "Success", "content": {"application/json": {}}},
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
        if e.body is not None:
            schema = e.body.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[e.body.__name__] = schema
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{e.body.__name__}"}
                    }
                },
            }
        paths.setdefault(path, {})[e.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Helpdesk API", "version": helpdesk.__version__},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }

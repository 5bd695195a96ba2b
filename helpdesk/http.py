"""JSON in and out, and the one place where the exception tree becomes HTTP statuses."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route

from helpdesk.errors import (
    Conflict,
    Forbidden,
    HelpdeskError,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

_STATUS: list[tuple[type[HelpdeskError], int]] = [
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (ValidationFailed, 422),
    (TooManyRequests, 429),
]


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(jsonable(data), status_code=status, headers=headers)


def problem(status: int, message: str, fields: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    headers = {"WWW-Authenticate": 'Bearer realm="helpdesk"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


async def parse_body(request: Request, model: type[M]) -> M:
    """The request's JSON body as `model`, or ValidationFailed naming each bad field."""
    return parse_json(await request.body(), model)


def parse_json(raw: bytes, model: type[M]) -> M:
    """`raw` JSON as `model`, or ValidationFailed naming each bad field."""
    try:
        data = json.loads(raw or b"null")
        # Strict below: JSON says what type a value is, so "5" is not the integer 5 nor 1 a
        # `true`; but 5.0 is the integer 5 in JSON (and in JSON Schema), whatever the
        # sender's library wrote.
        normalised = json.dumps(_integral(data)) if isinstance(data, dict) else ""
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"body": f"not valid JSON: {exc}"}) from None
    except RecursionError:
        raise ValidationFailed({"body": "not valid JSON: nested too deeply"}) from None
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "expected a JSON object"})
    try:
        return model.model_validate_json(normalised, strict=True)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


def _integral(value: Any) -> Any:
    """`value` with integral floats as ints and NUL characters as U+FFFD (PostgreSQL text
    cannot hold NUL; the same rule as for ingested messages)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, dict):
        return {without_nul(k): _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def without_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def query_int(
    request: Request,
    name: str,
    errors: dict[str, str],
    *,
    low: int = 1,
    high: int = 2**31 - 1,
    out_of_range: str | None = None,
) -> int | None:
    """The integer query parameter `name`, or None when absent; a bad value is recorded in
    `errors` (for one 422 naming every bad field) instead of raising at the first one.
    (Declared endpoints validate their query at the edge first; see helpdesk.endpoints.)"""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        errors[name] = "must be an integer"
        return None
    if not low <= value <= high:
        errors[name] = out_of_range or f"must be between {low} and {high}"
    return value


def pydantic_fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(name, error["msg"])
    return fields


async def on_helpdesk_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HelpdeskError)
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            fields = exc.errors if isinstance(exc, ValidationFailed) else None
            message = "validation failed" if fields else str(exc)
            return problem(status, message, fields)
    log.exception("unmapped error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal error")


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = problem(exc.status_code, exc.detail, None)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route matching the path; one path
        # may be served by several routes (a form's page and its post), so ask them all.
        response.headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
    return response


def allowed_methods(request: Request) -> set[str]:
    """Every method some route of the app serves at the request's path."""
    methods: set[str] = set()

    def walk(routes: Iterable[BaseRoute], scope: dict[str, Any]) -> None:
        for route in routes:
            match, child = route.matches(scope)
            if match is Match.NONE:
                continue
            if isinstance(route, Mount):
                walk(route.routes, {**scope, **child})
            elif isinstance(route, Route):
                methods.update(route.methods or ())

    scope = dict(request.scope)
    # Routing narrowed root_path to the mount that matched; start again from the app's root.
    scope["root_path"] = scope.get("app_root_path", "")
    walk(request.app.router.routes, scope)
    return methods


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal error; it has been logged")

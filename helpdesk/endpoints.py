"""Declared JSON endpoints: a handler plus everything the OpenAPI document says about it.

Every JSON route of the app is declared this way (the core API, the SLA API, the channels'
admin APIs, the Telegram webhook, the public form post). `routes()` turns declarations into
Starlette routes that authenticate (`Auth`: Bearer token, a webhook secret, or public), check
the role, and validate path ids, query parameters and the body at the edge, so a handler only
ever sees values inside the declared bounds. The OpenAPI document is built from the app's
routes, so it lists exactly what is served.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, Strict, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.auth import principal, require_role
from helpdesk.domain import Principal, Role
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import parse_body, without_nul
from helpdesk.runtime import Runtime

# Ids are 32-bit on every database we run on (SQLite stores 64, PostgreSQL's INTEGER 32):
# anything larger cannot name a row, so it is refused here instead of reaching the driver.
MAX_ID = 2**31 - 1
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

# Handlers take (runtime, request, who): `who` is the Principal for Bearer endpoints and
# whatever the endpoint's Auth returns (None for public ones) otherwise.
Handler = Callable[[Runtime, Request, Any], Awaitable[Response]]
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.BOT)
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MANAGERS = (Role.SUPERVISOR, Role.ADMIN)
ADMINS = (Role.ADMIN,)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

M = TypeVar("M", bound=BaseModel)
_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_DIGITS = re.compile(r"^-?[0-9]{1,30}$")


def _query_int(value: Any) -> Any:
    # Query values are text: only plain decimal digits are an integer ("1.0", " 1" are not).
    if isinstance(value, str):
        if not _DIGITS.match(value):
            raise ValueError("must be an integer")
        return int(value)
    return value


def _aware_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 date-time with a zone") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2026-11-22T10:00:00Z")
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 with an offset: as early or late as it gets
            return (
                datetime.min.replace(tzinfo=UTC)
                if value.year < 5000
                else datetime.max.replace(tzinfo=UTC)
            )
    return value


# Types of declared parameters: bounded at the edge so no driver ever sees an out-of-range int.
# (Bounds go before the text-to-int step, so the schema states them as minimum/maximum.)
QueryInt = BeforeValidator(_query_int)
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), QueryInt]
QueryTime = Annotated[datetime, BeforeValidator(_aware_time)]
BodyId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]


async def _bearer(rt: Runtime, request: Request) -> Principal:
    return await principal(rt, request)


async def _public(rt: Runtime, request: Request) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Auth:
    """How an endpoint authenticates its caller, and how the OpenAPI document says so.

    `scheme` is the OpenAPI security scheme stored under `name` (None: no credentials asked);
    `identify` returns the caller (or None) or raises Unauthorized/Forbidden/NotFound.
    `uses_roles` says whether the endpoint's `roles` apply (only when identify yields a
    Principal).
    """

    name: str
    scheme: dict[str, Any] | None
    identify: Callable[[Runtime, Request], Awaitable[Any]]
    uses_roles: bool = False
    description: str = ""


BEARER = Auth("bearer", {"type": "http", "scheme": "bearer"}, _bearer, uses_roles=True)
PUBLIC = Auth("", None, _public)


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    operation_id: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    roles: tuple[Role, ...] = STAFF
    auth: Auth = BEARER
    # Schemas of string path parameters (ints are ids: ID_SCHEMA), e.g. a slug's pattern.
    path_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Refusals beyond the common ones (401/403/404/409/422), e.g. {413: "Too large"}.
    errors: dict[int, str] = field(default_factory=dict)
    # The JSON body's schema when no model states it (a form's fields are per form).
    body_schema: dict[str, Any] | None = None
    body_required: bool = True
    description: str = ""
    # The success response when it is not `response` as JSON (a file, an HTML page).
    success: dict[str, Any] | None = None
    # Refusals may be HTML pages too (a browser's form post is answered with a page).
    html_errors: bool = False
    # Documented answers that are not errors of the Error shape (e.g. a 503 health report).
    other_responses: dict[int, dict[str, Any]] = field(default_factory=dict)

    def path_params(self) -> list[tuple[str, dict[str, Any]]]:
        result = []
        for name, kind in _PARAM.findall(self.path):
            schema = ID_SCHEMA if kind == "int" else self.path_schemas.get(name, {"type": "string"})
            result.append((name, schema))
        return result


class EndpointRoute(Route):
    """A Route serving one path's declared methods; it remembers the declarations."""

    declarations: dict[str, Endpoint]


def routes(rt: Runtime, endpoints: Sequence[Endpoint]) -> list[Route]:
    """Starlette routes for `endpoints`, one per path: authentication, role check and edge
    validation first, then the handler of the request's method."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for e in endpoints:
        methods = by_path.setdefault(e.path, {})
        if e.method in methods:
            raise ValueError(f"{e.method} {e.path} is declared twice")
        methods[e.method] = e
    result: list[Route] = []
    for path, declared in by_path.items():
        name = "/".join(e.operation_id for e in declared.values())
        route = EndpointRoute(path, _dispatch(rt, declared), methods=list(declared), name=name)
        route.declarations = declared
        result.append(route)
    return result


def _dispatch(
    rt: Runtime, declared: dict[str, Endpoint]
) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        endpoint = declared[method]
        who = await endpoint.auth.identify(rt, request)
        if endpoint.auth.uses_roles:
            require_role(who, *endpoint.roles)
        _check_path(endpoint, request)
        if endpoint.query is not None:
            request.state.query = _parse_query(request, endpoint.query)
        return await endpoint.handler(rt, request, who)

    return handle


def _check_path(endpoint: Endpoint, request: Request) -> None:
    """Ids within 1..MAX_ID, names matching their declared pattern: anything else names
    nothing, so it is a 404 before any query."""
    for name, schema in endpoint.path_params():
        value = request.path_params.get(name)
        if schema is ID_SCHEMA:
            fits = isinstance(value, int) and 1 <= value <= MAX_ID
        elif endpoint.html_errors:
            fits = True  # a page answers an unknown name with its own 404 page
        else:
            fits = "pattern" not in schema or bool(re.search(schema["pattern"], str(value)))
        if not fits:
            raise NotFound(f"no such {name.removesuffix('_id')}: {str(value)[:80]}")


def _parse_query(request: Request, model: type[M]) -> M:
    known = {f.alias or name for name, f in model.model_fields.items()}
    data = {k: without_nul(v) for k, v in request.query_params.items() if k in known}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Query parameters are flat: name the parameter, not the union member that failed.
        fields: dict[str, str] = {}
        for error in exc.errors():
            fields.setdefault(str(error["loc"][0]) if error["loc"] else "query", error["msg"])
        raise ValidationFailed(fields) from None


def query(request: Request, model: type[M]) -> M:
    """The query parameters the endpoint declared, validated by its wrapper."""
    value = request.state.query
    assert isinstance(value, model)
    return value


async def body(request: Request, model: type[M]) -> M:
    """The JSON body as `model`; 422 naming each bad field."""
    return await parse_body(request, model)

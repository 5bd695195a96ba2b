"""Declared JSON endpoints: a handler plus what the OpenAPI document says about it.

Any package may declare its API this way (the core API, a channel's admin endpoints, the SLA
API); `routes()` turns them into Starlette routes that authenticate, check the role and carry
the declaration, and the OpenAPI document is built from the app's routes, so it lists exactly
what is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.auth import principal, require_role
from helpdesk.domain import Principal, Role
from helpdesk.runtime import Runtime

Handler = Callable[[Runtime, Request, Principal], Awaitable[Response]]
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.BOT)
MANAGERS = (Role.SUPERVISOR, Role.ADMIN)
ADMINS = (Role.ADMIN,)


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    query: tuple[Query, ...] = ()
    status: int = 200
    roles: tuple[Role, ...] = STAFF


class EndpointRoute(Route):
    """A Route that remembers its declaration, for the OpenAPI document."""

    declaration: Endpoint


def routes(rt: Runtime, endpoints: Sequence[Endpoint]) -> list[Route]:
    """Starlette routes for `endpoints`: Bearer authentication and role check first."""
    result: list[Route] = []
    for e in endpoints:
        route = EndpointRoute(e.path, _guarded(rt, e), methods=[e.method], name=e.handler.__name__)
        route.declaration = e
        result.append(route)
    return result


def _guarded(rt: Runtime, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        who = await principal(rt, request)
        require_role(who, *endpoint.roles)
        return await endpoint.handler(rt, request, who)

    return handle

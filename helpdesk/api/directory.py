"""Directory endpoints: teams, categories, users."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from helpdesk import queries
from helpdesk.domain import Principal
from helpdesk.http import ok
from helpdesk.runtime import Runtime


async def list_teams(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok({"items": await queries.list_teams(store)})


async def list_categories(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok({"items": await queries.list_categories(store)})


async def list_users(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok({"items": await queries.list_users(store)})

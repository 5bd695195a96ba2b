"""The admin JSON API for bots (/api/v1/bots): add, list, show and remove bots."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from channels.chat import bots
from helpdesk.auth import principal, require_role
from helpdesk.crypto import SecretBox
from helpdesk.domain import Role
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime


class BotCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    token: str = Field(min_length=1, max_length=300)
    mode: str = "webhook"
    webhook_secret: str | None = None
    api_url: str | None = Field(default=None, max_length=500)
    file_url: str | None = Field(default=None, max_length=500)
    default_category: str | None = Field(default=None, max_length=100)
    default_team_id: int | None = None
    greetings: dict[str, str] = Field(default_factory=dict)


def routes(rt: Runtime) -> list[BaseRoute]:
    """The bots API."""
    box = SecretBox(rt.settings.secret_key)

    async def list_bots(request: Request) -> Response:
        await _admin(rt, request)
        async with rt.stores() as store:
            return ok({"items": [b.as_dict() for b in await bots.list_bots(store)]})

    async def create_bot(request: Request) -> Response:
        await _admin(rt, request)
        body = await parse_body(request, BotCreate)
        async with rt.stores() as store:
            info = await bots.add_bot(store, box, **body.model_dump())
        return ok(info.as_dict(), status=201)

    async def get_bot(request: Request) -> Response:
        await _admin(rt, request)
        async with rt.stores() as store:
            info = await bots.get_bot_info(store, request.path_params["name"])
        return ok(info.as_dict())

    async def delete_bot(request: Request) -> Response:
        await _admin(rt, request)
        async with rt.stores() as store:
            await bots.remove_bot(store, request.path_params["name"])
        return Response(status_code=204)

    return [
        Route("/api/v1/bots", list_bots, methods=["GET"]),
        Route("/api/v1/bots", create_bot, methods=["POST"]),
        Route("/api/v1/bots/{name}", get_bot, methods=["GET"]),
        Route("/api/v1/bots/{name}", delete_bot, methods=["DELETE"]),
    ]


async def _admin(rt: Runtime, request: Request) -> None:
    who = await principal(rt, request)
    require_role(who, Role.ADMIN)

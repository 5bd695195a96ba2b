"""The admin JSON API for bots (/api/v1/bots): add, list, show and remove bots."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from channels.chat import bots
from helpdesk.crypto import SecretBox
from helpdesk.domain import Actor, Principal
from helpdesk.endpoints import ADMINS, BodyId, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime

PREFIX = "/api/v1/bots"
_NAME = {"type": "string", "pattern": bots.NAME_RE.pattern}


class BotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=bots.NAME_RE.pattern)
    token: str = Field(pattern=bots.TOKEN_RE.pattern, description="From @BotFather")
    mode: Literal["webhook", "polling"] = "webhook"
    webhook_secret: str | None = Field(default=None, pattern=bots.SECRET_RE.pattern)
    api_url: str | None = Field(default=None, max_length=500)
    file_url: str | None = Field(default=None, max_length=500)
    default_category: str | None = Field(default=None, max_length=100)
    default_team_id: BodyId | None = None
    greetings: dict[Literal["en", "tr"], Annotated[str, Field(max_length=4096)]] = Field(
        default_factory=dict
    )


class BotOut(BaseModel):
    """A bot as admins see it: everything but the token."""

    id: int
    name: str
    mode: str
    username: str | None
    api_url: str
    default_category: str | None
    default_team_id: int | None
    greetings: dict[str, str]
    active: bool
    webhook_path: str


class Bots(BaseModel):
    items: list[BotOut]


def routes(rt: Runtime) -> list[BaseRoute]:
    """The bots API."""
    box = SecretBox(rt.settings.secret_key)

    async def list_bots(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            return ok({"items": [b.as_dict() for b in await bots.list_bots(store)]})

    async def create_bot(rt: Runtime, request: Request, who: Principal) -> Response:
        body = await parse_body(request, BotCreate)
        async with rt.stores() as store:
            info = await bots.add_bot(
                store, box, **body.model_dump(), actor=Actor.user(who.user_id), via="api"
            )
        return ok(info.as_dict(), status=201)

    async def get_bot(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            info = await bots.get_bot_info(store, request.path_params["name"])
        return ok(info.as_dict())

    async def delete_bot(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            await bots.remove_bot(
                store, request.path_params["name"], actor=Actor.user(who.user_id), via="api"
            )
        return Response(status_code=204)

    item = PREFIX + "/{name}"
    names = {"name": _NAME}
    return list(endpoint_routes(rt, [
        Endpoint("GET", PREFIX, list_bots, "List bots", "listBots", response=Bots,
                 roles=ADMINS),
        Endpoint("POST", PREFIX, create_bot, "Add a bot", "createBot", body=BotCreate,
                 response=BotOut, status=201, roles=ADMINS),
        Endpoint("GET", item, get_bot, "One bot", "getBot", response=BotOut, roles=ADMINS,
                 path_schemas=names),
        Endpoint("DELETE", item, delete_bot, "Remove a bot", "deleteBot", status=204,
                 roles=ADMINS, path_schemas=names),
    ]))  # fmt: skip

"""HTTP entry points: the Telegram webhook and the admin JSON API for bots (/api/v1/bots)."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from channels.chat import bots
from channels.chat.processing import receive
from helpdesk.auth import principal, require_role
from helpdesk.crypto import SecretBox
from helpdesk.domain import Role
from helpdesk.http import ok, parse_body, problem
from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_UPDATE_BYTES = 1024 * 1024  # updates are small JSON; files come separately via getFile


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
    """The webhook and the bots API."""
    box = SecretBox(rt.settings.secret_key)

    async def webhook(request: Request) -> Response:
        name = request.path_params["bot"]
        async with rt.stores() as store:
            config = await bots.load_bot(store, box, name)
        if config is None or not config.active:
            return problem(404, "no such bot")
        given = request.headers.get(SECRET_HEADER, "")
        # Constant time, so the secret cannot be guessed byte by byte from response times.
        if not hmac.compare_digest(given.encode(), config.webhook_secret.encode()):
            log.warning("telegram webhook for bot %s: wrong or missing secret token", name)
            return problem(403, "wrong or missing secret token")
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return problem(413, "update too large")
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return problem(400, "body is not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return problem(400, "not a Telegram update: expected an object with an update_id")
        new = await receive(rt, config, data)
        return ok({"ok": True, "duplicate": not new})

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
        Route("/channels/telegram/{bot}/webhook", webhook, methods=["POST"]),
        Route("/api/v1/bots", list_bots, methods=["GET"]),
        Route("/api/v1/bots", create_bot, methods=["POST"]),
        Route("/api/v1/bots/{name}", get_bot, methods=["GET"]),
        Route("/api/v1/bots/{name}", delete_bot, methods=["DELETE"]),
    ]


async def _admin(rt: Runtime, request: Request) -> None:
    who = await principal(rt, request)
    require_role(who, Role.ADMIN)

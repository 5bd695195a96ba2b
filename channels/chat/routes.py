"""The Telegram webhook: the Bot API posts updates here; a job then processes them.

Authenticated by the bot's secret token header (set with setWebhook), not by a Bearer token.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from channels.chat import bots
from channels.chat.bots import BotConfig
from channels.chat.jobs import receive
from helpdesk.crypto import SecretBox
from helpdesk.endpoints import Auth, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.errors import Forbidden, NotFound
from helpdesk.http import ok, problem
from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_UPDATE_BYTES = 1024 * 1024  # updates are small JSON; files come separately via getFile
MAX_UPDATE_ID = 2**63 - 1  # the column is 64-bit on every database


class Update(BaseModel):
    """A Telegram Update; only `update_id` is required here, the rest is kept as sent."""

    model_config = ConfigDict(extra="allow")

    update_id: int = Field(ge=0, le=MAX_UPDATE_ID)


class Received(BaseModel):
    ok: bool
    duplicate: bool = Field(description="true when this update_id was received before")


def routes(rt: Runtime) -> list[BaseRoute]:
    """The webhook."""
    box = SecretBox(rt.settings.secret_key)

    async def bot_by_secret(rt: Runtime, request: Request) -> BotConfig:
        name = request.path_params["bot"]
        config = None
        if bots.NAME_RE.fullmatch(name):
            async with rt.stores() as store:
                config = await bots.load_bot(store, box, name)
        if config is None or not config.active:
            raise NotFound("no such bot")
        given = request.headers.get(SECRET_HEADER, "")
        # Constant time, so the secret cannot be guessed byte by byte from response times.
        if not hmac.compare_digest(given.encode(), config.webhook_secret.encode()):
            log.warning("telegram webhook for bot %s: wrong or missing secret token", name)
            raise Forbidden("wrong or missing secret token")
        return config

    secret = Auth(
        "telegramSecret",
        {"type": "apiKey", "in": "header", "name": SECRET_HEADER},
        bot_by_secret,
        description="The Bot API authenticates with the bot's webhook secret token.",
    )

    async def webhook(rt: Runtime, request: Request, config: BotConfig) -> Response:
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return problem(413, "update too large")
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return problem(400, "body is not JSON")
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return problem(400, "not a Telegram update: expected an object with an update_id")
        if not 0 <= data["update_id"] <= MAX_UPDATE_ID:
            return problem(422, "validation failed", {"update_id": "out of range"})
        new = await receive(rt, config, data)
        return ok({"ok": True, "duplicate": not new})

    return list(
        endpoint_routes(
            rt,
            [
                Endpoint(
                    "POST",
                    "/channels/telegram/{bot}/webhook",
                    webhook,
                    "Receive a Telegram update (called by the Bot API)",
                    "receiveTelegramUpdate",
                    body=Update,
                    response=Received,
                    auth=secret,
                    path_schemas={"bot": {"type": "string", "pattern": bots.NAME_RE.pattern}},
                    errors={400: "Not a Telegram update", 413: "Update too large"},
                )
            ],
        )
    )

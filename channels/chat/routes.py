"""The Telegram webhook: the Bot API posts updates here; a job then processes them."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from channels.chat import bots
from channels.chat.jobs import receive
from helpdesk.crypto import SecretBox
from helpdesk.http import ok, problem
from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_UPDATE_BYTES = 1024 * 1024  # updates are small JSON; files come separately via getFile


def routes(rt: Runtime) -> list[BaseRoute]:
    """The webhook."""
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

    return [Route("/channels/telegram/{bot}/webhook", webhook, methods=["POST"])]

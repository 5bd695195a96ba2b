"""A running app with one configured bot pointed at the Bot API stand-in, and helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import select

from channels.chat import bots
from helpdesk.app import create_app
from helpdesk.crypto import SecretBox
from helpdesk.runtime import Runtime
from helpdesk.tables import message_t, ticket_t
from tests.fixtures_db import scheduler_of
from tests.support.asgi import serve_asgi
from tests.support.telegram_api import BotApiStandIn

SECRET = "s3cret-webhook-token"
SECOND_TOKEN = "987654321:SECOND-token-for-the-helpdesk-suite"


@dataclass
class Chat:
    rt: Runtime
    api: BotApiStandIn
    http: httpx.AsyncClient
    next_update: int = 500

    async def add_bot(self, name: str, token: str, **options: Any) -> bots.BotInfo:
        async with self.rt.stores() as store:
            return await bots.add_bot(
                store,
                SecretBox(self.rt.settings.secret_key),
                name=name,
                token=token,
                webhook_secret=SECRET,
                api_url=self.api.base_url,
                file_url=self.api.base_file_url,
                **options,
            )

    async def post(
        self, update: dict[str, Any], *, bot: str = "support", secret: str | None = SECRET
    ) -> httpx.Response:
        if "update_id" not in update:
            self.next_update += 1
            update = {"update_id": self.next_update, **update}
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.http.post(
            f"/channels/telegram/{bot}/webhook", json=update, headers=headers
        )

    async def send(self, update: dict[str, Any], *, bot: str = "support") -> httpx.Response:
        """Post and wait until the update (and whatever it triggered) has been processed."""
        response = await self.post(update, bot=bot)
        assert response.status_code == 200, response.text
        await self.settle()
        return response

    async def settle(self) -> None:
        await scheduler_of(self.rt).drain()

    async def tickets(self) -> list[dict[str, Any]]:
        async with self.rt.stores() as store:
            rows = await store.execute(select(ticket_t).order_by(ticket_t.c.id))
            return [dict(r) for r in rows.mappings()]

    async def messages(self, ticket_id: int | None = None) -> list[dict[str, Any]]:
        stmt = select(message_t).order_by(message_t.c.id)
        if ticket_id is not None:
            stmt = stmt.where(message_t.c.ticket_id == ticket_id)
        async with self.rt.stores() as store:
            return [dict(r) for r in (await store.execute(stmt)).mappings()]


@pytest_asyncio.fixture
async def chat(runtime: Runtime, telegram_api: BotApiStandIn) -> AsyncIterator[Chat]:
    app = create_app(runtime.settings, runtime=runtime)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        harness = Chat(runtime, telegram_api, http)
        await harness.add_bot("support", telegram_api.token, greetings={"tr": "Merhaba!"})
        yield harness

"""An API client against the real app, plus a small directory of teams, people and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Priority, Role
from helpdesk.runtime import Runtime


@dataclass
class Directory:
    billing: int
    tech: int
    alice: int  # agent in billing
    bob: int  # agent in tech
    sue: int  # supervisor
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest_asyncio.fixture
async def directory(runtime: Runtime) -> Directory:
    async with runtime.stores() as store:
        billing = await services.create_team(store, "Billing")
        tech = await services.create_team(store, "Tech")
        alice = await services.create_user(
            store, email="alice@help.test", name="Alice", team_ids=(billing,)
        )
        bob = await services.create_user(store, email="bob@help.test", name="Bob", team_ids=(tech,))
        sue = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        bot = await services.create_user(store, email="bot@help.test", name="Bot", role=Role.BOT)
        await services.create_category(
            store, "billing", "Billing", default_team_id=billing, default_priority=Priority.HIGH
        )
        await services.create_category(store, "hardware", "Hardware", default_team_id=tech)
        tokens = {
            "alice": await services.create_token(store, alice),
            "bob": await services.create_token(store, bob),
            "sue": await services.create_token(store, sue),
            "bot": await services.create_token(store, bot),
        }
    return Directory(billing, tech, alice, bob, sue, tokens)


@pytest_asyncio.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as c:
        yield c

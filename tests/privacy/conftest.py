"""An API client against the real app, with an admin's and an agent's tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.runtime import Runtime


@dataclass
class Staff:
    admin: int
    agent: int
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest_asyncio.fixture
async def staff(runtime: Runtime) -> Staff:
    async with runtime.stores() as store:
        admin = await services.create_user(
            store, email="root@help.test", name="Root", role=Role.ADMIN
        )
        agent = await services.create_user(store, email="alice@help.test", name="Alice")
        tokens = {
            "admin": await services.create_token(store, admin),
            "agent": await services.create_token(store, agent),
        }
    return Staff(admin, agent, tokens)


@pytest_asyncio.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as c:
        yield c

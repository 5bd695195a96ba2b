"""/api/v1/bots: admin only, token write-only."""

from __future__ import annotations

from sqlalchemy import select

from channels.chat.tables import bot_t
from helpdesk import services
from helpdesk.domain import Role
from tests.channels.chat.conftest import Chat

TOKEN = "555:AAAAbbbbCCCCddddEEEE"


async def _tokens(chat: Chat) -> dict[str, str]:
    async with chat.rt.stores() as store:
        admin = await services.create_user(store, email="ad@x.test", name="A", role=Role.ADMIN)
        agent = await services.create_user(store, email="ag@x.test", name="B")
        return {
            "admin": await services.create_token(store, admin),
            "agent": await services.create_token(store, agent),
        }


async def test_admins_manage_bots_and_the_token_is_never_returned(chat: Chat) -> None:
    tokens = await _tokens(chat)
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    created = await chat.http.post(
        "/api/v1/bots",
        json={"name": "sales", "token": TOKEN, "greetings": {"tr": "Selam"}},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert TOKEN not in created.text and "webhook_secret" not in created.json()
    listed = await chat.http.get("/api/v1/bots", headers=admin)
    assert [b["name"] for b in listed.json()["items"]] == ["sales", "support"]
    assert TOKEN not in listed.text
    async with chat.rt.stores() as store:
        stored = (await store.execute(select(bot_t.c.token_encrypted))).scalars().all()
    assert all(TOKEN not in value for value in stored)  # encrypted at rest

    again = await chat.http.post("/api/v1/bots", json={"name": "sales", "token": TOKEN},
                                 headers=admin)  # fmt: skip
    assert again.status_code == 409
    bad = await chat.http.post(
        "/api/v1/bots", json={"name": "Bad Name", "token": "nope", "mode": "x"}, headers=admin
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"name", "token", "mode"}
    assert (await chat.http.delete("/api/v1/bots/sales", headers=admin)).status_code == 204
    assert (await chat.http.get("/api/v1/bots/sales", headers=admin)).status_code == 404


async def test_only_admins_may_touch_bots(chat: Chat) -> None:
    tokens = await _tokens(chat)
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    assert (await chat.http.get("/api/v1/bots", headers=agent)).status_code == 403
    assert (await chat.http.get("/api/v1/bots")).status_code == 401
    denied = await chat.http.post("/api/v1/bots", json={"name": "x", "token": TOKEN},
                                  headers=agent)  # fmt: skip
    assert denied.status_code == 403

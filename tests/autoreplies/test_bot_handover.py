"""Tickets that start with a bot: out of human queues until the bot hands them over, and a
first-reply clock that starts at the handover when the policy says so (injected clock)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Role
from helpdesk.ports import FixedClock
from helpdesk.tables import message_t
from sla import admin
from sla.schemas import CalendarIn, PolicyIn
from sla.tables import clock_t
from tests.autoreplies.support import OFFICE
from tests.channels.chat.conftest import Chat, chat
from tests.support.telegram_api import text_message_update

__all__ = ["chat"]


async def _people(chat: Chat) -> dict[str, Any]:
    async with chat.rt.stores() as store:
        admin_id = await services.create_user(
            store, email="root@help.test", name="Root", role=Role.ADMIN
        )
        agent_id = await services.create_user(store, email="ann@help.test", name="Ann")
        bot_id = await services.create_user(store, email="faq@help.test", name="FAQ", role=Role.BOT)
        tokens = {
            who: await services.create_token(store, user)
            for who, user in (("admin", admin_id), ("agent", agent_id), ("bot", bot_id))
        }
    auth = {who: {"Authorization": f"Bearer {t}"} for who, t in tokens.items()}
    return {"bot_id": bot_id, "auth": auth}


async def _policy(chat: Chat, *, from_handover: bool) -> None:
    async with chat.rt.stores() as store:
        calendar_id = await admin.save_calendar(
            store,
            CalendarIn(
                name="office",
                tz="Europe/Istanbul",
                weekly={str(d): OFFICE for d in range(5)},
            ),
        )
        await admin.save_policy(
            store,
            PolicyIn.model_validate(
                {
                    "name": "standard",
                    "calendar_id": calendar_id,
                    "targets": {"first_reply": {"normal": "4h"}},
                    "first_reply_from_handover": from_handover,
                }
            ),
        )


async def _queue(chat: Chat, auth: dict[str, str]) -> list[int]:
    listed = await chat.http.get("/api/v1/tickets", headers=auth)
    assert listed.status_code == 200, listed.text
    return [int(t["number"]) for t in listed.json()["items"]]


async def _first_reply(chat: Chat, ticket_id: int) -> dict[str, Any] | None:
    async with chat.rt.stores() as store:
        row = (
            (
                await store.execute(
                    select(clock_t).where(
                        clock_t.c.ticket_id == ticket_id, clock_t.c.metric == "first_reply"
                    )
                )
            )
            .mappings()
            .first()
        )
    return None if row is None else dict(row)


async def test_the_ticket_reaches_people_at_handover_and_first_reply_starts_then(
    chat: Chat,
) -> None:
    people = await _people(chat)
    auth = people["auth"]
    await _policy(chat, from_handover=True)
    put = await chat.http.put(
        "/api/v1/bot-first/telegram", json={"bot_id": people["bot_id"]}, headers=auth["admin"]
    )
    assert put.status_code == 200, put.text

    await chat.send(text_message_update(51, "How do I reset my password?", message_id=1))
    [ticket] = await chat.tickets()
    assert ticket["bot_id"] == people["bot_id"]
    assert await _queue(chat, auth["agent"]) == []  # not in the human queue
    assert await _queue(chat, auth["admin"]) == []
    assert await _queue(chat, auth["bot"]) == [ticket["number"]]  # the bot's own queue
    assert await _first_reply(chat, ticket["id"]) is None  # nobody is on the clock yet

    answer = {"text": "Use 'Forgot password' on the sign-in page."}
    replied = await chat.http.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json=answer, headers=auth["bot"]
    )
    assert replied.status_code == 201, replied.text
    await chat.settle()
    assert "Use 'Forgot password' on the sign-in page." in chat.api.sent_texts(51)
    agent_try = await chat.http.post(
        f"/api/v1/tickets/{ticket['id']}/handover", json={}, headers=auth["agent"]
    )
    assert agent_try.status_code == 403

    clock = chat.rt.clock
    assert isinstance(clock, FixedClock)
    handover_at = clock.advance(hours=2)  # Monday 14:00 in Istanbul
    handed = await chat.http.post(
        f"/api/v1/tickets/{ticket['id']}/handover",
        json={"note": "Suggested the reset link; the customer still cannot sign in."},
        headers=auth["bot"],
    )
    assert handed.status_code == 200, handed.text
    await chat.settle()
    assert await _queue(chat, auth["agent"]) == [ticket["number"]]
    first = await _first_reply(chat, ticket["id"])
    assert first is not None
    assert first["activated_at"] == handover_at
    assert first["state"] == "active"
    # Four office hours from 14:00 in Istanbul: 18:00, i.e. 15:00 UTC.
    assert first["due_at"].isoformat() == "2026-11-23T15:00:00+00:00"
    async with chat.rt.stores() as store:
        notes = await store.execute(
            select(message_t.c.text, message_t.c.author_kind).where(
                message_t.c.ticket_id == ticket["id"], message_t.c.direction == "note"
            )
        )
        assert [tuple(n) for n in notes] == [
            ("Suggested the reset link; the customer still cannot sign in.", "bot")
        ]
    again = await chat.http.post(
        f"/api/v1/tickets/{ticket['id']}/handover", json={}, headers=auth["bot"]
    )
    assert again.status_code == 409


async def test_without_the_policy_flag_first_reply_runs_from_the_customers_message(
    chat: Chat,
) -> None:
    people = await _people(chat)
    await _policy(chat, from_handover=False)
    async with chat.rt.stores() as store:
        await services.bots.set_bot_first(store, "telegram", people["bot_id"])
    await chat.send(text_message_update(52, "Where is my order?", message_id=1))
    [ticket] = await chat.tickets()
    first = await _first_reply(chat, ticket["id"])
    assert first is not None and first["activated_at"] == ticket["created_at"]
    bot_reply = await chat.http.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "It ships tomorrow."},
        headers=people["auth"]["bot"],
    )
    assert bot_reply.status_code == 201
    await chat.settle()
    first = await _first_reply(chat, ticket["id"])
    assert first is not None and first["fulfilled_at"] is None  # a bot's reply is not a human's

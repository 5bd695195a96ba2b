"""Updates in over the webhook, replies out through the Bot API stand-in."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from channels.chat.tables import update_t
from helpdesk import services
from helpdesk.domain import DeliveryState, Status
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import quarantine_t
from tests.channels.chat.conftest import SECOND_TOKEN, Chat
from tests.support.telegram_api import text_message_update


async def _reply(chat: Chat, ticket_id: int, text: str) -> int:
    async with chat.rt.stores() as store:
        posted = await services.reply(store, ticket_id, Actor.system(), text)
    await chat.settle()
    return posted.message_id


async def test_messages_create_and_thread_a_ticket_and_replies_go_back(chat: Chat) -> None:
    await chat.send(text_message_update(4242, "My printer is on fire", message_id=1))
    await chat.send(text_message_update(4242, "Still burning", message_id=2))

    [ticket] = await chat.tickets()
    assert ticket["channel"] == "telegram" and ticket["source"] == "support"
    assert ticket["subject"] == "My printer is on fire"
    texts = [m["text"] for m in await chat.messages(ticket["id"])]
    assert texts == ["My printer is on fire", "Still burning"]

    message_id = await _reply(chat, ticket["id"], "Use the <b>extinguisher</b> *now*")
    assert chat.api.sent_texts(4242) == ["Use the <b>extinguisher</b> *now*"]
    [call] = chat.api.calls("sendMessage")
    assert "parse_mode" not in call.params  # plain text: nothing is interpreted as markup
    [reply] = [m for m in await chat.messages(ticket["id"]) if m["id"] == message_id]
    assert reply["delivery_state"] == DeliveryState.SENT.value
    assert reply["external_id"] == "support:4242:1:out"


async def test_wrong_or_missing_secret_is_refused_and_creates_nothing(chat: Chat) -> None:
    update = text_message_update(4242, "let me in")
    assert (await chat.post(update, secret="wrong")).status_code == 403
    assert (await chat.post(update, secret=None)).status_code == 403
    assert (await chat.post(update, secret="")).status_code == 403
    await chat.settle()
    assert await chat.tickets() == []
    async with chat.rt.stores() as store:
        count = (await store.execute(select(func.count()).select_from(update_t))).scalar_one()
    assert count == 0


async def test_bad_input_gets_a_clear_4xx(chat: Chat) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook-token"}
    url = "/channels/telegram/support/webhook"
    bad = await chat.http.post(url, content=b"{not json", headers=headers)
    assert bad.status_code == 400
    assert (await chat.http.post(url, json=[1, 2], headers=headers)).status_code == 400
    assert (await chat.http.post(url, json={"message": {}}, headers=headers)).status_code == 400
    unknown = await chat.post(text_message_update(1, "x"), bot="nobody")
    assert unknown.status_code == 404
    assert await chat.tickets() == []


async def test_update_ids_beyond_64_bits_or_negative_are_422_not_500(chat: Chat) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook-token"}
    url = "/channels/telegram/support/webhook"
    for update_id in (2**63, 10**30, -1):
        update = {**text_message_update(4242, "x"), "update_id": update_id}
        response = await chat.http.post(url, json=update, headers=headers)
        assert response.status_code == 422, response.text
        assert "update_id" in response.json()["fields"]
    largest = {**text_message_update(4242, "still fine"), "update_id": 2**63 - 1}
    assert (await chat.http.post(url, json=largest, headers=headers)).status_code == 200
    await chat.settle()
    [ticket] = await chat.tickets()
    assert ticket["subject"] == "still fine"


async def test_the_same_update_twice_is_one_message(chat: Chat) -> None:
    update = {"update_id": 777, **text_message_update(4242, "once", message_id=9)}
    first = await chat.send(update)
    second = await chat.send(update)
    assert first.json()["duplicate"] is False and second.json()["duplicate"] is True
    assert len(await chat.messages()) == 1


async def test_start_greets_in_the_users_language_without_a_ticket(chat: Chat) -> None:
    english = text_message_update(11, "/start")
    turkish = text_message_update(12, "/start")
    turkish["message"]["from"]["language_code"] = "tr"
    await chat.send(english)
    await chat.send(turkish)
    assert chat.api.sent_texts(11)[0].startswith("Hello!")
    assert chat.api.sent_texts(12) == ["Merhaba!"]  # the bot's own Turkish greeting
    assert await chat.tickets() == []


async def test_new_starts_a_new_ticket_on_purpose(chat: Chat) -> None:
    await chat.send(text_message_update(5, "first problem", message_id=1))
    await chat.send(text_message_update(5, "/new second problem", message_id=2))
    await chat.send(text_message_update(5, "more on the second", message_id=3))
    await chat.send(text_message_update(5, "/new", message_id=4))
    await chat.send(text_message_update(5, "third problem", message_id=5))
    tickets = await chat.tickets()
    assert [t["subject"] for t in tickets] == ["first problem", "second problem", "third problem"]
    second = [m["text"] for m in await chat.messages(tickets[1]["id"])]
    assert second == ["second problem", "more on the second"]
    assert chat.api.sent_texts(5) == ["Send your message: it will start a new ticket."]


async def test_after_close_a_new_ticket_starts(chat: Chat) -> None:
    await chat.send(text_message_update(6, "help", message_id=1))
    [ticket] = await chat.tickets()
    async with chat.rt.stores() as store:
        for status in (Status.SOLVED, Status.CLOSED):
            await services.update_ticket(
                store, ticket["id"], Actor.system(), TicketChanges(status=status)
            )
    await chat.send(text_message_update(6, "help again", message_id=2))
    tickets = await chat.tickets()
    assert len(tickets) == 2 and tickets[1]["subject"] == "help again"
    assert tickets[1]["follow_up_of_id"] is None  # chat policy "new", not a linked follow-up


async def test_two_bots_never_mix_one_users_tickets(chat: Chat) -> None:
    chat.api.add_bot(SECOND_TOKEN)
    await chat.add_bot("sales", SECOND_TOKEN)
    await chat.send(text_message_update(7, "support question", message_id=1))
    await chat.send(text_message_update(7, "sales question", message_id=1), bot="sales")
    support, sales = await chat.tickets()
    assert (support["source"], sales["source"]) == ("support", "sales")
    assert support["requester_id"] == sales["requester_id"]  # one customer, two conversations

    await _reply(chat, sales["id"], "about pricing")
    [call] = chat.api.calls("sendMessage")
    assert call.token == SECOND_TOKEN and call.params["chat_id"] == 7


async def test_a_user_who_blocked_the_bot_marks_the_reply_failed(chat: Chat) -> None:
    await chat.send(text_message_update(8, "hi", message_id=1))
    [ticket] = await chat.tickets()
    chat.api.fail(8, 403)
    message_id = await _reply(chat, ticket["id"], "hello?")
    [reply] = [m for m in await chat.messages() if m["id"] == message_id]
    assert reply["delivery_state"] == DeliveryState.FAILED.value
    assert "blocked" in reply["delivery_error"]


async def test_an_update_nothing_can_parse_is_quarantined_with_its_raw_json(chat: Chat) -> None:
    broken = {"update_id": 901, "message": {"message_id": 1, "chat": "not a chat", "text": "hi"}}
    response = await chat.send(broken)
    assert response.status_code == 200  # acknowledged: Telegram must not redeliver it forever
    async with chat.rt.stores() as store:
        [entry] = (await store.execute(select(quarantine_t))).mappings().all()
        [row] = (await store.execute(select(update_t))).mappings().all()
    assert entry["channel"] == "telegram" and entry["source"] == "support"
    assert json.loads(entry["raw"]) == broken
    assert row["status"] == "failed" and "quarantined" in row["outcome"]
    assert await chat.tickets() == []

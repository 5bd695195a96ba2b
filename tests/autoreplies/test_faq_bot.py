"""The FAQ bot in Telegram (Bot API stand-in): it answers from the knowledge base and asks
"did this help?" with buttons; yes solves the ticket without a person, no, writing again or
silence (injected clock) hands it over with the bot's attempt as a note."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from helpdesk import services
from helpdesk.bots import texts as bot_texts
from helpdesk.domain import Actor, Role
from helpdesk.ports import FixedClock
from helpdesk.services import message_texts
from helpdesk.tables import message_t
from tests.channels.chat.conftest import Chat, chat
from tests.support.telegram_api import callback_query_update, text_message_update

__all__ = ["chat"]

ARTICLES = [
    {
        "language": "en",
        "title": "Reset your password",
        "body": "Click 'Forgot password' on the sign-in page and follow the link we email you.",
    },
    {
        "language": "en",
        "title": "Track your order",
        "body": "Open My orders and choose the order to see where the parcel is.",
    },
    {
        "language": "tr",
        "title": "Şifrenizi sıfırlayın",
        "body": "Giriş sayfasında 'Şifremi unuttum' bağlantısına tıklayın.",
    },
]


async def _setup(chat: Chat) -> dict[str, dict[str, str]]:
    async with chat.rt.stores() as store:
        admin = await services.create_user(store, email="root@help.test", name="R", role=Role.ADMIN)
        agent = await services.create_user(store, email="ann@help.test", name="Ann")
        bot = await services.create_user(store, email="faq@help.test", name="FAQ", role=Role.BOT)
        auth = {
            who: {"Authorization": f"Bearer {await services.create_token(store, user)}"}
            for who, user in (("admin", admin), ("agent", agent))
        }
    for article in ARTICLES:
        added = await chat.http.post("/api/v1/kb/articles", json=article, headers=auth["admin"])
        assert added.status_code == 201, added.text
    put = await chat.http.put(
        "/api/v1/bot-first/telegram", json={"bot_id": bot, "faq": True}, headers=auth["admin"]
    )
    assert put.status_code == 200, put.text
    return auth


def _question(chat: Chat, chat_id: int) -> dict[str, Any]:
    for call in chat.api.calls("sendMessage"):
        if str(call.params.get("chat_id")) == str(chat_id) and call.params.get("reply_markup"):
            return dict(call.params)
    raise AssertionError("the bot asked nothing with buttons")


def _press(chat_id: int, sent: dict[str, Any], which: int, query_id: str) -> dict[str, Any]:
    markup = sent["reply_markup"]
    data = markup["inline_keyboard"][0][which]["callback_data"]
    message = {"message_id": 9, "date": 1, "chat": {"id": chat_id, "type": "private"},
               "text": sent["text"], "reply_markup": markup}  # fmt: skip
    return callback_query_update(chat_id, data, message=message, query_id=query_id)


async def _queue(chat: Chat, auth: dict[str, str]) -> list[int]:
    listed = await chat.http.get("/api/v1/tickets", headers=auth)
    return [int(t["number"]) for t in listed.json()["items"]]


async def _notes(chat: Chat, ticket_id: int) -> list[str]:
    async with chat.rt.stores() as store:
        rows = await store.execute(
            select(message_t.c.text).where(
                message_t.c.ticket_id == ticket_id, message_t.c.direction == "note"
            )
        )
        return list(rows.scalars())


async def test_yes_solves_the_ticket_without_a_person(chat: Chat) -> None:
    auth = await _setup(chat)
    update = text_message_update(41, "Şifremi unuttum, nasıl sıfırlarım?", message_id=1)
    update["message"]["from"]["language_code"] = "tr"
    await chat.send(update)
    [ticket] = await chat.tickets()
    sent = _question(chat, 41)
    assert "Şifrenizi sıfırlayın" in sent["text"] and "Bu yardımcı oldu mu?" in sent["text"]
    buttons = sent["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == [
        "Evet, çözüldü",
        "Hayır, bir kişiyle görüşmek istiyorum",
    ]

    await chat.send(_press(41, sent, 0, "q1"))
    [ticket] = await chat.tickets()
    assert ticket["status"] == "solved" and ticket["handed_over_at"] is None
    assert any("çözüldü" in t for t in chat.api.sent_texts(41)[-1:])
    assert await _queue(chat, auth["agent"]) == []  # never reached a person
    await chat.send(_press(41, sent, 1, "q2"))  # a late "no" changes nothing
    [ticket] = await chat.tickets()
    assert ticket["status"] == "solved" and ticket["handed_over_at"] is None


async def test_no_hands_over_with_the_bots_attempt_shown(chat: Chat) -> None:
    auth = await _setup(chat)
    await chat.send(text_message_update(42, "How do I reset my password?", message_id=1))
    [ticket] = await chat.tickets()
    sent = _question(chat, 42)
    assert "Reset your password" in sent["text"]
    await chat.send(_press(42, sent, 1, "q1"))
    assert await _queue(chat, auth["agent"]) == [ticket["number"]]
    [note] = await _notes(chat, ticket["id"])
    assert 'offered "Reset your password"' in note and "said it did not help" in note
    assert "A colleague will take over" in chat.api.sent_texts(42)[-1]


async def test_silence_hands_over_when_the_wait_runs_out(chat: Chat) -> None:
    auth = await _setup(chat)
    await chat.send(text_message_update(43, "Where is my parcel?", message_id=1))
    [ticket] = await chat.tickets()
    _question(chat, 43)
    clock = chat.rt.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=59)
    await chat.rt.run_job("faq_reconcile")
    assert await _queue(chat, auth["agent"]) == []
    clock.advance(minutes=2)
    await chat.rt.run_job("faq_reconcile")
    await chat.settle()
    assert await _queue(chat, auth["agent"]) == [ticket["number"]]
    [note] = await _notes(chat, ticket["id"])
    assert "did not answer within 1 h 0 min" in note


async def test_writing_again_hands_over(chat: Chat) -> None:
    auth = await _setup(chat)
    await chat.send(text_message_update(44, "Where is my parcel?", message_id=1))
    _question(chat, 44)
    clock = chat.rt.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=3)
    await chat.send(text_message_update(44, "It says delivered but I have nothing", message_id=2))
    [ticket] = await chat.tickets()
    assert await _queue(chat, auth["agent"]) == [ticket["number"]]
    [note] = await _notes(chat, ticket["id"])
    assert "wrote again" in note


async def test_a_question_no_article_answers_goes_to_people_at_once(chat: Chat) -> None:
    auth = await _setup(chat)
    await chat.send(text_message_update(45, "My invoice shows the wrong VAT number", message_id=1))
    [ticket] = await chat.tickets()
    assert await _queue(chat, auth["agent"]) == [ticket["number"]]
    [note] = await _notes(chat, ticket["id"])
    assert "no article it was confident about" in note
    forged = callback_query_update(
        45, f"faq:{ticket['id']}.aaaaaaaaaaaaaaaa:y", message={"message_id": 9, "date": 1,
        "chat": {"id": 45, "type": "private"}, "text": "?"}, query_id="f1"
    )  # fmt: skip
    await chat.send(forged)
    [ticket] = await chat.tickets()
    assert ticket["status"] != "solved"


async def test_the_bot_speaks_the_words_an_admin_gave_it(chat: Chat) -> None:
    await _setup(chat)
    async with chat.rt.stores() as store:
        for kind, text in (
            ("bot_answer", "Try «{title}»: {body}"),
            ("bot_solved", "Great, #{number} is closed. Bye!"),
        ):
            await message_texts.save(
                store, Actor.system(), kind=kind, channel="*", language="en", subject="",
                text=text, allowed=bot_texts.EDITABLE[kind][1],
            )  # fmt: skip
    await chat.send(text_message_update(44, "How do I reset my password?", message_id=1))
    [ticket] = await chat.tickets()
    sent = _question(chat, 44)
    assert sent["text"].startswith("Try «Reset your password»: Click 'Forgot password'")
    assert sent["text"].endswith("Did this help?")  # the question and buttons stay
    await chat.send(_press(44, sent, 0, "q1"))
    assert chat.api.sent_texts(44)[-1] == f"Great, #{ticket['number']} is closed. Bye!"

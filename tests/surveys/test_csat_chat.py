"""CSAT in Telegram: rating buttons under the survey, answered by a press (Bot API stand-in)."""

from __future__ import annotations

from typing import Any

from helpdesk.domain import Actor
from helpdesk.services import message_texts
from helpdesk.surveys import texts
from tests.channels.chat.conftest import Chat, chat
from tests.support.telegram_api import callback_query_update, text_message_update
from tests.surveys.support import after_delay, solve, surveys

__all__ = ["chat"]


def _survey_message(chat: Chat, chat_id: int) -> dict[str, Any]:
    for call in chat.api.calls("sendMessage"):
        if str(call.params.get("chat_id")) == str(chat_id) and call.params.get("reply_markup"):
            return dict(call.params)
    raise AssertionError("no message with buttons was sent")


async def test_a_button_press_rates_the_resolution_once(chat: Chat) -> None:
    await chat.send(text_message_update(81, "Kargom nerede?", message_id=1))
    [ticket] = await chat.tickets()
    await solve(chat.rt, ticket["id"], "Kargonuz yarın teslim edilecek.")
    await after_delay(chat.rt)

    sent = _survey_message(chat, 81)
    markup = sent["reply_markup"]
    buttons = markup["inline_keyboard"] if isinstance(markup, dict) else None
    assert buttons is not None
    assert [b["text"][0] for b in buttons[0]] == ["1", "2", "3", "4", "5"]
    four = buttons[0][3]["callback_data"]
    bot_message = {"message_id": 9, "date": 1, "chat": {"id": 81, "type": "private"},
                   "text": sent["text"], "reply_markup": markup}  # fmt: skip
    await chat.send(callback_query_update(81, four, message=bot_message, query_id="r1"))
    [survey] = await surveys(chat.rt)
    assert (survey["status"], survey["rating"], survey["channel"]) == ("rated", 4, "telegram")
    assert any("4/5" in text for text in chat.api.sent_texts(81))

    five = buttons[0][4]["callback_data"]  # a second press in the same cycle changes nothing
    await chat.send(callback_query_update(81, five, message=bot_message, query_id="r2"))
    [survey] = await surveys(chat.rt)
    assert survey["rating"] == 4
    assert len(await chat.messages(ticket["id"])) == 2  # presses are not messages


async def test_a_forged_button_records_nothing(chat: Chat) -> None:
    await chat.send(text_message_update(82, "help", message_id=1))
    [ticket] = await chat.tickets()
    await solve(chat.rt, ticket["id"])
    await after_delay(chat.rt)
    bot_message = {"message_id": 9, "date": 1, "chat": {"id": 82, "type": "private"}, "text": "?"}
    await chat.send(callback_query_update(82, "csat:1-aaaaaaaaaaaaaaaa:1", message=bot_message))
    [survey] = await surveys(chat.rt)
    assert survey["status"] == "sent" and survey["rating"] is None


async def test_an_edited_survey_text_replaces_the_question_above_the_buttons(chat: Chat) -> None:
    async with chat.rt.stores() as store:
        await message_texts.save(
            store, Actor.system(), kind=texts.KIND, channel="telegram", language="en",
            subject="", text="Rate #{number} ({subject}), please:",
            allowed=texts.PLACEHOLDERS,
        )  # fmt: skip
    await chat.send(text_message_update(83, "Where is my parcel?", message_id=1))
    [ticket] = await chat.tickets()
    await solve(chat.rt, ticket["id"], "It arrives tomorrow.")
    await after_delay(chat.rt)
    sent = _survey_message(chat, 83)
    assert sent["text"] == f"Rate #{ticket['number']} ({ticket['subject']}), please:"

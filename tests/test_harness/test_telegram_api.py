"""The Bot API stand-in against the real python-telegram-bot 22 client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from tests.support.telegram_api import BotApiStandIn, text_message_update


def _bot(api: BotApiStandIn, token: str | None = None) -> Bot:
    return Bot(token or api.token, base_url=api.base_url, base_file_url=api.base_file_url)


async def test_get_me_and_send_message(telegram_api: BotApiStandIn) -> None:
    async with _bot(telegram_api) as bot:  # initialize() calls getMe
        assert bot.username == "helpdesk_123456789_bot"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Close", callback_data="close:7")]])
        first = await bot.send_message(chat_id=42, text="Hello", reply_markup=markup)
        second = await bot.send_message(chat_id=42, text="Again")
        other = await bot.send_message(chat_id=-100777, text="Group")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.chat.id == 42
    assert first.chat.type == "private"
    assert other.chat.type == "supergroup"
    assert first.from_user is not None
    assert first.from_user.is_bot
    assert abs(first.date.timestamp() - time.time()) < 5
    assert first.reply_markup == markup
    [call, _, _] = telegram_api.calls("sendMessage")
    assert call.params["chat_id"] == 42
    assert call.raw_params["chat_id"] == "42"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "close:7"
    assert telegram_api.sent_texts(42) == ["Hello", "Again"]
    assert [c.method for c in telegram_api.calls()] == ["getMe", *["sendMessage"] * 3]


async def test_document_round_trip(telegram_api: BotApiStandIn) -> None:
    payload = b"%PDF-1.4 invoice\x00\xff" * 100
    async with _bot(telegram_api) as bot:
        sent = await bot.send_document(
            chat_id=42, document=payload, filename="invoice.pdf", caption="Your invoice"
        )
        assert sent.document is not None
        assert sent.document.file_name == "invoice.pdf"
        assert sent.caption == "Your invoice"
        file = await bot.get_file(sent.document.file_id)
        downloaded = await file.download_as_bytearray()
    assert bytes(downloaded) == payload
    [call] = telegram_api.calls("sendDocument")
    assert call.content_type.startswith("multipart/form-data")
    assert call.files["document"].content == payload
    assert call.params["caption"] == "Your invoice"


async def test_photo_chat_action_edit_and_callback(telegram_api: BotApiStandIn) -> None:
    async with _bot(telegram_api) as bot:
        photo = await bot.send_photo(chat_id=42, photo=b"\x89PNG fake", caption="look")
        assert photo.photo[-1].file_size == len(b"\x89PNG fake")
        assert await bot.send_chat_action(chat_id=42, action="typing")
        msg = await bot.send_message(chat_id=42, text="v1")
        edited = await bot.edit_message_text("v2", chat_id=42, message_id=msg.message_id)
        assert isinstance(edited, type(msg))
        assert edited.text == "v2"
        assert edited.edit_date is not None
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("v2", chat_id=42, message_id=msg.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=42, message_id=999)
        assert await bot.answer_callback_query("cbq-1", text="Closed")


async def test_blocked_user_raises_forbidden(telegram_api: BotApiStandIn) -> None:
    telegram_api.fail(42, 403)
    async with _bot(telegram_api) as bot:
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(chat_id=42, text="Hello")
        await bot.send_message(chat_id=43, text="others still work")
    [failed, ok] = telegram_api.calls("sendMessage")
    assert failed.error_code == 403
    assert ok.error_code is None


async def test_flood_limit_raises_retry_after(
    telegram_api: BotApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading RetryAfter.retry_after as int is deprecated in PTB 22.2+ (a warning, an error here).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    telegram_api.fail(42, 429, method="sendMessage", retry_after=7, times=1)
    async with _bot(telegram_api) as bot:
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(chat_id=42, text="Hello")
        assert flood.value.retry_after == dtm.timedelta(seconds=7)
        await bot.send_message(chat_id=42, text="Hello")  # times=1: the retry succeeds


async def test_bad_request_and_unknown_token(telegram_api: BotApiStandIn) -> None:
    telegram_api.fail(42, 400)
    async with _bot(telegram_api) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(chat_id=42, text="Hello")
    with pytest.raises(InvalidToken):
        async with _bot(telegram_api, "999:unknown"):
            pass


async def test_several_bots(telegram_api: BotApiStandIn) -> None:
    telegram_api.add_bot("555:second", username="sales_bot", first_name="Sales")
    async with _bot(telegram_api, "555:second") as sales, _bot(telegram_api) as support:
        assert sales.username == "sales_bot"
        assert sales.id == 555
        await sales.send_message(chat_id=1, text="from sales")
        await support.send_message(chat_id=1, text="from support")
    assert telegram_api.sent_texts(1, token="555:second") == ["from sales"]


async def test_get_updates_offset_and_long_poll(telegram_api: BotApiStandIn) -> None:
    token = telegram_api.token
    first = telegram_api.queue_update(token, text_message_update(42, "/start"))
    telegram_api.queue_update(token, text_message_update(42, "hello", message_id=2))
    async with _bot(telegram_api) as bot:
        updates = await bot.get_updates(timeout=0)
        assert [u.update_id for u in updates] == [first, first + 1]
        assert isinstance(updates[0], Update)
        assert updates[0].message is not None
        assert updates[0].message.text == "/start"
        # Confirming via offset drops the earlier updates for good.
        assert await bot.get_updates(offset=first + 2, timeout=0) == ()
        assert await bot.get_updates(timeout=0) == ()

        async def later() -> None:
            await asyncio.sleep(0.3)
            telegram_api.queue_update(token, text_message_update(42, "late", message_id=3))

        task = asyncio.create_task(later())
        [late] = await bot.get_updates(offset=first + 2, timeout=5)
        await task
    # Queued 0.3 s into the long poll: the poll waited for it and answered with it (had it
    # answered at once or run out its 5 s, the list would be empty).
    assert late.update_id == first + 2


async def test_webhook_blocks_get_updates(telegram_api: BotApiStandIn) -> None:
    async with _bot(telegram_api) as bot:
        assert await bot.set_webhook("https://helpdesk.example.test/tg", secret_token="s")
        assert telegram_api.webhook() == {
            "url": "https://helpdesk.example.test/tg",
            "secret_token": "s",
            "allowed_updates": None,
        }
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()


async def test_json_body_and_incoming_file(telegram_api: BotApiStandIn) -> None:
    file_id = telegram_api.add_file(b"customer screenshot", "shot.png")
    async with httpx.AsyncClient() as client:
        url = f"{telegram_api.base_url}{telegram_api.token}"
        res = await client.post(f"{url}/sendMessage", json={"chat_id": 5, "text": "json"})
        assert res.json()["result"]["text"] == "json"
        info = (await client.post(f"{url}/getFile", json={"file_id": file_id})).json()
        path = info["result"]["file_path"]
        body = await client.get(f"{telegram_api.base_file_url}{telegram_api.token}/{path}")
        missing = await client.post(f"{url}/noSuchMethod")
    assert body.content == b"customer screenshot"
    assert missing.status_code == 404
    assert telegram_api.calls("sendMessage")[0].params == {"chat_id": 5, "text": "json"}

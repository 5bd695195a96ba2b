"""Update kinds: edits, files, albums, groups, migration, buttons, polling, rate limits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from channels.base import Attachment
from channels.chat.tables import bot_t, update_t
from helpdesk import services
from helpdesk.domain import DeliveryState, OutboxStatus
from helpdesk.runtime import Job, Parts, Runtime
from helpdesk.services import Actor
from helpdesk.tables import attachment_t, audit_t, outbox_t
from tests.channels.chat.conftest import Chat
from tests.support.telegram_api import callback_query_update, text_message_update


def _with(update: dict[str, Any], **fields: Any) -> dict[str, Any]:
    drop = fields.pop("drop", ())
    message = {k: v for k, v in update["message"].items() if k not in drop}
    return {"message": {**message, **fields}}


async def _rows(chat: Chat, table: Any) -> list[dict[str, Any]]:
    async with chat.rt.stores() as store:
        return [dict(r) for r in (await store.execute(select(table))).mappings()]


async def test_an_edit_is_recorded_as_an_edit_not_a_new_message(chat: Chat) -> None:
    original = text_message_update(21, "my order 1234", message_id=3)
    await chat.send(original)
    edited = {"edited_message": {**original["message"], "text": "my order 1243",
                                 "edit_date": original["message"]["date"] + 60}}  # fmt: skip
    await chat.send(edited)
    [message] = await chat.messages()
    assert message["text"] == "my order 1243"
    assert message["meta"]["edits"][0]["previous_text"] == "my order 1234"
    kinds = [a["kind"] for a in await _rows(chat, audit_t)]
    assert "message_edited" in kinds


async def test_photos_and_documents_become_attachments_and_oversized_ones_are_noted(
    chat: Chat,
) -> None:
    big = chat.api.add_file(b"\x89PNG big", "big.png")
    small = chat.api.add_file(b"thumb", "small.jpg")
    doc = chat.api.add_file(b"%PDF-1.4 invoice", "invoice.pdf")
    base = text_message_update(31, "x", message_id=1)
    photo = _with(base, drop=("text",), caption="see photo", photo=[
        {"file_id": small, "file_unique_id": "s", "width": 90, "height": 90, "file_size": 5},
        {"file_id": big, "file_unique_id": "b", "width": 800, "height": 600, "file_size": 8},
    ])  # fmt: skip
    document = _with(base, drop=("text",), message_id=2, document={
        "file_id": doc, "file_unique_id": "d", "file_name": "invoice.pdf",
        "mime_type": "application/pdf", "file_size": 16})  # fmt: skip
    huge = _with(base, drop=("text",), message_id=3, document={
        "file_id": doc, "file_unique_id": "h", "file_name": "huge.iso",
        "mime_type": "application/octet-stream", "file_size": 50 * 1024 * 1024})  # fmt: skip
    for update in (photo, document, huge):
        await chat.send(update)

    [ticket] = await chat.tickets()
    messages = await chat.messages(ticket["id"])
    assert messages[0]["text"] == "see photo"
    files = {a["filename"]: a for a in await _rows(chat, attachment_t)}
    assert set(files) == {"photo_b.jpg", "invoice.pdf"}  # the largest photo size only
    assert await chat.rt.blobs.get(files["invoice.pdf"]["sha256"]) == b"%PDF-1.4 invoice"
    assert "huge.iso" in messages[2]["text"] and "limit" in messages[2]["text"]


async def test_a_media_group_is_one_ticket_with_all_its_files(chat: Chat) -> None:
    base = text_message_update(32, "x", message_id=1)
    albums = []
    for n in (1, 2, 3):
        file_id = chat.api.add_file(f"photo {n}".encode(), f"p{n}.jpg")
        sizes = [{"file_id": file_id, "file_unique_id": f"u{n}", "width": 10, "height": 10}]
        caption = {"caption": "two photos"} if n == 1 else {}
        album = _with(
            base, drop=("text",), message_id=n, media_group_id="album1", photo=sizes, **caption
        )
        albums.append(album)
    # Telegram delivers an album's parts back to back (or at once, with several connections).
    responses = await asyncio.gather(*(chat.post(album) for album in albums))
    assert [r.status_code for r in responses] == [200, 200, 200]
    await chat.settle()
    [ticket] = await chat.tickets()
    assert len(await chat.messages(ticket["id"])) == 3
    assert len(await _rows(chat, attachment_t)) == 3


async def test_agent_attachments_go_out_as_documents(chat: Chat) -> None:
    await chat.send(text_message_update(33, "send me the manual", message_id=1))
    [ticket] = await chat.tickets()
    manual = Attachment("manual.pdf", "application/pdf", 9, b"%PDF-man")
    async with chat.rt.stores() as store:
        await services.reply(store, ticket["id"], Actor.system(), "here", attachments=[manual])
    await chat.settle()
    assert chat.api.sent_texts(33) == ["here"]
    [call] = chat.api.calls("sendDocument")
    assert call.files["document"].content == b"%PDF-man"
    assert call.files["document"].filename == "manual.pdf"


async def test_group_chat_is_one_ticket_that_survives_supergroup_migration(chat: Chat) -> None:
    group, supergroup = -4001, -1004001
    await chat.send(text_message_update(group, "the office printer", message_id=1, user_id=41))
    await chat.send(text_message_update(group, "same here", message_id=2, user_id=42))
    migrate = _with(text_message_update(group, "x", message_id=3, user_id=41),
                    drop=("text",), migrate_to_chat_id=supergroup)  # fmt: skip
    await chat.send(migrate)
    await chat.send(text_message_update(supergroup, "still broken", message_id=1, user_id=42))

    [ticket] = await chat.tickets()
    assert [m["text"] for m in await chat.messages(ticket["id"])] == [
        "the office printer", "same here", "still broken"
    ]  # fmt: skip
    senders = {m["author_customer_id"] for m in await chat.messages(ticket["id"])}
    assert len(senders) == 2  # each member is their own customer on the one ticket
    async with chat.rt.stores() as store:
        await services.reply(store, ticket["id"], Actor.system(), "fixed")
    await chat.settle()
    assert chat.api.sent_texts(supergroup) == ["fixed"]


async def test_button_presses_are_answered_and_routed_to_a_registered_hook(chat: Chat) -> None:
    seen: list[tuple[Any, ...]] = []

    async def hook(rt: Runtime, *args: Any) -> None:
        seen.append(args)

    chat.rt.add("test", Parts(jobs=[Job("telegram_callback:vote", hook)]))
    await chat.send(text_message_update(51, "help", message_id=1))
    [ticket] = await chat.tickets()
    bot_message = {"message_id": 2, "date": 1, "chat": {"id": 51, "type": "private"},
                   "text": "Rate us"}  # fmt: skip
    await chat.send(callback_query_update(51, "vote:tok:5", message=bot_message, query_id="q1"))
    await chat.send(callback_query_update(51, "other:1", message=bot_message, query_id="q2"))
    answered = [c.params["callback_query_id"] for c in chat.api.calls("answerCallbackQuery")]
    assert answered == ["q1", "q2"]
    assert seen == [("support", 51, 51, "vote:tok:5", ticket["id"])]
    assert len(await chat.messages()) == 1  # a button press is not a message


async def test_flood_control_retry_after_is_honoured(chat: Chat) -> None:
    await chat.send(text_message_update(61, "hi", message_id=1))
    [ticket] = await chat.tickets()
    chat.api.fail(61, 429, retry_after=7, times=1)
    async with chat.rt.stores() as store:
        posted = await services.reply(store, ticket["id"], Actor.system(), "hello")
    await chat.settle()
    [entry] = await _rows(chat, outbox_t)
    assert entry["status"] == OutboxStatus.PENDING.value
    now = chat.rt.clock.now()
    assert entry["next_attempt_at"] - now == timedelta(seconds=7)

    chat.rt.clock.advance(seconds=8)  # type: ignore[attr-defined]
    assert await chat.rt.run_job("deliver_outbox", posted.outbox_id) == "sent"
    assert chat.api.sent_texts(61) == ["hello"]
    [message] = [m for m in await chat.messages() if m["id"] == posted.message_id]
    assert message["delivery_state"] == DeliveryState.SENT.value


async def test_polling_mode_picks_updates_up_and_keeps_its_offset(chat: Chat) -> None:
    async with chat.rt.stores() as store:
        await store.execute(bot_t.update().values(mode="polling"))
    chat.api.queue_update(chat.api.token, text_message_update(71, "polled", message_id=1))
    chat.api.queue_update(chat.api.token, {"poll_answer": {"poll_id": "1", "option_ids": []}})
    assert await chat.rt.run_job("telegram_poll") == 2
    await chat.settle()
    assert await chat.rt.run_job("telegram_poll") == 0  # the offset moved past them
    [ticket] = await chat.tickets()
    assert [m["text"] for m in await chat.messages(ticket["id"])] == ["polled"]
    [bot] = await _rows(chat, bot_t)
    assert bot["poll_offset"] == max(u["update_id"] for u in await _rows(chat, update_t)) + 1

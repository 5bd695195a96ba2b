"""The acknowledgement in Telegram (Bot API stand-in): due time in the user's language, the
out-of-hours notice from the business calendar, and the per-customer throttle, all on the
injected clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from helpdesk.ports import FixedClock
from tests.autoreplies.support import auto_replies, office_hours_policy, timeline
from tests.channels.chat.conftest import Chat, chat
from tests.support.telegram_api import text_message_update

__all__ = ["chat"]


def _in(language: str, update: dict[str, Any]) -> dict[str, Any]:
    update["message"]["from"]["language_code"] = language
    return update


def _acks(chat: Chat, chat_id: int) -> list[str]:
    return [t for t in chat.api.sent_texts(chat_id) if "#" in t]


async def test_a_turkish_chat_is_acknowledged_with_its_number_and_due_time(chat: Chat) -> None:
    await office_hours_policy(chat.rt)
    await chat.send(_in("tr", text_message_update(61, "Kargom nerede?", message_id=1)))
    [ticket] = await chat.tickets()
    [ack] = _acks(chat, 61)
    assert f"#{ticket['number']} numaralı talep" in ack
    assert "Pazartesi 23 Kasım 2026, 16:00 (Europe/Istanbul)" in ack

    await chat.send(_in("tr", text_message_update(61, "Sipariş AB-1", message_id=2)))
    assert len(_acks(chat, 61)) == 1  # the same ticket is acknowledged once


async def test_out_of_hours_the_acknowledgement_says_when_we_open(chat: Chat) -> None:
    clock = chat.rt.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))  # Friday 20:30 in Istanbul
    await office_hours_policy(chat.rt)
    await chat.send(text_message_update(62, "Where is my parcel?", message_id=1))
    [ack] = _acks(chat, 62)
    assert "We are closed right now and open again on Monday 09:00." in ack
    # Four office hours from Monday 09:00.
    assert "first reply by Monday 30 November 2026, 13:00 (Europe/Istanbul)" in ack


async def test_in_hours_there_is_no_closed_notice(chat: Chat) -> None:
    await office_hours_policy(chat.rt)  # Monday 12:00 in Istanbul
    await chat.send(text_message_update(63, "Where is my parcel?", message_id=1))
    [ack] = _acks(chat, 63)
    assert "closed" not in ack and "Monday 23 November 2026, 16:00" in ack


async def test_a_customer_opening_many_tickets_is_throttled_then_acknowledged_again(
    chat: Chat,
) -> None:
    clock = chat.rt.clock
    assert isinstance(clock, FixedClock)
    for n in range(4):  # four tickets within the hour: `/new` starts each
        await chat.send(text_message_update(64, "/new", message_id=10 * n + 1))
        await chat.send(text_message_update(64, f"problem {n}", message_id=10 * n + 2))
        clock.advance(minutes=5)
    tickets = await chat.tickets()
    assert len(tickets) == 4
    assert len(_acks(chat, 64)) == 3
    statuses = [r["status"] for r in await auto_replies(chat.rt)]
    assert statuses == ["queued", "queued", "queued", "throttled"]
    withheld = [a for a in await timeline(chat.rt, tickets[3]["id"]) if "auto_reply" in a["kind"]]
    assert [a["kind"] for a in withheld] == ["auto_reply_withheld"]

    clock.advance(hours=1)  # the window has passed
    await chat.send(text_message_update(64, "/new", message_id=91))
    await chat.send(text_message_update(64, "problem 5", message_id=92))
    assert len(_acks(chat, 64)) == 4

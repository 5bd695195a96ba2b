"""What a fault trial left behind, read from the database and the sinks: which tickets and
replies exist, what the outbox still holds, and the per-trial counts `bench.crash` prints."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from typing import Any

from sqlalchemy import select

from bench._crash_world import SETTLE_TIMEOUT, ChatLog, Request, Sink, Trial
from helpdesk.domain import OutboxStatus
from helpdesk.runtime import Runtime
from helpdesk.tables import message_t, outbox_t, ticket_t


async def reply_stored(rt: Runtime, marker: str) -> bool:
    async with rt.stores() as store:
        found = await store.execute(select(message_t.c.id).where(message_t.c.text == marker))
        return found.first() is not None


async def ticket_of(rt: Runtime, req: Request) -> int | None:
    """The ticket a create (by subject) or a chat message (by its text) opened, once it exists."""
    query = (
        select(ticket_t.c.id).where(ticket_t.c.subject == req.marker)
        if req.kind in ("create", "form")
        else select(message_t.c.ticket_id).where(message_t.c.text == req.marker)
    )
    async with rt.stores() as store:
        value = (await store.execute(query.limit(1))).scalar_one_or_none()
    return None if value is None else int(value)


async def pending_at_kill(rt: Runtime) -> tuple[int, set[str]]:
    """Entries claimed but not recorded (in flight), and the markers of everything not sent."""
    async with rt.stores() as store:
        rows = (
            await store.execute(
                select(outbox_t.c.status, outbox_t.c.payload, message_t.c.text, ticket_t.c.number)
                .join(message_t, message_t.c.id == outbox_t.c.message_id, isouter=True)
                .join(ticket_t, ticket_t.c.id == outbox_t.c.ticket_id)
                .where(
                    outbox_t.c.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value])
                )
            )
        ).all()
    in_flight = sum(1 for r in rows if r.status == OutboxStatus.SENDING.value)
    markers = {
        r.text if r.text is not None else str((r.payload or {}).get("subject", "")) for r in rows
    }
    return in_flight, markers


def _delivered(sink: Sink, chat: ChatLog) -> list[tuple[float, str]]:
    return [(t, f"{subject}\n{body}") for t, subject, body in sink.mail] + chat.seen


async def settle(
    trial: Trial, rt: Runtime, sink: Sink, chat: ChatLog, requests: list[Request]
) -> dict[str, Any]:
    """Wait for every acknowledged reply to arrive, then count."""
    replies = [r for r in requests if r.kind == "reply" and r.acked]
    opened = [r for r in requests if r.kind != "reply" and r.acked]
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        chat.poll()
        texts = [text for _, text in _delivered(sink, chat)]
        missing = [r for r in replies if not any(_mentions(t, r.marker) for t in texts)]
        missing += [r for r in opened if await ticket_of(rt, r) is None]
        if not missing and not await _unsent(rt):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # a late duplicate would show now
    chat.poll()
    delivered = _delivered(sink, chat)

    async with rt.stores() as store:
        subjects = Counter((await store.execute(select(ticket_t.c.subject))).scalars().all())
        first_texts = (await store.execute(select(message_t.c.text))).scalars().all()
    lost: list[str] = []
    duplicate_tickets = 0
    for req in requests:
        if not req.acked:
            continue
        if req.kind in ("create", "form"):
            found = subjects.get(req.marker, 0)
        elif req.kind == "telegram":
            found = sum(1 for t in first_texts if t == req.marker)
        else:
            found = sum(1 for _, t in delivered if _mentions(t, req.marker))
        if found == 0:
            lost.append(req.marker)
        if req.kind != "reply":
            duplicate_tickets += max(found - 1, 0)
    copies: Counter[str] = Counter()
    for req in requests:
        if req.kind == "reply":
            copies[req.marker] = sum(1 for _, t in delivered if _mentions(t, req.marker))
    duplicate_deliveries = sum(max(n - 1, 0) for n in copies.values())
    worst = 0.0
    for marker in trial.pending_markers:
        times = [t for t, text in delivered if _mentions(text, marker)]
        worst = max(worst, min(times) - trial.restarted_at) if times else float("inf")
    return {
        "killed": "+".join(trial.killed),
        "requests": len(requests),
        "emails": len(sink.mail),
        "chats": len(chat.seen),
        "unacked_resent": sum(1 for r in requests if r.attempts > 1),
        "lost": len(lost),
        "lost_markers": lost,
        "duplicate_tickets": duplicate_tickets,
        "duplicate_deliveries": duplicate_deliveries,
        "in_flight": trial.in_flight,
        "pending_at_kill": len(trial.pending_markers),
        "worst_restart_to_delivery_s": max(worst, 0.0),
        "unsent_left": await _unsent(rt),
    }


def _mentions(text: str, marker: str) -> bool:
    # "t s1-reply-1" must not match "t s1-reply-10".
    return re.search(re.escape(marker) + r"(?![0-9])", text) is not None


async def _unsent(rt: Runtime) -> int:
    async with rt.stores() as store:
        rows = await store.execute(
            select(outbox_t.c.id).where(
                outbox_t.c.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value])
            )
        )
        return len(rows.all())

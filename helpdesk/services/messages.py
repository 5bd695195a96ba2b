"""Agent and bot messages on a ticket: public replies (delivered through the outbox) and notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import RowMapping

from helpdesk import events
from helpdesk.domain import (
    Actor,
    AuditKind,
    AuthorKind,
    DeliveryState,
    Direction,
    Status,
    can_transition,
    status_after_agent_reply,
)
from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.inbound import Attachment
from helpdesk.services import notifications, outbox
from helpdesk.services._common import audit, ticket_row, touch
from helpdesk.services.attachments import store_attachments
from helpdesk.store import Store
from helpdesk.tables import message_t


@dataclass(frozen=True, slots=True)
class Posted:
    message_id: int
    outbox_id: int | None


async def reply(
    store: Store,
    ticket_id: int,
    actor: Actor,
    text: str,
    *,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    status: Status | None = None,
    kind: str = "reply",
    extra: dict[str, Any] | None = None,
) -> Posted:
    """A public reply to the customer, queued for delivery through the ticket's channel.

    The message and its outbox entry are written in this transaction; delivery happens after
    commit, so a rollback sends nothing and a crash after commit still sends it once.
    `extra` is handed to the channel's sender (Telegram buttons under a bot's question).
    """
    if not text.strip() and not attachments:
        raise ValidationFailed({"text": "a reply needs text or an attachment"})
    ticket = await ticket_row(store, ticket_id, for_update=True)
    if ticket["status"] == Status.CLOSED.value:
        raise Conflict(
            f"ticket #{ticket['number']} is closed; the customer's next message opens a follow-up"
        )
    old = Status(ticket["status"])
    new = status_after_agent_reply(old, status)
    if not can_transition(old, new):
        raise Conflict(f"a {old.value} ticket cannot become {new.value}")
    now = store.now()
    message_id = await _insert_message(
        store, ticket, actor, Direction.OUTBOUND, text, html, DeliveryState.QUEUED, kind
    )
    if attachments:
        await store_attachments(store, message_id, tuple(attachments))
    outbox_id = await outbox.enqueue(
        store,
        ticket_id,
        kind=kind,
        channel=ticket["channel"],
        message_id=message_id,
        payload=dict(extra or {}),
    )
    changes: dict[str, object] = {}
    if new != old:
        changes["status"] = new.value
        if new is Status.SOLVED:
            changes["solved_at"] = now
        elif old is Status.SOLVED:
            changes["solved_at"] = None
    await touch(store, ticket_id, **changes)
    await audit(store, ticket_id, actor, AuditKind.REPLY_ADDED, message_id=message_id, kind=kind)
    if new != old:
        await audit(store, ticket_id, actor, AuditKind.STATUS_CHANGED, old=old.value, new=new.value)
    store.record(
        events.MessageAdded(
            ticket_id=ticket_id,
            at=now,
            message_id=message_id,
            direction=Direction.OUTBOUND.value,
            author_kind=actor.kind.value,
        ),
    )
    if new != old:
        store.record(events.StatusChanged(ticket_id=ticket_id, at=now, old=old, new=new))
    return Posted(message_id, outbox_id)


async def add_note(
    store: Store,
    ticket_id: int,
    actor: Actor,
    text: str,
    *,
    attachments: Sequence[Attachment] = (),
) -> Posted:
    """An internal note: visible to agents only, never sent, fulfils no SLA metric.
    Colleagues it @mentions get a notification."""
    if not text.strip():
        raise ValidationFailed({"text": "a note needs text"})
    ticket = await ticket_row(store, ticket_id, for_update=True)
    message_id = await _insert_message(
        store, ticket, actor, Direction.NOTE, text, None, None, "note"
    )
    if attachments:
        await store_attachments(store, message_id, tuple(attachments))
    await touch(store, ticket_id)
    await audit(store, ticket_id, actor, AuditKind.NOTE_ADDED, message_id=message_id)
    await notifications.notify_mentions(store, ticket_id, ticket["number"], actor, text)
    store.record(
        events.MessageAdded(
            ticket_id=ticket_id,
            at=store.now(),
            message_id=message_id,
            direction=Direction.NOTE.value,
            author_kind=actor.kind.value,
        )
    )
    return Posted(message_id, None)


async def _insert_message(
    store: Store,
    ticket: RowMapping,
    actor: Actor,
    direction: Direction,
    text: str,
    html: str | None,
    delivery: DeliveryState | None,
    kind: str,
) -> int:
    author = actor.kind if actor.kind is not AuthorKind.CUSTOMER else AuthorKind.SYSTEM
    result = await store.execute(
        insert(message_t)
        .values(
            ticket_id=ticket["id"],
            direction=direction.value,
            author_kind=author.value,
            author_user_id=actor.user_id,
            channel=ticket["channel"],
            subject=ticket["subject"],
            text=text,
            full_text=text,
            html=html,
            references=[],
            delivery_state=delivery.value if delivery else None,
            meta={"kind": kind} if kind not in ("reply", "note") else {},
            created_at=store.now(),
        )
        .returning(message_t.c.id)
    )
    return int(result.scalar_one())

"""Split one customer message off a ticket into a new ticket (a second question asked in the
same thread), the mirror of merge."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from helpdesk import events
from helpdesk.domain import Actor, AuditKind, Direction, ParticipantRole, Status
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.security import new_ticket_token
from helpdesk.services import customers
from helpdesk.services._common import audit, next_ticket_number, ticket_row, touch
from helpdesk.store import Store
from helpdesk.tables import message_t, thread_key_t, ticket_t


@dataclass(frozen=True, slots=True)
class SplitResult:
    ticket_id: int
    number: int


async def split_message(store: Store, message_id: int, actor: Actor) -> SplitResult:
    """Move one inbound message to a new ticket for the same customer.

    The new ticket keeps the source's team, category, priority and language, starts unassigned
    and new; the message's attachments go with it, and so do its thread keys, so the customer's
    reply to that message lands in the new ticket. Both tickets record the split.
    """
    message = (
        (await store.execute(select(message_t).where(message_t.c.id == message_id)))
        .mappings()
        .first()
    )
    if message is None:
        raise NotFound(f"message {message_id} not found")
    if message["direction"] != Direction.INBOUND.value or message["author_customer_id"] is None:
        raise ValidationFailed({"message_id": "only a customer's message can be split off"})
    source = await ticket_row(store, int(message["ticket_id"]), for_update=True)
    if source["merged_into_id"] is not None:
        raise Conflict(f"ticket #{source['number']} is merged; split from the ticket it went to")
    first = (
        await store.execute(
            select(message_t.c.id)
            .where(
                message_t.c.ticket_id == source["id"],
                message_t.c.direction == Direction.INBOUND.value,
            )
            .order_by(message_t.c.created_at, message_t.c.id)
            .limit(1)
        )
    ).scalar_one()
    if first == message_id:
        raise Conflict("the ticket's first message opened it; it cannot be split off")
    now = store.now()
    number = await next_ticket_number(store)
    subject = (message["subject"] or "").strip() or _subject(message["text"] or "")
    customer_id = int(message["author_customer_id"])
    new_id = (
        await store.execute(
            insert(ticket_t)
            .values(
                number=number,
                token=new_ticket_token(),
                subject=subject[:998],
                status=Status.NEW.value,
                priority=source["priority"],
                category_id=source["category_id"],
                team_id=source["team_id"],
                requester_id=customer_id,
                channel=message["channel"],
                source=source["source"],
                language=source["language"],
                tags=[],
                created_at=now,
                updated_at=now,
            )
            .returning(ticket_t.c.id)
        )
    ).scalar_one()
    await customers.add_participant(store, new_id, customer_id, ParticipantRole.REQUESTER)
    await store.execute(
        update(message_t).where(message_t.c.id == message_id).values(ticket_id=new_id)
    )
    await store.execute(
        update(thread_key_t).where(thread_key_t.c.message_id == message_id).values(ticket_id=new_id)
    )
    await touch(store, int(source["id"]))
    await audit(
        store, int(source["id"]), actor, AuditKind.SPLIT_INTO,
        ticket_id=new_id, number=number, message_id=message_id,
    )  # fmt: skip
    await audit(
        store, new_id, actor, AuditKind.SPLIT_FROM,
        ticket_id=int(source["id"]), number=int(source["number"]), message_id=message_id,
    )  # fmt: skip
    store.record(
        events.TicketCreated(ticket_id=new_id, at=now, channel=message["channel"]),
        events.MessageSplit(
            ticket_id=int(source["id"]), at=now, message_id=message_id, new_ticket_id=new_id
        ),
    )
    return SplitResult(new_id, number)


def _subject(text: str) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line[:120] or "(split message)"

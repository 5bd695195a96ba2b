"""Storing one inbound message row (shared by ingest and bounce handling)."""

from __future__ import annotations

from sqlalchemy import insert

from helpdesk.domain import AuthorKind, Direction
from helpdesk.inbound import InboundMessage
from helpdesk.services.attachments import store_attachments
from helpdesk.store import Store
from helpdesk.tables import message_t, thread_key_t

_INSERT_MESSAGE = insert(message_t).returning(message_t.c.id)


async def store_inbound_message(
    store: Store,
    ticket_id: int,
    message: InboundMessage,
    customer_id: int,
    raw_ref: str | None,
    *,
    author_kind: AuthorKind = AuthorKind.CUSTOMER,
) -> int:
    now = store.now()
    meta: dict[str, object] = {"sent_at": (message.received_at or now).isoformat()}
    if message.extra:
        meta["extra"] = [list(pair) for pair in message.extra]
    if message.recipients:
        meta["to"] = [i.address for i in message.recipients]
    if message.cc:
        meta["cc"] = [i.address for i in message.cc]
    hints = _hints(message)
    if hints:
        meta["hints"] = hints
    message_id = (
        await store.execute(
            _INSERT_MESSAGE,
            {
                "ticket_id": ticket_id,
                "direction": Direction.INBOUND.value,
                "author_kind": author_kind.value,
                "author_customer_id": customer_id,
                "author_user_id": None,
                "channel": message.channel,
                "external_id": message.external_id,
                "subject": message.subject[:998],
                "text": message.text,
                "full_text": message.full_text or message.text,
                "html": message.html,
                "references": list(message.references),
                "machine": message.machine.value if message.machine else None,
                "delivery_state": None,
                "delivery_error": None,
                "raw_ref": raw_ref,
                "meta": meta,
                "created_at": now,
            },
        )
    ).scalar_one()
    await store.execute(
        store.insert_ignoring_duplicates(thread_key_t),
        {"key": message.external_id, "ticket_id": ticket_id, "message_id": message_id},
    )
    if message.attachments:
        await store_attachments(store, message_id, message.attachments)
    return int(message_id)


def _hints(message: InboundMessage) -> dict[str, str]:
    """The channel's routing suggestions, kept for routing (which decides after commit)."""
    found = {
        "category": message.category,
        "team": message.team,
        "priority": message.priority,
        "language": message.language,
    }
    return {k: v for k, v in found.items() if v}


def as_bytes(message: InboundMessage) -> bytes:
    return (
        f"From: {message.sender.address}\nSubject: {message.subject}\n\n{message.full_text}"
    ).encode()

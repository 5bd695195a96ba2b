"""Conversation keys and customer edits: what a chat-like channel needs from the core.

A conversation key (a Telegram chat) points at the ticket its next message lands in; these
services move or release that pointer and record customer edits of stored messages, each with
an audit entry and an event, so SLA, live views and webhooks hear of them like any change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from helpdesk import events
from helpdesk.domain import Actor, AuditKind, AuthorKind
from helpdesk.services._common import audit
from helpdesk.store import Store
from helpdesk.tables import message_t, thread_key_t


async def conversation_ticket(store: Store, key: str) -> int | None:
    """The ticket a conversation key points at, or None."""
    found = (
        await store.execute(select(thread_key_t.c.ticket_id).where(thread_key_t.c.key == key))
    ).scalar_one_or_none()
    return None if found is None else int(found)


async def release_conversation(store: Store, key: str) -> int | None:
    """Stop the key pointing at its ticket, so the next message opens a new one.

    Returns the ticket it pointed at (None when it pointed nowhere; then nothing is recorded).
    """
    ticket_id = await conversation_ticket(store, key)
    if ticket_id is None:
        return None
    await store.execute(delete(thread_key_t).where(thread_key_t.c.key == key))
    await audit(store, ticket_id, Actor.system(), AuditKind.CONVERSATION_RELEASED, key=key)
    store.record(events.ConversationReleased(ticket_id=ticket_id, at=store.now(), key=key))
    return ticket_id


async def move_conversation(store: Store, old_key: str, new_key: str) -> int | None:
    """The channel renamed a conversation (a Telegram group became a supergroup): the new key
    points where the old one did, unless it already points somewhere. Safe to repeat."""
    ticket_id = await conversation_ticket(store, old_key)
    if ticket_id is not None and await conversation_ticket(store, new_key) is None:
        await store.execute(
            store.insert_ignoring_duplicates(thread_key_t).values(key=new_key, ticket_id=ticket_id)
        )
    return ticket_id


async def edit_message(
    store: Store, channel: str, external_id: str, text: str, edited_at: datetime | None
) -> int | None:
    """The customer edited a message we stored: its text becomes the new one, the old text is
    kept in `meta["edits"]`, and the ticket's timeline gets a `message_edited` entry.

    Returns the ticket id, or None when no message has that id (the caller stores it instead).
    """
    row = (
        await store.execute(
            select(
                message_t.c.id,
                message_t.c.ticket_id,
                message_t.c.text,
                message_t.c.meta,
                message_t.c.author_customer_id,
            ).where(message_t.c.channel == channel, message_t.c.external_id == external_id)
        )
    ).first()
    if row is None:
        return None
    ticket_id = int(row.ticket_id)
    if row.text == text:
        return ticket_id  # a redelivered edit, or a media-only edit
    meta = dict(row.meta or {})
    when = (edited_at or store.now()).isoformat()
    meta["edits"] = [*meta.get("edits", []), {"previous_text": row.text, "edited_at": when}]
    await store.execute(
        update(message_t)
        .where(message_t.c.id == row.id)
        .values(text=text, full_text=text, meta=meta)
    )
    actor = Actor(AuthorKind.CUSTOMER, customer_id=row.author_customer_id)
    await audit(
        store, ticket_id, actor, AuditKind.MESSAGE_EDITED, message_id=int(row.id), edited_at=when
    )
    store.record(events.MessageEdited(ticket_id=ticket_id, at=store.now(), message_id=int(row.id)))
    return ticket_id

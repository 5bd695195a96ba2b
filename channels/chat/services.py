"""State changes of the Telegram channel. Like the core's services, each takes a `Store` and
neither commits nor sends: the caller's unit of work does, and side effects follow the commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from channels.chat.inbound import conversation_key
from channels.chat.tables import migration_t, ticket_chat_t, update_t
from helpdesk.services import Store, conversations


async def record_update(
    store: Store, bot_id: int, update_id: int, kind: str, raw: dict[str, Any]
) -> int | None:
    """Keep a received update; its row id, or None when (bot, update_id) was already received."""
    result = await store.execute(
        store.insert_ignoring_duplicates(update_t)
        .values(
            bot_id=bot_id,
            update_id=update_id,
            kind=kind,
            raw=raw,
            status="pending",
            received_at=store.now(),
        )
        .returning(update_t.c.id)
    )
    row_id = result.scalar_one_or_none()
    return None if row_id is None else int(row_id)


async def load_update(store: Store, row_id: int) -> dict[str, Any] | None:
    row = (await store.execute(select(update_t).where(update_t.c.id == row_id))).mappings().first()
    return None if row is None else dict(row)


async def finish_update(store: Store, row_id: int, status: str, outcome: str) -> bool:
    """Mark a pending update done or failed; False when another run already finished it."""
    result = await store.execute(
        update(update_t)
        .where(update_t.c.id == row_id, update_t.c.status == "pending")
        .values(status=status, outcome=outcome[:4000], processed_at=store.now())
    )
    return bool(getattr(result, "rowcount", 0))


async def stale_updates(store: Store, older_than: timedelta, limit: int = 200) -> list[int]:
    """Pending updates nobody processed (a lost job): the reconciliation pass re-arms them."""
    rows = await store.execute(
        select(update_t.c.id)
        .where(update_t.c.status == "pending", update_t.c.received_at <= store.now() - older_than)
        .order_by(update_t.c.id)
        .limit(limit)
    )
    return [int(r) for r in rows.scalars()]


async def point_ticket_chat(store: Store, ticket_id: int, bot_id: int, chat_id: int) -> None:
    """Replies on `ticket_id` go to `chat_id` through `bot_id`."""
    await store.execute(
        store.upsert(
            ticket_chat_t, index_elements=["ticket_id"], update=["bot_id", "chat_id"]
        ).values(ticket_id=ticket_id, bot_id=bot_id, chat_id=chat_id)
    )


async def ticket_chat(store: Store, ticket_id: int) -> tuple[int, int] | None:
    """(bot id, chat id) replies on the ticket go to, or None."""
    row = (
        await store.execute(
            select(ticket_chat_t.c.bot_id, ticket_chat_t.c.chat_id).where(
                ticket_chat_t.c.ticket_id == ticket_id
            )
        )
    ).first()
    return None if row is None else (int(row.bot_id), int(row.chat_id))


async def conversation_ticket(store: Store, bot_name: str, chat_id: int) -> int | None:
    return await conversations.conversation_ticket(store, conversation_key(bot_name, chat_id))


async def release_conversation(store: Store, bot_name: str, chat_id: int) -> int | None:
    """`/new`: the chat's next message opens a new ticket. Returns the ticket it was on."""
    return await conversations.release_conversation(store, conversation_key(bot_name, chat_id))


async def migrated_chat(store: Store, bot_id: int, chat_id: int) -> int | None:
    """The supergroup a group chat became, or None."""
    found = (
        await store.execute(
            select(migration_t.c.new_chat_id).where(
                migration_t.c.bot_id == bot_id, migration_t.c.old_chat_id == chat_id
            )
        )
    ).scalar_one_or_none()
    return None if found is None else int(found)


async def migrate_chat(
    store: Store, bot_id: int, bot_name: str, old_chat_id: int, new_chat_id: int
) -> None:
    """A group became a supergroup: its conversation and tickets move to the new chat id.

    Telegram announces it twice (in the old group and in the new supergroup); both are safe.
    """
    await store.execute(
        store.insert_ignoring_duplicates(migration_t).values(
            bot_id=bot_id, old_chat_id=old_chat_id, new_chat_id=new_chat_id, at=store.now()
        )
    )
    await store.execute(
        update(ticket_chat_t)
        .where(ticket_chat_t.c.bot_id == bot_id, ticket_chat_t.c.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
    )
    await conversations.move_conversation(
        store, conversation_key(bot_name, old_chat_id), conversation_key(bot_name, new_chat_id)
    )


async def record_edit(
    store: Store, external_id: str, text: str, edited_at: datetime | None
) -> int | None:
    """The customer edited a Telegram message we stored (see `conversations.edit_message`)."""
    return await conversations.edit_message(store, "telegram", external_id, text, edited_at)

"""Bots that answer first: a channel can start its new tickets with a bot user, which keeps them
out of human queues until it hands them over (or a supervisor takes them).

A bot works through the same services as a person (replies, notes, field changes, with
`Actor.user(id, bot=True)`); what is its own is only the ownership and the handover, recorded
on the ticket (`bot_id`, `handed_over_at`) and on the timeline.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select

from helpdesk import events
from helpdesk.answer_tables import bot_first_t
from helpdesk.domain import Actor, AuditKind, AuthorKind, Role
from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.services._common import audit, ticket_row, touch
from helpdesk.services.messages import add_note
from helpdesk.store import Store
from helpdesk.tables import user_t

# Built once: every new ticket asks.
_BOT_FIRST = select(bot_first_t.c.bot_id).where(bot_first_t.c.channel == bindparam("k_channel"))


async def bot_for_channel(store: Store, channel: str) -> int | None:
    """The bot that new tickets of `channel` start with, if any."""
    found = await store.execute(_BOT_FIRST, {"k_channel": channel})
    bot_id = found.scalar_one_or_none()
    return None if bot_id is None else int(bot_id)


async def set_bot_first(
    store: Store, channel: str, bot_id: int | None, *, faq: bool = False
) -> None:
    """Start new tickets of `channel` with bot user `bot_id` (None: with people again); `faq`:
    the built-in FAQ bot answers them as that user."""
    if bot_id is None:
        await store.execute(delete(bot_first_t).where(bot_first_t.c.channel == channel))
        return
    user = (
        (await store.execute(select(user_t.c.role, user_t.c.active).where(user_t.c.id == bot_id)))
        .mappings()
        .first()
    )
    if user is None or user["role"] != Role.BOT.value or not user["active"]:
        raise ValidationFailed({"bot_id": "must be an active user with the bot role"})
    await store.execute(
        store.upsert(bot_first_t, index_elements=["channel"], update=["bot_id", "faq"]).values(
            channel=channel, bot_id=bot_id, faq=faq, created_at=store.now()
        )
    )


async def bot_channels(store: Store) -> list[dict[str, object]]:
    """Every channel that starts with a bot: channel, bot_id, faq."""
    rows = await store.execute(
        select(bot_first_t.c.channel, bot_first_t.c.bot_id, bot_first_t.c.faq).order_by(
            bot_first_t.c.channel
        )
    )
    return [dict(row) for row in rows.mappings()]


async def faq_answers(store: Store, channel: str) -> bool:
    """Whether the built-in FAQ bot answers new tickets of `channel`."""
    found = await store.execute(select(bot_first_t.c.faq).where(bot_first_t.c.channel == channel))
    return bool(found.scalar_one_or_none())


async def hand_over(store: Store, ticket_id: int, actor: Actor, note: str = "") -> None:
    """Hand a bot's ticket to people: it enters the human queues now, and an SLA policy that
    says so starts its first-reply clock now. `note` (what the bot tried) becomes an internal
    note, so the agent who picks the ticket up sees it first."""
    ticket = await ticket_row(store, ticket_id, for_update=True)
    if ticket["bot_id"] is None:
        raise Conflict(f"ticket #{ticket['number']} is not a bot's ticket")
    if ticket["handed_over_at"] is not None:
        raise Conflict(f"ticket #{ticket['number']} was already handed over")
    if actor.kind is AuthorKind.BOT and actor.user_id != ticket["bot_id"]:
        raise Conflict(f"ticket #{ticket['number']} belongs to another bot")
    now = store.now()
    await touch(store, ticket_id, handed_over_at=now)
    if note.strip():
        await add_note(store, ticket_id, actor, note.strip())
    await audit(store, ticket_id, actor, AuditKind.HANDED_OVER, bot_id=ticket["bot_id"])
    store.record(events.TicketUpdated(ticket_id=ticket_id, at=now, fields=("handed_over_at",)))

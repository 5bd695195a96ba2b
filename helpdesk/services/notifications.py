"""The staff notification feed: mentions in notes and assignments, read and unread."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import insert, select, update

from helpdesk import events
from helpdesk.domain import Actor, Role
from helpdesk.store import Store
from helpdesk.tables import notification_t, user_t

# `@ayse` names the colleague whose email starts `ayse@`; `@ayse@demo.test` names the address
# outright. The local part is what colleagues already call each other by in mail.
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][\w.+-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")


async def notify(
    store: Store,
    user_id: int,
    *,
    kind: str,
    text: str,
    ticket_id: int,
    actor: Actor,
) -> int | None:
    """Add a feed entry for `user_id`; nothing when the user caused it themselves."""
    if actor.user_id == user_id:
        return None
    notification_id = int(
        (
            await store.execute(
                insert(notification_t)
                .values(
                    user_id=user_id,
                    ticket_id=ticket_id,
                    actor_user_id=actor.user_id,
                    kind=kind,
                    text=text[:1000],
                    created_at=store.now(),
                )
                .returning(notification_t.c.id)
            )
        ).scalar_one()
    )
    store.record(
        events.NotificationAdded(
            ticket_id=ticket_id,
            at=store.now(),
            notification_id=notification_id,
            user_id=user_id,
            kind=kind,
        )
    )
    return notification_id


def mentioned_handles(text: str) -> set[str]:
    """The lower-cased handles `@name` or `@name@domain` written in `text`."""
    return {m.group(1).rstrip(".").lower() for m in _MENTION.finditer(text)}


async def notify_mentions(
    store: Store, ticket_id: int, ticket_number: int, actor: Actor, text: str
) -> list[int]:
    """Notify every active colleague a note mentions; returns their user ids."""
    handles = mentioned_handles(text)
    if not handles:
        return []
    rows = await store.execute(
        select(user_t.c.id, user_t.c.email).where(
            user_t.c.active.is_(True), user_t.c.role != Role.BOT.value
        )
    )
    author = await _name(store, actor.user_id)
    notified: list[int] = []
    for row in rows:
        email = str(row.email).lower()
        if email in handles or email.split("@", 1)[0] in handles:
            excerpt = " ".join(text.split())[:200]
            if await notify(
                store,
                int(row.id),
                kind="mention",
                text=f"{author} mentioned you on #{ticket_number}: {excerpt}",
                ticket_id=ticket_id,
                actor=actor,
            ):
                notified.append(int(row.id))
    return notified


async def mark_read(store: Store, user_id: int, ids: Iterable[int] | None = None) -> None:
    """Mark some (or, with `ids` None, all) of a user's notifications read."""
    stmt = update(notification_t).where(
        notification_t.c.user_id == user_id, notification_t.c.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(notification_t.c.id.in_(list(ids)))
    await store.execute(stmt.values(read_at=store.now()))


async def _name(store: Store, user_id: int | None) -> str:
    if user_id is None:
        return "The system"
    row = (await store.execute(select(user_t.c.name).where(user_t.c.id == user_id))).first()
    return str(row.name) if row else "Someone"

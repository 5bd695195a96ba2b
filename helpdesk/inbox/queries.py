"""The inbox's read models: the notification feed, macros, people, what a list row shows
beyond the core's columns. Views and their pages go through the core (`helpdesk.inbox.lists`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select

from helpdesk import queries
from helpdesk.domain import Principal
from helpdesk.store import Store
from helpdesk.tables import (
    customer_t,
    macro_t,
    message_t,
    notification_t,
    saved_view_t,
    team_t,
    ticket_t,
    user_t,
)


def N_(text: str) -> str:
    """Marks a view name for the message catalog; templates translate it when shown."""
    return text


CHANNELS = ("email", "telegram", "web_form", "phone")
LANGUAGES = ("en", "tr")


async def requester_names(store: Store, customer_ids: set[int]) -> dict[int, str]:
    """The names of one page's requesters (a primary-key look-up each)."""
    if not customer_ids:
        return {}
    rows = await store.execute(
        select(customer_t.c.id, customer_t.c.name).where(customer_t.c.id.in_(customer_ids))
    )
    return {int(r.id): r.name or "" for r in rows}


async def people(store: Store) -> dict[int, dict[str, Any]]:
    rows = await store.execute(select(user_t.c.id, user_t.c.name, user_t.c.email, user_t.c.role))
    return {int(r.id): dict(r._mapping) for r in rows}


async def teams(store: Store) -> list[dict[str, Any]]:
    return await queries.list_teams(store)


async def newer_messages(
    store: Store, ticket_id: int, after_id: int, me: int
) -> list[dict[str, Any]]:
    """Messages that make a reply composed after `after_id` stale: the customer's and other
    agents' public replies (our own and internal notes do not change what to tell them)."""
    rows = await store.execute(
        select(message_t.c.id)
        .where(
            message_t.c.ticket_id == ticket_id,
            message_t.c.id > after_id,
            or_(
                message_t.c.direction == "inbound",
                and_(
                    message_t.c.direction == "outbound",
                    or_(message_t.c.author_user_id.is_(None), message_t.c.author_user_id != me),
                ),
            ),
        )
        .order_by(message_t.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def macros_for(store: Store, who: Principal) -> list[dict[str, Any]]:
    stmt = select(
        macro_t.c.id,
        macro_t.c.name,
        macro_t.c.body,
        macro_t.c.team_id,
        macro_t.c.set_status,
        macro_t.c.set_priority,
    ).order_by(macro_t.c.name)
    if not who.sees_everything:
        stmt = stmt.where(
            or_(macro_t.c.team_id.is_(None), macro_t.c.team_id.in_(who.team_ids or {-1}))
        )
    return [dict(r) for r in (await store.execute(stmt)).mappings()]


async def unread_count(store: Store, user_id: int) -> int:
    return int(
        (
            await store.execute(
                select(func.count()).where(
                    notification_t.c.user_id == user_id, notification_t.c.read_at.is_(None)
                )
            )
        ).scalar_one()
    )


async def notifications(store: Store, user_id: int, limit: int = 30) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(
            notification_t.c.id,
            notification_t.c.ticket_id,
            notification_t.c.kind,
            notification_t.c.text,
            notification_t.c.created_at,
            notification_t.c.read_at,
        )
        .where(notification_t.c.user_id == user_id)
        .order_by(notification_t.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in rows.mappings()]


async def with_raw_source(store: Store, message_ids: list[int]) -> set[int]:
    """Which of these messages kept their raw input (an email's MIME source)."""
    if not message_ids:
        return set()
    rows = await store.execute(
        select(message_t.c.id).where(
            message_t.c.id.in_(message_ids), message_t.c.raw_ref.is_not(None)
        )
    )
    return {int(r) for r in rows.scalars()}


async def message_source(store: Store, message_id: int) -> dict[str, Any] | None:
    """A message's ticket (for the access check), sanitised HTML, text and raw reference."""
    row = (
        (
            await store.execute(
                select(
                    message_t.c.ticket_id,
                    message_t.c.html,
                    message_t.c.full_text,
                    message_t.c.raw_ref,
                ).where(message_t.c.id == message_id)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def ticket_owners(store: Store, ticket_id: int) -> tuple[int | None, int | None] | None:
    """(team id, assignee id) of a ticket, what live updates need for access checks."""
    row = (
        await store.execute(
            select(ticket_t.c.team_id, ticket_t.c.assignee_id).where(ticket_t.c.id == ticket_id)
        )
    ).first()
    return None if row is None else (row.team_id, row.assignee_id)


async def team_id_named(store: Store, name: str) -> int | None:
    row = (await store.execute(select(team_t.c.id).where(team_t.c.name == name))).first()
    return None if row is None else int(row.id)


async def all_macros(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(macro_t.c.id, macro_t.c.name, macro_t.c.team_id).order_by(macro_t.c.id)
    )
    return [dict(r) for r in rows.mappings()]


async def saved_views_for(store: Store, who: Principal) -> list[dict[str, Any]]:
    """The saved views `who` sees: their own, those shared with one of their teams, and
    those shared with everyone; in the order they were saved."""
    stmt = (
        select(saved_view_t)
        .where(
            or_(
                saved_view_t.c.owner_id == who.user_id,
                saved_view_t.c.scope == "everyone",
                and_(
                    saved_view_t.c.scope == "team",
                    saved_view_t.c.team_id.in_(who.team_ids or {-1}),
                ),
            )
        )
        .order_by(saved_view_t.c.id)
    )
    return [dict(r) for r in (await store.execute(stmt)).mappings()]

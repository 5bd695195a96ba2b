"""Small read-only look-ups adapters need from the core's directory and tickets.

Adapters never import `helpdesk.tables` (an import-linter contract keeps it so); when one
needs a fact the core holds (does this team exist, which of these categories exist), it asks
here, and only the core knows how the rows are laid out.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from helpdesk.store import Store
from helpdesk.tables import category_t, message_t, team_t, ticket_t


async def team_exists(store: Store, team_id: int) -> bool:
    found = await store.execute(select(team_t.c.id).where(team_t.c.id == team_id))
    return found.first() is not None


async def team_id_by_name(store: Store, name: str) -> int | None:
    found = await store.execute(select(team_t.c.id).where(team_t.c.name == name))
    team_id = found.scalar_one_or_none()
    return None if team_id is None else int(team_id)


async def team_name(store: Store, team_id: int) -> str | None:
    found = await store.execute(select(team_t.c.name).where(team_t.c.id == team_id))
    name = found.scalar_one_or_none()
    return None if name is None else str(name)


async def known_category_slugs(store: Store, slugs: Iterable[str]) -> set[str]:
    """Which of `slugs` name an existing category."""
    wanted = set(slugs)
    if not wanted:
        return set()
    found = await store.execute(select(category_t.c.slug).where(category_t.c.slug.in_(wanted)))
    return set(found.scalars())


async def ticket_team(store: Store, ticket_id: int) -> int | None:
    """The team a ticket is with (None: no team yet, or no such ticket)."""
    found = await store.execute(select(ticket_t.c.team_id).where(ticket_t.c.id == ticket_id))
    team_id = found.scalar_one_or_none()
    return None if team_id is None else int(team_id)


async def ticket_id_by_number(store: Store, number: int) -> int | None:
    found = await store.execute(select(ticket_t.c.id).where(ticket_t.c.number == number))
    value = found.scalar_one_or_none()
    return None if value is None else int(value)


async def message_ticket(store: Store, message_id: int) -> int | None:
    """The ticket a message currently belongs to (it moves when it is split off)."""
    found = await store.execute(select(message_t.c.ticket_id).where(message_t.c.id == message_id))
    value = found.scalar_one_or_none()
    return None if value is None else int(value)

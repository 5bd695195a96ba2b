"""The audit log's read model: every audit entry (ticket changes and configuration changes),
newest first, filtered by actor, kind, ticket and time, a page at a time by keyset on the
entry's id (ids grow with time, so "before id N" is "older than entry N"); and the short
"recent changes" lists the admin pages show for their own kinds of configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from helpdesk.domain import AuditKind
from helpdesk.store import Store
from helpdesk.tables import audit_t, customer_t, team_t, ticket_t, user_t

PAGE = 50


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: int | None = None
    kind: str | None = None
    ticket_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    before: int | None = None  # the keyset: entries with a smaller id


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[dict[str, Any]]
    next_before: int | None  # the cursor of the next (older) page, None on the last page


async def audit_page(store: Store, where: AuditFilter, limit: int = PAGE) -> AuditPage:
    """One page of entries matching `where`, newest first."""
    actor = user_t.alias("actor")
    query = (
        select(
            audit_t.c.id,
            audit_t.c.at,
            audit_t.c.kind,
            audit_t.c.actor_kind,
            audit_t.c.actor_user_id,
            actor.c.name.label("actor_name"),
            customer_t.c.name.label("customer_name"),
            audit_t.c.ticket_id,
            ticket_t.c.number.label("ticket_number"),
            audit_t.c.data,
        )
        .outerjoin(actor, actor.c.id == audit_t.c.actor_user_id)
        .outerjoin(customer_t, customer_t.c.id == audit_t.c.actor_customer_id)
        .outerjoin(ticket_t, ticket_t.c.id == audit_t.c.ticket_id)
        .order_by(audit_t.c.id.desc())
        .limit(limit + 1)
    )
    if where.actor_id is not None:
        query = query.where(audit_t.c.actor_user_id == where.actor_id)
    if where.kind:
        query = query.where(audit_t.c.kind == where.kind)
    if where.ticket_id is not None:
        query = query.where(audit_t.c.ticket_id == where.ticket_id)
    if where.since is not None:
        query = query.where(audit_t.c.at >= where.since)
    if where.until is not None:
        query = query.where(audit_t.c.at < where.until)
    if where.before is not None:
        query = query.where(audit_t.c.id < where.before)
    rows = [dict(r) for r in (await store.execute(query)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, int(rows[-1]["id"]) if more and rows else None)


@dataclass(frozen=True, slots=True)
class Change:
    """A configuration change as a page's "recent changes" list shows it."""

    at: datetime
    user: str | None  # the actor's name, None for the system
    kind: str
    action: str  # what was done ("created", "moved", ...): the entry's `action`, else its kind
    subject: str  # the item's name or slug (the entry's `item`)
    data: dict[str, Any]  # the entry's other data


def recent_changes_query(
    kinds: tuple[AuditKind, ...], item: str | None = None, limit: int = 20
) -> Select[Any]:
    """The statement `recent_changes` runs (its plan is checked in the tests): about one item,
    it reads `ix_audit_config_item` newest first. (`item` is compared as stored: cut to 200.)"""
    query = (
        select(audit_t.c.at, audit_t.c.kind, audit_t.c.data, user_t.c.name.label("user_name"))
        .outerjoin(user_t, user_t.c.id == audit_t.c.actor_user_id)
        .where(audit_t.c.ticket_id.is_(None), audit_t.c.kind.in_([k.value for k in kinds]))
        .order_by(audit_t.c.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if item is not None:
        query = query.where(audit_t.c.item == item[:200])
    return query


async def recent_changes(
    store: Store, kinds: tuple[AuditKind, ...], item: str | None = None, limit: int = 20
) -> list[Change]:
    """The latest configuration entries of `kinds` (about `item`, if given), newest first."""
    query = recent_changes_query(kinds, item, limit)
    changes = []
    for r in (await store.execute(query)).mappings():
        data = dict(r["data"])
        action = str(data.pop("action", None) or r["kind"])
        item = str(data.pop("item", ""))
        changes.append(Change(r["at"], r["user_name"], r["kind"], action, item, data))
    return changes


async def actors(store: Store) -> list[dict[str, Any]]:
    """Every user by name: the choices of the actor filter (bots act too)."""
    rows = await store.execute(
        select(user_t.c.id, user_t.c.name, user_t.c.email).order_by(user_t.c.name, user_t.c.id)
    )
    return [dict(r) for r in rows.mappings()]


async def names(
    store: Store, user_ids: set[int], team_ids: set[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the users and teams an audit page's entries refer to by id (a deleted team
    has none and is shown by its id)."""
    users: dict[int, str] = {}
    teams: dict[int, str] = {}
    if user_ids:
        found = await store.execute(
            select(user_t.c.id, user_t.c.name).where(user_t.c.id.in_(user_ids))
        )
        users = {int(r.id): str(r.name) for r in found}
    if team_ids:
        found = await store.execute(
            select(team_t.c.id, team_t.c.name).where(team_t.c.id.in_(team_ids))
        )
        teams = {int(r.id): str(r.name) for r in found}
    return users, teams

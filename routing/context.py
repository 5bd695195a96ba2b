"""Reading what routing decides on: a ticket with its first message, the directory, and the
team's agents with their loads. Reads only; changes go through `helpdesk.services`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text

from helpdesk.domain import AuditKind, Direction, Role
from helpdesk.store import Store
from helpdesk.tables import (
    audit_t,
    category_t,
    customer_t,
    message_t,
    team_member_t,
    team_t,
    ticket_t,
    user_t,
)
from routing.assign import LOAD_STATUSES, Agent, Waiting
from routing.decide import Hints, in_hours
from routing.rules import FactValue
from routing.tables import routing_agent_t


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    slug: str
    name: str  # with its parents: "Billing/Refunds"
    team: str | None
    priority: str | None


@dataclass(frozen=True, slots=True)
class Directory:
    categories: dict[str, Category] = field(default_factory=dict)  # by slug
    teams: dict[str, int] = field(default_factory=dict)  # name -> id

    def category_by_id(self, category_id: int | None) -> Category | None:
        return next((c for c in self.categories.values() if c.id == category_id), None)

    def team_name(self, team_id: int | None) -> str | None:
        return next((n for n, i in self.teams.items() if i == team_id), None)

    @property
    def names(self) -> dict[str, str]:
        return {slug: c.name for slug, c in self.categories.items()}


@dataclass(frozen=True, slots=True)
class TicketView:
    row: dict[str, Any]
    message_id: int | None
    text: str  # subject and the first customer message
    hints: Hints
    customer_tier: str | None
    customer_language: str | None
    assignee_email: str | None

    @property
    def id(self) -> int:
        return int(self.row["id"])


_TEAMS = select(team_t.c.id, team_t.c.name)
_CATEGORIES = select(category_t)


async def directory(store: Store) -> Directory:
    teams = {r.name: int(r.id) for r in await store.execute(_TEAMS)}
    by_id = {v: k for k, v in teams.items()}
    rows = list(await store.execute(_CATEGORIES))
    names = {int(r.id): r for r in rows}

    def path(row: Any) -> str:
        parts: list[str] = []
        seen: set[int] = set()
        while row is not None and int(row.id) not in seen:
            seen.add(int(row.id))
            parts.append(row.name)
            row = names.get(row.parent_id) if row.parent_id is not None else None
        return "/".join(reversed(parts))

    categories = {
        r.slug: Category(
            int(r.id),
            r.slug,
            path(r),
            by_id.get(r.default_team_id) if r.default_team_id is not None else None,
            r.default_priority,
        )
        for r in rows
    }
    return Directory(categories, teams)


# Built once, with parameters: a new ticket's routing reads it twice, and building these
# statements costs more than running them.
_ROW = select(ticket_t).where(ticket_t.c.id == bindparam("k_id"))
_ROW_LOCKED = _ROW.with_for_update()
_FIRST_INBOUND = (
    select(message_t.c.id, message_t.c.text, message_t.c.full_text, message_t.c.meta)
    .where(
        message_t.c.ticket_id == bindparam("k_id"),
        message_t.c.direction == Direction.INBOUND.value,
    )
    .order_by(message_t.c.id)
    .limit(1)
)
_CUSTOMER = select(customer_t.c.tier, customer_t.c.language).where(
    customer_t.c.id == bindparam("k_id")
)
_EMAIL = select(user_t.c.email).where(user_t.c.id == bindparam("k_id"))


async def brought_up_to_date(
    store: Store, view: TicketView, *, for_update: bool = False
) -> TicketView | None:
    """`view`, read in an earlier transaction, as it stands in this one: its ticket row read
    again (locked on PostgreSQL), the rest kept unless the row's requester or assignee, which
    the rest was read for, changed meanwhile. One statement instead of a view's three or four
    (a new ticket's routing reads its view before it takes the write lock, then again)."""
    stmt = _ROW_LOCKED if for_update and store.dialect == "postgresql" else _ROW
    row = (await store.execute(stmt, {"k_id": view.id})).mappings().first()
    if row is None:
        return None
    if (row["requester_id"], row["assignee_id"]) != (
        view.row["requester_id"],
        view.row["assignee_id"],
    ):
        return await ticket_view(store, view.id, for_update=for_update)
    return replace(view, row=dict(row))


async def ticket_view(
    store: Store, ticket_id: int, *, for_update: bool = False
) -> TicketView | None:
    stmt = _ROW_LOCKED if for_update and store.dialect == "postgresql" else _ROW
    row = (await store.execute(stmt, {"k_id": ticket_id})).mappings().first()
    if row is None:
        return None
    first = (await store.execute(_FIRST_INBOUND, {"k_id": ticket_id})).first()
    meta: dict[str, Any] = dict(first.meta or {}) if first is not None else {}
    hints_data: dict[str, str] = meta.get("hints") or {}
    body = (first.text or first.full_text) if first is not None else ""
    customer = (await store.execute(_CUSTOMER, {"k_id": row["requester_id"]})).first()
    assignee = None
    if row["assignee_id"] is not None:
        assignee = (await store.execute(_EMAIL, {"k_id": row["assignee_id"]})).scalar_one_or_none()
    return TicketView(
        row=dict(row),
        message_id=int(first.id) if first is not None else None,
        text=f"{row['subject']}\n{body}".strip(),
        hints=Hints(
            channel=row["channel"],
            source=row["source"],
            category=hints_data.get("category"),
            team=hints_data.get("team"),
            priority=hints_data.get("priority"),
        ),
        customer_tier=customer.tier if customer is not None else None,
        customer_language=customer.language if customer is not None else None,
        assignee_email=assignee,
    )


def facts(
    view: TicketView,
    found: Directory,
    *,
    now: datetime,
    tz: str,
    hours: dict[str, list[tuple[str, str]]],
    message_text: str | None = None,
) -> dict[str, FactValue]:
    """What rule conditions can look at, as plain values."""
    from zoneinfo import ZoneInfo

    row = view.row
    category = found.category_by_id(row["category_id"])
    local = now.astimezone(ZoneInfo(tz))
    return {
        "ticket.subject": row["subject"],
        "ticket.status": row["status"],
        "ticket.priority": row["priority"],
        "ticket.category": category.slug if category else None,
        "ticket.team": found.team_name(row["team_id"]),
        "ticket.assignee": view.assignee_email,
        "ticket.channel": row["channel"],
        "ticket.source": row["source"],
        "ticket.language": row["language"],
        "ticket.tags": tuple(row["tags"] or ()),
        "message.text": message_text if message_text is not None else view.text,
        "customer.tier": view.customer_tier,
        "customer.language": view.customer_language,
        "time.weekday": local.weekday(),
        "time.hour": local.hour,
        "time.business_hours": in_hours(now, tz, hours),
    }


async def lock_team(store: Store, team_id: int) -> None:
    """Serialise assignment within a team: two workers counting loads at once could both see
    room for the same last slot. On SQLite the database write lock already serialises."""
    if store.dialect == "postgresql":
        await store.execute(
            text("SELECT pg_advisory_xact_lock(:space, :team)"),
            {"space": 0x524F5554, "team": team_id},
        )


async def team_agents(store: Store, team_id: int, default_capacity: int) -> list[Agent]:
    """The team's active human members with their routing state and current load."""
    load = (
        select(func.count())
        .where(ticket_t.c.assignee_id == user_t.c.id, ticket_t.c.status.in_(LOAD_STATUSES))
        .scalar_subquery()
    )
    rows = await store.execute(
        select(
            user_t.c.id,
            user_t.c.name,
            user_t.c.email,
            routing_agent_t.c.availability,
            routing_agent_t.c.capacity,
            routing_agent_t.c.last_assigned_at,
            routing_agent_t.c.skills,
            load.label("load"),
        )
        .join(team_member_t, team_member_t.c.user_id == user_t.c.id)
        .outerjoin(routing_agent_t, routing_agent_t.c.user_id == user_t.c.id)
        .where(
            team_member_t.c.team_id == team_id,
            user_t.c.active.is_(True),
            user_t.c.role != Role.BOT.value,
        )
        .order_by(user_t.c.id)
    )
    return [
        Agent(
            user_id=int(r.id),
            name=r.name or r.email,
            availability=r.availability or "online",
            load=int(r.load),
            capacity=int(r.capacity) if r.capacity is not None else default_capacity,
            last_assigned_at=r.last_assigned_at,
            skills=frozenset(r.skills or ()),
        )
        for r in rows
    ]


async def rule_firings(store: Store, ticket_id: int) -> dict[str, int]:
    """How often each rule has fired on the ticket (from its timeline)."""
    counts: dict[str, int] = {}
    rows = await store.execute(
        select(audit_t.c.data).where(
            audit_t.c.ticket_id == ticket_id, audit_t.c.kind == AuditKind.RULE_FIRED.value
        )
    )
    for (data,) in rows:
        name = str((data or {}).get("rule", ""))
        counts[name] = counts.get(name, 0) + 1
    return counts


async def waiting(store: Store, team_id: int) -> list[Waiting]:
    """The team's unassigned tickets whose clocks run: the assignment queue."""
    stmt = select(ticket_t.c.id, ticket_t.c.priority, ticket_t.c.created_at).where(
        ticket_t.c.team_id == team_id,
        ticket_t.c.assignee_id.is_(None),
        ticket_t.c.merged_into_id.is_(None),
        ticket_t.c.status.in_(LOAD_STATUSES),
        # A bot's ticket joins the queue when the bot hands it over.
        (ticket_t.c.bot_id.is_(None) | ticket_t.c.handed_over_at.is_not(None)),
    )
    rows = await store.execute(stmt)
    return [Waiting(int(r.id), r.priority, r.created_at) for r in rows]

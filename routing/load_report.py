"""Agent load, capacity and availability for the supervisor's reports.

Routing owns availability and capacity, so the figures that depend on them are computed here,
read-only; the supervisor pages show them. Load counts what assignment counts (new and open
tickets assigned to the agent); a ticket waiting on the customer takes no slot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select

from helpdesk.domain import AuthorKind, Direction, Principal, Role, Status
from helpdesk.store import Store
from helpdesk.tables import message_t, team_member_t, team_t, ticket_t, user_t
from routing.assign import LOAD_STATUSES
from routing.store import load_config
from routing.tables import routing_agent_t

STAFF = (Role.AGENT.value, Role.SUPERVISOR.value, Role.ADMIN.value)


async def agent_load(
    store: Store, who: Principal, *, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One row per active staff member `who` may see (a supervisor: the members of their
    teams; an admin: everyone): availability and capacity now, open tickets held now and the
    share of capacity they fill, tickets waiting on the customer, and in [start, end) the
    public replies they wrote and the tickets they hold that were solved."""
    config = await load_config(store)
    members: dict[int, set[int]] = {}
    for row in await store.execute(select(team_member_t.c.user_id, team_member_t.c.team_id)):
        members.setdefault(int(row.user_id), set()).add(int(row.team_id))
    by_name = {t.team: t.capacity for t in config.teams}
    team_capacity: dict[int, int] = {}
    for row in await store.execute(select(team_t.c.id, team_t.c.name)):
        if row.name in by_name:
            team_capacity[int(row.id)] = by_name[row.name]

    people = await store.execute(
        select(
            user_t.c.id,
            user_t.c.name,
            user_t.c.email,
            routing_agent_t.c.availability,
            routing_agent_t.c.capacity,
        )
        .outerjoin(routing_agent_t, routing_agent_t.c.user_id == user_t.c.id)
        .where(user_t.c.active.is_(True), user_t.c.role.in_(STAFF))
        .order_by(user_t.c.name, user_t.c.id)
    )
    held = await _counts(
        store,
        select(ticket_t.c.assignee_id.label("key"), func.count().label("n"))
        .where(ticket_t.c.status.in_(LOAD_STATUSES))
        .group_by(ticket_t.c.assignee_id),
    )
    waiting = await _counts(
        store,
        select(ticket_t.c.assignee_id.label("key"), func.count().label("n"))
        .where(ticket_t.c.status == Status.PENDING.value)
        .group_by(ticket_t.c.assignee_id),
    )
    replies = await _counts(
        store,
        select(message_t.c.author_user_id.label("key"), func.count().label("n"))
        .where(
            message_t.c.author_kind == AuthorKind.AGENT.value,
            message_t.c.direction == Direction.OUTBOUND.value,
            message_t.c.created_at >= start,
            message_t.c.created_at < end,
        )
        .group_by(message_t.c.author_user_id),
    )
    solved = await _counts(
        store,
        select(ticket_t.c.assignee_id.label("key"), func.count().label("n"))
        .where(and_(ticket_t.c.solved_at >= start, ticket_t.c.solved_at < end))
        .group_by(ticket_t.c.assignee_id),
    )
    rows: list[dict[str, Any]] = []
    for person in people:
        user_id = int(person.id)
        teams = members.get(user_id, set())
        if who.role != Role.ADMIN and not (teams & who.team_ids) and user_id != who.user_id:
            continue
        capacity = _capacity(person.capacity, teams, team_capacity, config.default_capacity)
        load = held.get(user_id, 0)
        rows.append(
            {
                "agent": user_id,
                "name": person.name or person.email,
                "teams": sorted(teams),
                "availability": person.availability or "online",
                "capacity": capacity,
                "open": load,
                # Capacity 0 (set from the CLI: "take no tickets") has no share to fill.
                "utilisation": round(load / capacity, 4) if capacity > 0 else None,
                "pending": waiting.get(user_id, 0),
                "replies": replies.get(user_id, 0),
                "solved": solved.get(user_id, 0),
            }
        )
    return rows


def _capacity(
    personal: int | None, teams: set[int], team_capacity: dict[int, int], default: int
) -> int:
    """The agent's own capacity, else the largest their teams' assignment settings give (the
    one assignment would let them reach), else the desk's default."""
    if personal is not None:
        return int(personal)
    given = [team_capacity[t] for t in teams if t in team_capacity]
    return max(given) if given else default


async def _counts(store: Store, stmt: Select[Any]) -> dict[int, int]:
    """A `key` (user id), `n` (count) query as a mapping; rows without a user (unassigned
    tickets) are left out."""
    rows = (await store.execute(stmt)).mappings()
    return {int(row["key"]): int(row["n"]) for row in rows if row["key"] is not None}

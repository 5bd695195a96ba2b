"""Read models of the SLA API: tickets at risk or breached, a ticket's clocks with their event
log, achievement per metric over a period, and a user's notification feed. Core selects only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select, union_all

from helpdesk.domain import OPEN_STATUSES, Principal
from helpdesk.queries import ticket_access
from helpdesk.store import Store
from helpdesk.tables import category_t, ticket_t
from sla import rollup
from sla.tables import clock_event_t, clock_t, escalation_t, notification_t

AT_RISK_HORIZON = timedelta(hours=1)
_GROUPS = {
    "team": ticket_t.c.team_id,
    "category": ticket_t.c.category_id,
    "agent": ticket_t.c.assignee_id,
    "channel": ticket_t.c.channel,
}
GROUPS = tuple(_GROUPS)


@dataclass(frozen=True)
class RiskFilter:
    state: str | None = None  # "at_risk", "breached" or None for both
    team_id: int | None = None
    category_id: int | None = None
    assignee_id: int | None = None
    metric: str | None = None
    limit: int = 100


def _visible(stmt: Select[Any], who: Principal) -> Select[Any]:
    if who.sees_everything:
        return stmt
    return stmt.where(
        or_(
            ticket_t.c.team_id.is_(None),
            ticket_t.c.team_id.in_(who.team_ids),
            ticket_t.c.assignee_id == who.user_id,
        )
    )


async def descendants(store: Store, category_id: int) -> list[int]:
    """The category and every category below it."""
    rows = (await store.execute(select(category_t.c.id, category_t.c.parent_id))).all()
    children: dict[int | None, list[int]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row.id)
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo.extend(children.get(current, []))
    return found


_STILL_ACTIVE = clock_t.c.state.concat("") == "active"
_SOON = bindparam("soon", type_=clock_t.c.due_at.type)
_BRANCHES = {
    "breached": (clock_t.c.state == "breached",),
    "at_risk": (
        and_(clock_t.c.state == "active", clock_t.c.due_at <= _SOON),
        # Warned, not due yet: a seek on the small partial index of warned clocks (the state
        # compared as an expression, so no planner takes the state index for it).
        and_(clock_t.c.warned_at.is_not(None), clock_t.c.due_at > _SOON, _STILL_ACTIVE),
        and_(clock_t.c.warned_at.is_not(None), clock_t.c.due_at.is_(None), _STILL_ACTIVE),
    ),
}
# Built once per shape (which branches and filters), then only bound: building a union of
# subqueries costs more than running its index seeks.
_AT_RISK: dict[tuple[Any, ...], Select[Any]] = {}


async def tickets_at_risk(
    store: Store, who: Principal, wanted: RiskFilter, now: datetime
) -> list[dict[str, Any]]:
    """Running clocks of open tickets that breached, warned, or fall due within the horizon,
    soonest due first.

    A UNION ALL of index seeks, each in due order and cut at the limit, rather than one OR:
    breached (state, due_at), due within the horizon (state, due_at), and warned but due
    later or never (the small partial index of warned clocks). Only the first rows of each
    are read."""
    state = wanted.state if wanted.state in _BRANCHES else None
    params: dict[str, Any] = {
        "soon": now + AT_RISK_HORIZON,
        "limit": wanted.limit,
        "team_id": wanted.team_id,
        "assignee_id": wanted.assignee_id,
        "metric": wanted.metric,
        "team_ids": sorted(who.team_ids),
        "user_id": who.user_id,
    }
    if wanted.category_id is not None:
        params["categories"] = await descendants(store, wanted.category_id)
    shape = (
        state,
        wanted.team_id is not None,
        wanted.assignee_id is not None,
        wanted.metric is not None,
        wanted.category_id is not None,
        who.sees_everything,
    )
    stmt = _AT_RISK.get(shape)
    if stmt is None:
        stmt = _AT_RISK[shape] = _at_risk_statement(*shape)
    rows = await store.execute(stmt, params)
    return [{k: v for k, v in row.items() if k != "clock_id"} for row in rows.mappings()]


def _at_risk_statement(
    state: str | None, team: bool, assignee: bool, metric: bool, category: bool, everyone: bool
) -> Select[Any]:
    chosen = _BRANCHES[state] if state else (*_BRANCHES["breached"], *_BRANCHES["at_risk"])
    limit = bindparam("limit", type_=Integer)
    seeks = []
    for condition in chosen:
        stmt = (
            select(
                clock_t.c.ticket_id,
                ticket_t.c.number,
                ticket_t.c.subject,
                ticket_t.c.priority,
                ticket_t.c.status,
                ticket_t.c.team_id,
                ticket_t.c.category_id,
                ticket_t.c.assignee_id,
                clock_t.c.metric,
                clock_t.c.cycle,
                clock_t.c.state,
                clock_t.c.due_at,
                clock_t.c.breached_at,
                clock_t.c.left_s,
                clock_t.c.id.label("clock_id"),
            )
            .join(ticket_t, ticket_t.c.id == clock_t.c.ticket_id)
            .where(condition, ticket_t.c.status.in_([s.value for s in OPEN_STATUSES]))
        )
        if team:
            stmt = stmt.where(ticket_t.c.team_id == bindparam("team_id"))
        if assignee:
            stmt = stmt.where(ticket_t.c.assignee_id == bindparam("assignee_id"))
        if metric:
            stmt = stmt.where(clock_t.c.metric == bindparam("metric"))
        if category:
            stmt = stmt.where(ticket_t.c.category_id.in_(bindparam("categories", expanding=True)))
        if not everyone:
            stmt = stmt.where(
                or_(
                    ticket_t.c.team_id.is_(None),
                    ticket_t.c.team_id.in_(bindparam("team_ids", expanding=True)),
                    ticket_t.c.assignee_id == bindparam("user_id"),
                )
            )
        seeks.append(stmt.order_by(clock_t.c.due_at, clock_t.c.id).limit(limit).subquery())
    merged = union_all(*(select(seek) for seek in seeks)).subquery()
    return select(merged).order_by(merged.c.due_at, merged.c.clock_id).limit(limit)


async def ticket_clocks(store: Store, who: Principal, ticket_id: int) -> dict[str, Any]:
    """Every clock of a ticket with its event log and escalations: why it is due when it is."""
    await ticket_access(store, who, ticket_id)
    clocks = [
        dict(row)
        for row in (
            await store.execute(
                select(clock_t)
                .where(clock_t.c.ticket_id == ticket_id)
                .order_by(clock_t.c.metric, clock_t.c.cycle)
            )
        ).mappings()
    ]
    events = (
        await store.execute(
            select(clock_event_t)
            .where(clock_event_t.c.ticket_id == ticket_id)
            .order_by(clock_event_t.c.metric, clock_event_t.c.cycle, clock_event_t.c.seq)
        )
    ).mappings()
    by_clock: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for event in events:
        by_clock.setdefault((event["metric"], event["cycle"]), []).append(
            {
                "at": event["at"],
                "kind": event["kind"],
                "business_time_left_s": event["business_time_left_s"],
                "due_at": event["due_at"],
            }
        )
    for clock in clocks:
        clock["events"] = by_clock.get((clock["metric"], clock["cycle"]), [])
        clock.pop("id", None)
    escalations = [
        dict(row)
        for row in (
            await store.execute(
                select(escalation_t)
                .where(escalation_t.c.ticket_id == ticket_id)
                .order_by(escalation_t.c.id)
            )
        ).mappings()
    ]
    return {"ticket_id": ticket_id, "clocks": clocks, "escalations": escalations}


async def achievement(
    store: Store, who: Principal, *, start: datetime, end: datetime, group_by: str
) -> list[dict[str, Any]]:
    """Per metric and group: clocks activated in [start, end) that are decided (fulfilled or
    breached), how many met their target, and the share met. Read from the roll-up
    (`sla.rollup`), equal to counting the clocks themselves."""
    _GROUPS[group_by]  # an unknown grouping fails here, as before
    counted = rollup.union(
        rollup.parts(store, who, basis="activated", start=start, end=end, group=group_by)
    )
    total = func.sum(counted.c.total)
    stmt = (
        select(counted.c.metric, counted.c.grp.label("group"), total.label("total"),
               func.sum(counted.c.met).label("met"))
        .group_by(counted.c.metric, counted.c.grp)
        .having(total > 0)
        .order_by(counted.c.metric, counted.c.grp)
    )  # fmt: skip
    rows = await store.execute(stmt)
    return [
        {
            "metric": row.metric,
            group_by: row.group,
            "total": int(row.total),
            "met": int(row.met or 0),
            "breached": int(row.total) - int(row.met or 0),
            "achieved": round(int(row.met or 0) / int(row.total), 4) if row.total else None,
        }
        for row in rows
    ]


async def feed(store: Store, who: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """The caller's SLA notifications, newest first."""
    rows = await store.execute(
        select(notification_t)
        .where(notification_t.c.user_id == who.user_id)
        .order_by(notification_t.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in rows.mappings()]


async def levels_reached(
    store: Store, ticket_ids: list[int]
) -> dict[tuple[int, str, int], dict[str, Any]]:
    """Per (ticket, metric, cycle): the highest escalation level fired so far and the newest
    escalation nobody acknowledged yet (None once acknowledged: the ladder has stopped)."""
    if not ticket_ids:
        return {}
    rows = await store.execute(
        select(
            escalation_t.c.id,
            escalation_t.c.ticket_id,
            escalation_t.c.metric,
            escalation_t.c.cycle,
            escalation_t.c.level,
            escalation_t.c.acknowledged_at,
        )
        .where(escalation_t.c.ticket_id.in_(ticket_ids))
        .order_by(escalation_t.c.id)
    )
    found: dict[tuple[int, str, int], dict[str, Any]] = {}
    for row in rows:
        entry = found.setdefault(
            (row.ticket_id, row.metric, row.cycle), {"level": row.level, "open_id": None}
        )
        entry["level"] = max(entry["level"], row.level)
        entry["open_id"] = row.id if row.acknowledged_at is None else None
    return found

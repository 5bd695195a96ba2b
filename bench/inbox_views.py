"""The inbox's own pages in `bench/inbox.py`: each rail view's first page and the rail's counts
through `helpdesk.inbox.lists` (the core's listing), next to the inbox's queries as they were
before (helpdesk/inbox/queries.py at 445db34: one OR over the visibility rules, sorted by last
activity, exact COUNTs), on the same data in the same run; and the plan of every view.
"""

from __future__ import annotations

import time as clock
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true

from bench.plans import explain, problems
from helpdesk.domain import Principal, Status
from helpdesk.inbox import lists, queries
from helpdesk.runtime import Runtime
from helpdesk.tables import customer_t, ticket_t

Run = Callable[[Runtime], Awaitable[int]]
OLD_UNSOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


# --- the inbox's queries before (445db34) ----------------------------------------------------


def _old_visible(who: Principal) -> ColumnElement[bool]:
    if who.sees_everything:
        return true()
    return or_(
        ticket_t.c.team_id.is_(None),
        ticket_t.c.team_id.in_(who.team_ids or {-1}),
        ticket_t.c.assignee_id == who.user_id,
    )


def _old_where(who: Principal, key: str, team_id: int | None) -> list[ColumnElement[bool]]:
    statuses = {"unassigned": (Status.NEW, Status.OPEN), "pending": (Status.PENDING,)}
    where = [_old_visible(who), ticket_t.c.merged_into_id.is_(None),
             ticket_t.c.status.in_([s.value for s in statuses.get(key, OLD_UNSOLVED)])]  # fmt: skip
    if key == "mine":
        where.append(ticket_t.c.assignee_id == who.user_id)
    elif key == "unassigned":
        where += [ticket_t.c.assignee_id.is_(None), ticket_t.c.team_id.in_(who.team_ids or {-1})]
    elif key == "triage":
        where.append(ticket_t.c.category_id.is_(None))
    elif team_id is not None:
        where.append(ticket_t.c.team_id == team_id)
    return where


def _old_page(who: Principal, key: str, team_id: int | None) -> Run:
    stmt = (
        select(ticket_t.c.id, ticket_t.c.subject, ticket_t.c.updated_at, customer_t.c.name)
        .join(customer_t, customer_t.c.id == ticket_t.c.requester_id)
        .where(*_old_where(who, key, team_id))
        .order_by(ticket_t.c.updated_at.desc(), ticket_t.c.id.desc())
        .limit(lists.PAGE + 1)
    )

    async def run(rt: Runtime) -> int:
        async with rt.stores.read() as store:
            return len((await store.execute(stmt)).all())

    return run


def _old_counts(who: Principal, keys: list[tuple[str, int | None]]) -> Run:
    stmts = [
        select(func.count()).select_from(ticket_t).where(*_old_where(who, key, team))
        for key, team in keys
    ]

    async def run(rt: Runtime) -> int:
        async with rt.stores.read() as store:
            for stmt in stmts:
                (await store.execute(stmt)).scalar_one()
        return len(stmts)

    return run


# --- now -----------------------------------------------------------------------------------


def _new_page(who: Principal, view: lists.View, teams: list[dict[str, Any]], now: datetime) -> Run:
    filt = lists.resolve(view, who, now, lists.Filters(), teams)

    async def run(rt: Runtime) -> int:
        async with rt.stores.read() as store:
            page = await lists.list_view(store, who, filt, lists.Filters())
        return len(page.rows)

    return run


def _new_counts(who: Principal, views: list[lists.View], teams: list[dict[str, Any]],
                now: datetime) -> Run:  # fmt: skip
    async def run(rt: Runtime) -> int:
        async with rt.stores.read() as store:
            return len(await lists.counts(store, who, views, now, teams))

    return run


@dataclass
class Timed:
    name: str
    new: list[float]
    old: list[float] | None
    rows: int


async def _samples(rt: Runtime, fns: list[Run], reps: int) -> list[list[float]]:
    """Alternately, so load from elsewhere on the machine falls on each alike."""
    out: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        await fn(rt)
    for _ in range(reps):
        for fn, samples in zip(fns, out, strict=True):
            began = clock.perf_counter()
            await fn(rt)
            samples.append(clock.perf_counter() - began)
    return out


async def measure(rt: Runtime, who: Principal, now: datetime, reps: int) -> list[Timed]:
    async with rt.stores.read() as store:
        teams = await queries.teams(store)
    views = lists.views(who, teams)
    results = []
    for view in views:
        new = _new_page(who, view, teams, now)
        old = None if view.group == "sla" else _old_page(who, view.key, view.team_id)
        fns = [new] if old is None else [new, old]
        samples = await _samples(rt, fns, reps)
        results.append(Timed(f"inbox {view.key}", samples[0],
                             samples[1] if old else None, await new(rt)))  # fmt: skip
    keys = [(v.key, v.team_id) for v in views if v.group != "sla"]
    both = await _samples(rt, [_new_counts(who, views, teams, now), _old_counts(who, keys)],
                          max(3, reps // 10))  # fmt: skip
    results.append(Timed(f"inbox rail counts ({len(views)} views)", both[0], both[1], len(views)))
    return results


async def plans(rt: Runtime, who: Principal, now: datetime) -> list[str]:
    """One line per view: the indexes its page and count read, and any full scan or sort."""
    async with rt.stores.read() as store:
        teams = await queries.teams(store)
    lines = []
    dialect = rt.db.engine.dialect.name
    for view in lists.views(who, teams):
        filt = lists.resolve(view, who, now, lists.Filters(), teams)
        assert filt is not None
        async with rt.stores.read() as store:
            found = await explain(
                rt.db.engine, store, who, filt, cap=lists.COUNT_CAP, discourage=False
            )
        indexes = sorted({w for plan in found for _i, _p, d in plan for w in d.replace("(", " ")
                          .split() if w.startswith("ix_ticket_")})  # fmt: skip
        bad = [p for plan in found for p in problems(dialect, plan, small_sorts_ok=True)]
        verdict = "index seeks, no scan or sort" if not bad else f"PROBLEM: {bad[:2]}"
        lines.append(f"    {view.key:14} {verdict}; {', '.join(indexes)}")
    return lines

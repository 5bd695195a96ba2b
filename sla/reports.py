"""SLA reports over a period: achievement per day (the trend) and the distribution of business
time to first reply and to resolution, per team, category, agent or channel.

Aggregation happens in SQL; only small results (quarter-hour buckets, a few rows per group)
reach Python. Days are the viewer's local days: clocks are counted per UTC quarter hour (the
roll-up's buckets) and the quarters are then put on local dates, which is exact for every zone
as every offset is a whole number of quarter hours.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select

from helpdesk.domain import Principal
from helpdesk.store import Store
from helpdesk.tables import ticket_t, user_t
from sla import rollup
from sla.reads import _GROUPS, _visible
from sla.tables import clock_t, escalation_t

DECIDED = ("fulfilled", "breached", "breached_fulfilled")


async def achievement_trend(
    store: Store,
    who: Principal,
    *,
    start: datetime,
    end: datetime,
    tz: str,
    metric: str | None = None,
) -> list[dict[str, Any]]:
    """Per local day and metric: clocks decided that day (met at fulfilment, breached at the
    breach), how many met their target, and the share met. Read from the roll-up of quarter
    hours (`sla.rollup`), equal to counting the clocks themselves."""
    counted = rollup.union(
        rollup.parts(store, who, basis="decided", start=start, end=end, metric=metric)
    )
    total = func.sum(counted.c.total)
    stmt: Select[Any] = (
        select(counted.c.metric, counted.c.bucket, total.label("total"),
               func.sum(counted.c.met).label("met"))
        .group_by(counted.c.metric, counted.c.bucket)
        .having(total > 0)
    )  # fmt: skip
    zone = ZoneInfo(tz)
    days: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in await store.execute(stmt):
        counts = days[(_utc(row.bucket).astimezone(zone).date(), row.metric)]
        counts[0] += int(row.total)
        counts[1] += int(row.met or 0)
    return [
        {
            "day": day.isoformat(),
            "metric": name,
            "total": total,
            "met": met_count,
            "achieved": round(met_count / total, 4),
        }
        for (day, name), (total, met_count) in sorted(days.items())
    ]


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def distribution(
    store: Store,
    who: Principal,
    *,
    start: datetime,
    end: datetime,
    metric: str,
    group_by: str,
) -> list[dict[str, Any]]:
    """Per group: how many `metric` clocks were fulfilled in [start, end), and the median and
    90th percentile (nearest rank) of the business time they took, in seconds."""
    key = _GROUPS[group_by].label("grp")
    ranked = _visible(
        select(
            key,
            clock_t.c.elapsed_s,
            func.row_number()
            .over(partition_by=_GROUPS[group_by], order_by=clock_t.c.elapsed_s)
            .label("rn"),
            func.count().over(partition_by=_GROUPS[group_by]).label("n"),
        )
        .join(ticket_t, ticket_t.c.id == clock_t.c.ticket_id)
        .where(
            clock_t.c.metric == metric,
            clock_t.c.fulfilled_at.is_not(None),
            clock_t.c.fulfilled_at >= start,
            clock_t.c.fulfilled_at < end,
        ),
        who,
    ).subquery()
    median_rank = (ranked.c.n + 1) // 2  # ceil(n / 2)
    p90_rank = (ranked.c.n * 9 + 9) // 10  # ceil(0.9 n)
    stmt = (
        select(
            ranked.c.grp,
            func.max(ranked.c.n).label("n"),
            func.max(case((ranked.c.rn == median_rank, ranked.c.elapsed_s))).label("median"),
            func.max(case((ranked.c.rn == p90_rank, ranked.c.elapsed_s))).label("p90"),
        )
        .where((ranked.c.rn == median_rank) | (ranked.c.rn == p90_rank))
        .group_by(ranked.c.grp)
        .order_by(ranked.c.grp)
    )
    return [
        {
            group_by: row.grp,
            "metric": metric,
            "count": int(row.n),
            "median_s": int(row.median),
            "p90_s": int(row.p90),
        }
        for row in await store.execute(stmt)
    ]


async def escalations(
    store: Store, who: Principal, *, start: datetime, end: datetime, limit: int = 500
) -> list[dict[str, Any]]:
    """Escalation levels fired in [start, end), newest first, with who acknowledged each and
    when (an acknowledgement stops the clock's ladder)."""
    acker = user_t.alias("acker")
    stmt = (
        select(
            escalation_t.c.id,
            escalation_t.c.ticket_id,
            ticket_t.c.number,
            ticket_t.c.subject,
            ticket_t.c.team_id,
            escalation_t.c.metric,
            escalation_t.c.cycle,
            escalation_t.c.level,
            escalation_t.c.due_at,
            escalation_t.c.fired_at,
            escalation_t.c.actions,
            escalation_t.c.errors,
            escalation_t.c.acknowledged_at,
            escalation_t.c.acknowledged_by,
            acker.c.name.label("acknowledged_by_name"),
            escalation_t.c.webhook_state,
        )
        .join(ticket_t, ticket_t.c.id == escalation_t.c.ticket_id)
        .outerjoin(acker, acker.c.id == escalation_t.c.acknowledged_by)
        .where(escalation_t.c.fired_at >= start, escalation_t.c.fired_at < end)
        .order_by(escalation_t.c.fired_at.desc(), escalation_t.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in (await store.execute(_visible(stmt, who))).mappings()]

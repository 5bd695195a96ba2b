"""Figures supervisors read: aggregates over stored history, never a scan per row in Python."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, case, cast, func, literal_column, or_, select

from helpdesk.domain import SurveyStatus
from helpdesk.store import Store
from helpdesk.tables import survey_t, ticket_t

CSAT_GROUPS = {
    "agent": survey_t.c.agent_id,
    "team": survey_t.c.team_id,
    "category": survey_t.c.category_id,
    "channel": survey_t.c.channel,
}


async def csat(
    store: Store, by: str, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """CSAT per agent, team, category or channel over surveys sent in [since, until): how many
    went out, how many were answered, the average rating and the share of 4s and 5s (the usual
    CSAT score). The agent, team and category are those snapshotted when the survey was sent."""
    key = CSAT_GROUPS[by]
    answered = survey_t.c.status == SurveyStatus.RATED.value
    stmt = (
        select(
            key.label("key"),
            func.count().label("sent"),
            func.sum(case((answered, 1), else_=0)).label("answered"),
            func.avg(survey_t.c.rating).label("average"),
            func.sum(case((survey_t.c.rating >= 4, 1), else_=0)).label("satisfied"),
        )
        .where(
            survey_t.c.status.in_(
                [SurveyStatus.SENT.value, SurveyStatus.RATED.value, SurveyStatus.EXPIRED.value]
            )
        )
        .group_by(key)
        .order_by(key)
    )
    if since is not None:
        stmt = stmt.where(survey_t.c.sent_at >= since)
    if until is not None:
        stmt = stmt.where(survey_t.c.sent_at < until)
    rows = (await store.execute(stmt)).mappings()
    out = []
    for row in rows:
        answered_count = int(row["answered"] or 0)
        out.append(
            {
                by: row["key"],
                "sent": int(row["sent"]),
                "answered": answered_count,
                "average": round(float(row["average"]), 2) if row["average"] is not None else None,
                "csat": round(int(row["satisfied"] or 0) / answered_count, 4)
                if answered_count
                else None,
            }
        )
    return out


def hour_bucket(column: Any, dialect: str) -> Any:
    """The UTC quarter hour an instant falls in, as text 'YYYY-MM-DD HH:q' (q from 0 to 3) on
    both databases. Quarter hours, because every time zone's offset is a whole number of them
    (India's +05:30, Nepal's +05:45), so each bucket lies inside one local day."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        quarter = cast(func.extract("minute", utc), Integer) // 15
        return func.to_char(utc, "YYYY-MM-DD HH24:", type_=String) + cast(quarter, String)
    minute = cast(func.strftime("%M", column), Integer)
    return func.strftime("%Y-%m-%d %H:", column, type_=String) + cast(minute // 15, String)


def local_day(bucket: str, zone: ZoneInfo) -> date:
    """The local date of a UTC quarter-hour bucket."""
    hour, _, quarter = bucket.partition(":")
    start = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=ZoneInfo("UTC"))
    return (start + timedelta(minutes=15 * int(quarter))).astimezone(zone).date()


async def _per_local_day(
    store: Store, column: Any, start: datetime, end: datetime, zone: ZoneInfo, *keys: Any
) -> dict[tuple[Any, ...], int]:
    """Row counts per (local day, *keys) of rows whose `column` falls in [start, end)."""
    bucket = hour_bucket(column, store.dialect).label("bucket")
    stmt = (
        select(bucket, *keys, func.count().label("n"))
        .where(column >= start, column < end)
        .group_by(literal_column("bucket"), *keys)
    )
    counts: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in await store.execute(stmt):
        counts[(local_day(row[0], zone), *row[1:-1])] += int(row.n)
    return counts


async def volume(store: Store, start: datetime, end: datetime, tz: str) -> list[dict[str, Any]]:
    """Per local day in [start, end): tickets created per channel, tickets resolved (solved, or
    closed unsolved), and the backlog of unresolved tickets at the end of the day.

    The backlog follows from the one at `start` plus created minus resolved, so three indexed
    aggregates cover any number of days. A reopened ticket counts as resolved at its last
    solve, the one stored."""
    zone = ZoneInfo(tz)
    resolved_at = func.coalesce(ticket_t.c.solved_at, ticket_t.c.closed_at)
    created = await _per_local_day(
        store, ticket_t.c.created_at, start, end, zone, ticket_t.c.channel
    )
    resolved = await _per_local_day(store, resolved_at, start, end, zone)
    before = await store.execute(
        select(func.count()).where(
            ticket_t.c.created_at < start, or_(resolved_at.is_(None), resolved_at >= start)
        )
    )
    backlog = int(before.scalar_one())
    days: list[date] = []
    day = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    out = []
    for day in days:
        by_channel = {key[1]: n for key, n in created.items() if key[0] == day}
        done = resolved.get((day,), 0)
        backlog += sum(by_channel.values()) - done
        out.append(
            {
                "day": day.isoformat(),
                "created": sum(by_channel.values()),
                "created_by_channel": dict(sorted(by_channel.items())),
                "resolved": done,
                "backlog": backlog,
            }
        )
    return out

"""The reports' roll-up of decided clocks: how it is caught up, and how a report reads it.

Why it is exact. Triggers (migration sla_0004) append a -1 row for what a clock or ticket
counted for before a change and a +1 row for what it counts for after it, in the transaction of
the change, whoever makes it: the engine deciding a clock, a recomputation after an SLA
configuration change or a reopen (a decided clock that changes or stops being decided), a
ticket moving to another team, category or assignee. So at every snapshot,
`sla_rollup + sla_rollup_delta` is exactly the raw aggregate of `sla_clock JOIN ticket`.
`fold` moves delta rows into the roll-up in one transaction (PostgreSQL: one statement that
deletes what it folds, so a delta committed meanwhile is never skipped; SQLite: writers are
serialised), and every report reads roll-up and pending deltas in one statement, so a fold
between two reads can neither count a change twice nor miss it.

Attribution: a clock counts under its ticket's current team, category, assignee and channel
(what the reports counted before the roll-up existed: a ticket moved to another team takes
its figures along).

The roll-up counts whole UTC quarter hours; a period's partial quarter hours at either end are
counted from `sla_clock` itself over its time indexes (a few minutes of clocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
)

from helpdesk.domain import Principal
from helpdesk.runtime import Runtime
from helpdesk.store import Store
from helpdesk.tables import ticket_t
from sla.tables import clock_t, rollup_delta_t, rollup_t

DECIDED = ("fulfilled", "breached", "breached_fulfilled")
QUARTER = timedelta(minutes=15)
FOLD_JOB = "sla_rollup_fold"
FOLD_EVERY = timedelta(seconds=60)
FOLD_BATCH = 50_000
_LOCK = 0x51A_0011  # PostgreSQL advisory lock: one fold at a time

_ROLLUP_KEYS = {
    "team": rollup_t.c.team_id,
    "category": rollup_t.c.category_id,
    "agent": rollup_t.c.assignee_id,
    "channel": rollup_t.c.channel,
}
_DELTA_KEYS = {
    "team": rollup_delta_t.c.team_id,
    "category": rollup_delta_t.c.category_id,
    "agent": rollup_delta_t.c.assignee_id,
    "channel": rollup_delta_t.c.channel,
}
_TICKET_KEYS = {
    "team": ticket_t.c.team_id,
    "category": ticket_t.c.category_id,
    "agent": ticket_t.c.assignee_id,
    "channel": ticket_t.c.channel,
}


def floor_quarter(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def ceil_quarter(at: datetime) -> datetime:
    floor = floor_quarter(at)
    return floor if floor == at else floor + QUARTER


@dataclass(frozen=True)
class Split:
    """[start, end) as whole quarter hours (`body`, or None) and the partial ones (`edges`)."""

    body: tuple[datetime, datetime] | None
    edges: list[tuple[datetime, datetime]]


def split(start: datetime, end: datetime) -> Split:
    first, last = ceil_quarter(start), floor_quarter(end)
    if first >= last:
        return Split(None, [(start, end)] if start < end else [])
    return Split((first, last), [(a, b) for a, b in ((start, first), (last, end)) if a < b])


def _nullable(column: Any, group: str) -> Any:
    """The roll-up stores a missing team, category or assignee as 0; reports say None."""
    return column if group == "channel" else func.nullif(column, 0)


def _sees(who: Principal, team: Any, assignee: Any, none: Any) -> ColumnElement[bool] | None:
    if who.sees_everything:
        return None
    return or_(team == none, team.in_(who.team_ids), assignee == who.user_id)


def quarter_of(column: Any, dialect: str) -> Any:
    """The UTC quarter hour an instant falls in, as a time like the roll-up's `bucket`."""
    if dialect == "postgresql":
        origin = literal(datetime(2000, 1, 1, tzinfo=UTC), type_=rollup_t.c.bucket.type)
        return type_coerce(
            func.date_bin(text("'15 minutes'::interval"), column, origin), rollup_t.c.bucket.type
        )
    minute = cast(func.substr(column, 15, 2), Integer)
    quarter = func.printf("%02d", minute - minute % 15)
    stamp = func.substr(column, 1, 14).op("||")(quarter).op("||")(literal(":00.000000", String))
    return type_coerce(stamp, rollup_t.c.bucket.type)


def _decided_at() -> Any:
    return case(
        (clock_t.c.state == "fulfilled", clock_t.c.fulfilled_at), else_=clock_t.c.breached_at
    )


def parts(
    store: Store,
    who: Principal,
    *,
    basis: str,
    start: datetime,
    end: datetime,
    group: str | None = None,
    metric: str | None = None,
) -> list[Select[Any]]:
    """Selects of (metric, grp, bucket, total, met) whose sums over a UNION ALL are the decided
    clocks of [start, end) by activation (`basis` "activated") or decision ("decided")."""
    pieces = split(start, end)
    found: list[Select[Any]] = []
    if pieces.body is not None:
        first, last = pieces.body
        for table, keys, bucket in (
            (rollup_t, _ROLLUP_KEYS, rollup_t.c.bucket),
            (
                rollup_delta_t,
                _DELTA_KEYS,
                rollup_delta_t.c.activated_bucket
                if basis == "activated"
                else rollup_delta_t.c.decided_bucket,
            ),
        ):
            grp = _nullable(keys[group], group) if group else literal(None, Integer)
            stmt = select(
                table.c.metric,
                grp.label("grp"),
                bucket.label("bucket"),
                table.c.total.label("total"),
                table.c.met.label("met"),
            ).where(bucket >= first, bucket < last)
            if table is rollup_t:
                stmt = stmt.where(rollup_t.c.basis == basis)
            if metric is not None:
                stmt = stmt.where(table.c.metric == metric)
            visible = _sees(who, table.c.team_id, table.c.assignee_id, 0)
            found.append(stmt if visible is None else stmt.where(visible))
    for a, b in pieces.edges:
        found.extend(_raw(store, who, basis, a, b, group, metric))
    return found


def _raw(
    store: Store,
    who: Principal,
    basis: str,
    start: datetime,
    end: datetime,
    group: str | None,
    metric: str | None,
) -> list[Select[Any]]:
    """The same figures straight from the clocks, for a partial quarter hour: one index range
    per time column a clock is counted by."""
    ranges: list[tuple[Any, Any]]
    if basis == "activated":
        ranges = [(clock_t.c.activated_at, clock_t.c.state.in_(DECIDED))]
    else:
        ranges = [
            (clock_t.c.fulfilled_at, clock_t.c.state == "fulfilled"),
            (clock_t.c.breached_at, clock_t.c.state.in_(DECIDED[1:])),
        ]
    found = []
    for column, decided in ranges:
        stmt = (
            select(
                clock_t.c.metric,
                (_TICKET_KEYS[group] if group else literal(None, Integer)).label("grp"),
                quarter_of(column, store.dialect).label("bucket"),
                literal(1, Integer).label("total"),
                case((clock_t.c.state == "fulfilled", 1), else_=0).label("met"),
            )
            .join(ticket_t, ticket_t.c.id == clock_t.c.ticket_id)
            .where(decided, column >= start, column < end)
        )
        if metric is not None:
            stmt = stmt.where(clock_t.c.metric == metric)
        visible = _sees(who, ticket_t.c.team_id, ticket_t.c.assignee_id, None)
        found.append(stmt if visible is None else stmt.where(visible))
    return found


_PG_FOLD = """
WITH moved AS (
  DELETE FROM sla_rollup_delta
  WHERE id IN (SELECT id FROM sla_rollup_delta ORDER BY id LIMIT :n)
  RETURNING metric, team_id, category_id, assignee_id, channel, activated_bucket,
            decided_bucket, total, met
), counted AS (
  SELECT 'activated' AS basis, activated_bucket AS bucket, metric, team_id, category_id,
         assignee_id, channel, total, met FROM moved
  UNION ALL
  SELECT 'decided', decided_bucket, metric, team_id, category_id, assignee_id, channel, total, met
  FROM moved WHERE decided_bucket IS NOT NULL
)
INSERT INTO sla_rollup AS r
  (basis, bucket, metric, team_id, category_id, assignee_id, channel, total, met)
SELECT basis, bucket, metric, team_id, category_id, assignee_id, channel, sum(total), sum(met)
FROM counted
GROUP BY basis, bucket, metric, team_id, category_id, assignee_id, channel
ORDER BY basis, bucket, metric, team_id, category_id, assignee_id, channel
ON CONFLICT (basis, bucket, metric, team_id, category_id, assignee_id, channel)
DO UPDATE SET total = r.total + EXCLUDED.total, met = r.met + EXCLUDED.met
"""
_SQLITE_LAST = "SELECT max(id) FROM (SELECT id FROM sla_rollup_delta ORDER BY id LIMIT :n)"
_SQLITE_FOLD = """
INSERT INTO sla_rollup
  (basis, bucket, metric, team_id, category_id, assignee_id, channel, total, met)
SELECT basis, bucket, metric, team_id, category_id, assignee_id, channel, sum(total), sum(met)
FROM (
  SELECT 'activated' AS basis, activated_bucket AS bucket, metric, team_id, category_id,
         assignee_id, channel, total, met FROM sla_rollup_delta WHERE id <= :last
  UNION ALL
  SELECT 'decided', decided_bucket, metric, team_id, category_id, assignee_id, channel, total, met
  FROM sla_rollup_delta WHERE id <= :last AND decided_bucket IS NOT NULL
)
WHERE true
GROUP BY basis, bucket, metric, team_id, category_id, assignee_id, channel
ON CONFLICT (basis, bucket, metric, team_id, category_id, assignee_id, channel)
DO UPDATE SET total = total + excluded.total, met = met + excluded.met
"""


async def fold(store: Store, limit: int = FOLD_BATCH) -> bool:
    """Move up to `limit` pending deltas into the roll-up; whether there were any."""
    if store.dialect == "postgresql":
        await store.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
        result = await store.execute(text(_PG_FOLD), {"n": limit})
        return bool(getattr(result, "rowcount", 0))
    last = (await store.execute(text(_SQLITE_LAST), {"n": limit})).scalar()
    if last is None:
        return False
    await store.execute(text(_SQLITE_FOLD), {"last": last})
    await store.execute(text("DELETE FROM sla_rollup_delta WHERE id <= :last"), {"last": last})
    return True


async def fold_job(rt: Runtime) -> int:
    """Job: fold every pending delta, a batch per unit of work; how many batches it took."""
    batches = 0
    while True:
        async with rt.stores() as store:
            if not await fold(store):
                return batches
        batches += 1


async def rebuild(store: Store) -> None:
    """Count every decided clock again from scratch, as pending deltas (for a bulk load made
    with the triggers off; the migration does the same for the clocks decided before it)."""
    if store.dialect == "postgresql":  # a fold committing in between would be counted twice
        await store.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    await store.execute(rollup_t.delete())
    await store.execute(rollup_delta_t.delete())
    columns = [
        clock_t.c.metric,
        func.coalesce(ticket_t.c.team_id, 0),
        func.coalesce(ticket_t.c.category_id, 0),
        func.coalesce(ticket_t.c.assignee_id, 0),
        ticket_t.c.channel,
        quarter_of(clock_t.c.activated_at, store.dialect),
        quarter_of(_decided_at(), store.dialect),
        literal(1, Integer),
        case((clock_t.c.state == "fulfilled", 1), else_=0),
    ]
    names = ["metric", "team_id", "category_id", "assignee_id", "channel", "activated_bucket",
             "decided_bucket", "total", "met"]  # fmt: skip
    rows = (
        select(*columns)
        .join(ticket_t, ticket_t.c.id == clock_t.c.ticket_id)
        .where(clock_t.c.state.in_(DECIDED))
    )
    await store.execute(rollup_delta_t.insert().from_select(names, rows))


def union(selects: list[Select[Any]]) -> Any:
    """The parts as one subquery (one statement, so one snapshot on PostgreSQL too)."""
    if not selects:
        empty = select(
            literal(None, String).label("metric"),
            literal(None, Integer).label("grp"),
            type_coerce(literal(None), rollup_t.c.bucket.type).label("bucket"),
            literal(0, Integer).label("total"),
            literal(0, Integer).label("met"),
        ).where(and_(literal(1, Integer) == 0))
        return empty.subquery()
    return union_all(*selects).subquery()

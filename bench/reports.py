"""Supervisor reports over a large history: the SLA achievement report, the at-risk board, the
achievement trend and the volume report, each against a hand-written raw SQL aggregate of the
same figures run on the same connection, in the same run.

    .venv/bin/python bench/reports.py [--tickets 1000000] [--pg URL]

N tickets over 90 days (5 teams, 3 channels), each with a first-reply and a resolution clock
in a mix of states, generated inside the database (bench/_report_seed.py). Each figure is the
median of 5 runs; the ratio is raw time / report time (1.0: as fast as the raw query; the aim is
at least 0.5 and under a second).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import insert, text

from bench import _report_seed
from helpdesk import reports as core_reports
from helpdesk.domain import Principal, Role
from helpdesk.migrate import upgrade
from helpdesk.settings import Settings
from helpdesk.tables import customer_t, team_t
from helpdesk.worker import assemble
from sla import reads, rollup
from sla import reports as sla_reports

NOW = datetime(2026, 12, 1, tzinfo=UTC)
START = NOW - timedelta(days=30)
TZ = "Europe/Istanbul"
BOSS = Principal(1, Role.SUPERVISOR, frozenset())
CHANNELS = ("email", "telegram", "web_form")
STATES = ("fulfilled", "fulfilled", "fulfilled", "breached_fulfilled", "breached", "active")


def _settings(url: str) -> Settings:
    return Settings(database_url=url, data_dir=Path(tempfile.gettempdir()), secret_key="b" * 32)


async def seed(url: str, tickets: int) -> None:
    rt = assemble(_settings(url))
    dialect = rt.db.engine.dialect.name
    try:
        async with rt.db.engine.begin() as conn:
            if dialect == "postgresql":
                # A bulk load without the per-row triggers (the full-text index's alone take
                # over a millisecond a ticket); the roll-up is then counted in one pass below.
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
            await conn.execute(
                insert(team_t), [{"id": i, "name": f"T{i}", "created_at": NOW} for i in range(1, 6)]
            )
            customer = (
                await conn.execute(
                    insert(customer_t).values(name="C", created_at=NOW).returning(customer_t.c.id)
                )
            ).scalar_one()
            for statement in _report_seed.statements(dialect, tickets, customer, NOW):
                await conn.exec_driver_sql(statement)
        began = time.perf_counter()
        if dialect == "postgresql":
            async with rt.stores() as store:
                await rollup.rebuild(store)
        await rollup.fold_job(rt)
        print(f"  (roll-up folded in {time.perf_counter() - began:.0f} s)")
        async with rt.db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await rt.close()


RAW_ACHIEVEMENT = """
SELECT c.metric, t.team_id, count(*), sum(CASE WHEN c.state = 'fulfilled' THEN 1 ELSE 0 END)
FROM sla_clock c JOIN ticket t ON t.id = c.ticket_id
WHERE c.activated_at >= :start AND c.activated_at < :end
  AND c.state IN ('fulfilled', 'breached', 'breached_fulfilled')
GROUP BY c.metric, t.team_id
"""
# The best hand-written form: a union of index seeks, each cut at the limit, instead of an OR.
_OPEN = "t.status IN ('new', 'open', 'pending', 'on_hold')"
RAW_BOARD = f"""
SELECT * FROM (
  SELECT * FROM (SELECT c.id, c.ticket_id, c.metric, c.state, c.due_at
    FROM sla_clock c JOIN ticket t ON t.id = c.ticket_id
    WHERE c.state = 'breached' AND {_OPEN} ORDER BY c.due_at, c.id LIMIT 100) AS b
  UNION ALL
  SELECT * FROM (SELECT c.id, c.ticket_id, c.metric, c.state, c.due_at
    FROM sla_clock c JOIN ticket t ON t.id = c.ticket_id
    WHERE c.state = 'active' AND c.due_at <= :soon AND {_OPEN}
    ORDER BY c.due_at, c.id LIMIT 100) AS s
  UNION ALL
  SELECT * FROM (SELECT c.id, c.ticket_id, c.metric, c.state, c.due_at
    FROM sla_clock c JOIN ticket t ON t.id = c.ticket_id
    WHERE c.warned_at IS NOT NULL AND c.due_at > :soon AND c.state || '' = 'active' AND {_OPEN}
    ORDER BY c.due_at, c.id LIMIT 100) AS w
  UNION ALL
  SELECT * FROM (SELECT c.id, c.ticket_id, c.metric, c.state, c.due_at
    FROM sla_clock c JOIN ticket t ON t.id = c.ticket_id
    WHERE c.warned_at IS NOT NULL AND c.due_at IS NULL AND c.state || '' = 'active' AND {_OPEN}
    ORDER BY c.due_at, c.id LIMIT 100) AS n
) AS u ORDER BY due_at, id LIMIT 100
"""
# The same achievement figures from the roll-up alone (labelled: not the baseline).
ROLLUP_ACHIEVEMENT = """
SELECT r.metric, r.team_id, sum(r.total), sum(r.met) FROM sla_rollup r
WHERE r.basis = 'activated' AND r.bucket >= :start AND r.bucket < :end
GROUP BY r.metric, r.team_id
"""
# The volume report's three figures: created per channel, resolved, and the backlog before.
RAW_VOLUME = """
SELECT (SELECT count(*) FROM ticket WHERE created_at >= :start AND created_at < :end),
       (SELECT count(*) FROM ticket
         WHERE coalesce(solved_at, closed_at) >= :start AND coalesce(solved_at, closed_at) < :end),
       (SELECT count(*) FROM ticket WHERE created_at < :start
         AND (coalesce(solved_at, closed_at) IS NULL OR coalesce(solved_at, closed_at) >= :start))
"""


async def timed(fn: Callable[[], Awaitable[Any]], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


async def measure(url: str, label: str, tickets: int) -> None:
    began = time.perf_counter()
    await seed(url, tickets)
    seeded = time.perf_counter() - began
    print(f"{label}: {tickets:,} tickets, {2 * tickets:,} clocks (seeded in {seeded:.0f} s)")
    rt = assemble(_settings(url))
    window = {"start": START, "end": NOW, "soon": NOW + timedelta(hours=1)}
    try:
        async with rt.stores.read() as store:

            async def raw(sql: str) -> Any:
                return (await store.conn.execute(text(sql), window)).all()

            cases: list[tuple[str, str, Callable[[], Awaitable[Any]]]] = [
                ("achievement, raw SQL on roll-up*", RAW_ACHIEVEMENT,
                 functools.partial(raw, ROLLUP_ACHIEVEMENT)),
                ("achievement by team, 30 days", RAW_ACHIEVEMENT,
                 lambda: reads.achievement(store, BOSS, start=START, end=NOW, group_by="team")),
                ("at-risk board, first 100", RAW_BOARD,
                 lambda: reads.tickets_at_risk(store, BOSS, reads.RiskFilter(limit=100), NOW)),
                ("achievement per day, 30 days", RAW_ACHIEVEMENT,
                 lambda: sla_reports.achievement_trend(store, BOSS, start=START, end=NOW, tz=TZ)),
                ("volume and backlog, 30 days", RAW_VOLUME,
                 lambda: core_reports.volume(store, START, NOW, TZ)),
            ]  # fmt: skip
            for name, sql, report in cases:
                raw_s = await timed(functools.partial(raw, sql))
                ours = await timed(report)
                print(
                    f"  {name:<32} raw {raw_s * 1000:>8.1f} ms   report {ours * 1000:>8.1f} ms"
                    f"   ratio {raw_s / ours:.2f}"
                )
    finally:
        await rt.close()


async def with_sqlite(tickets: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/reports.db"
        await asyncio.to_thread(upgrade, url)
        await measure(url, "SQLite", tickets)


async def with_pg(admin_url: str, tickets: int) -> None:
    name = f"helpdesk_bench_reports_{os.getpid()}"
    admin = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    try:
        await asyncio.to_thread(upgrade, url)
        await measure(url, "PostgreSQL", tickets)
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--pg", metavar="URL", help="also on PostgreSQL beside this database")
    parser.add_argument("--no-sqlite", action="store_true", help="only on PostgreSQL")
    args = parser.parse_args()
    if not args.no_sqlite:
        asyncio.run(with_sqlite(args.tickets))
    if args.pg:
        asyncio.run(with_pg(args.pg, args.tickets))


if __name__ == "__main__":
    main()

"""How fast is the SLA engine? Run on demand: .venv/bin/python bench/sla.py [--tickets N]

1. Due-time computations per second: `sla.clocks.evaluate` over a typical ticket history on
   an Istanbul office calendar (split day, Turkish holidays), against plain
   `datetime + timedelta` in the same run.
2. A reconciliation pass over N (default 100,000) open tickets of which 1% are due, on SQLite
   and on PostgreSQL (HELPDESK_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/test;
   the bench creates and drops a database of its own). Rows are seeded in bulk with Core
   inserts. Reported: the raw indexed query of the due rows, the pass that re-evaluates every
   due ticket (policy match, fact replay, clock rows, event log, re-arm), and an idle pass right
   after (nothing due), each as a ratio to the raw query.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sys
import tempfile
import time as clock
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import insert, select, text

from helpdesk.domain import AuthorKind, Status
from helpdesk.migrate import upgrade
from helpdesk.ports import FixedClock
from helpdesk.scheduling import InProcessScheduler
from helpdesk.settings import Settings
from helpdesk.tables import customer_t, ticket_t
from helpdesk.worker import assemble
from sla.calendar import BusinessCalendar
from sla.clocks import (
    AgentReply,
    Created,
    CustomerMessage,
    StatusChanged,
    TicketFact,
    evaluate,
)
from sla.handlers import RECONCILE_JOB
from sla.holiday_presets import country_holidays
from sla.tables import clock_t, policy_t, sla_ticket_t
from sla.targets import Metric, MetricTarget

H = timedelta(hours=1)
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
PG_URL = os.environ.get("HELPDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def due_time_rates(n: int = 5_000) -> None:
    hours = [(time(9), time(12, 30)), (time(13, 30), time(18))]
    calendar = BusinessCalendar(
        "Europe/Istanbul", {d: hours for d in range(5)}, country_holidays("TR", [2025, 2026, 2027])
    )
    targets = [
        MetricTarget(Metric.FIRST_REPLY, H),
        MetricTarget(Metric.NEXT_REPLY, 2 * H),
        MetricTarget(Metric.PERIODIC_UPDATE, 24 * H),
        MetricTarget(Metric.RESOLUTION, 40 * H),
    ]
    rng = random.Random(7)
    starts = [
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 500 * 24 * 60))
        for _ in range(n)
    ]
    histories: list[list[TicketFact]] = [
        [
            Created(s),
            AgentReply(s + 0.5 * H, author_kind=AuthorKind.AGENT),
            StatusChanged(s + 0.5 * H, Status.NEW, Status.PENDING),
            CustomerMessage(s + 5 * H),
            StatusChanged(s + 5 * H, Status.PENDING, Status.OPEN),
        ]
        for s in starts
    ]
    began = clock.perf_counter()
    for history in histories:
        evaluate(targets, history, calendar, history[-1].at + 3 * H)
    evaluations = n / (clock.perf_counter() - began)
    began = clock.perf_counter()
    for start in starts:
        calendar.add(start, 8 * H)
    adds = n / (clock.perf_counter() - began)
    began = clock.perf_counter()
    for start in starts:
        _ = start + 8 * H
    plain = n / (clock.perf_counter() - began)
    print("due-time computations")
    print(
        f"  evaluate(4 metrics, 5 facts)   {evaluations:>12,.0f}/s   "
        f"1/{plain / evaluations:,.0f} of plain"
    )
    print(f"  BusinessCalendar.add(8h)       {adds:>12,.0f}/s   1/{plain / adds:,.0f} of plain")
    print(f"  datetime + timedelta (plain)   {plain:>12,.0f}/s")


async def seed(settings: Settings, tickets: int) -> None:
    """N open tickets with one running first-reply clock each; 1% are due at NOW."""
    rt = assemble(settings, clock=FixedClock(NOW), scheduler=InProcessScheduler(FixedClock(NOW)))
    try:
        async with rt.db.engine.begin() as conn:
            await conn.execute(
                insert(policy_t).values(
                    name="bench", position=0, active=True, priorities=[], category_ids=[],
                    channels=[], tiers=[], tags=[], business_hours=False, pause_statuses={},
                    targets={"first_reply": {"normal": 3600}, "resolution": {"normal": 86400}},
                    warn_fraction=0.75, bots_fulfil=False, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
            customer = (
                await conn.execute(
                    insert(customer_t)
                    .values(name="Bench", created_at=NOW)
                    .returning(customer_t.c.id)
                )
            ).scalar_one()
            chunk = 5_000
            for base in range(0, tickets, chunk):
                ids = range(base + 1, min(base + chunk, tickets) + 1)
                await conn.execute(
                    insert(ticket_t),
                    [
                        {"id": i, "number": 10_000 + i, "token": secrets.token_hex(8),
                         "subject": f"t{i}", "status": "open", "priority": "normal",
                         "requester_id": customer, "channel": "email", "tags": [],
                         "created_at": NOW - 2 * H, "updated_at": NOW - 2 * H}
                        for i in ids
                    ],
                )  # fmt: skip
                await conn.execute(
                    insert(sla_ticket_t),
                    [{"ticket_id": i, "version": 1, "evaluated_at": NOW - 2 * H} for i in ids],
                )
                await conn.execute(
                    insert(clock_t),
                    [
                        {"ticket_id": i, "metric": "first_reply", "cycle": 0, "state": "active",
                         "paused": False, "target_s": 3600, "business_hours": False,
                         "activated_at": NOW - 2 * H, "due_at": NOW - H, "elapsed_s": 0,
                         "left_s": 3600, "updated_at": NOW - 2 * H,
                         "next_due": NOW - H if i % 100 == 0 else NOW + (i % 97 + 1) * H}
                        for i in ids
                    ],
                )  # fmt: skip
            if rt.db.is_sqlite:
                await conn.execute(text("ANALYZE"))
        if not rt.db.is_sqlite:
            # Fresh bulk loads have no planner statistics until autovacuum gets to them.
            async with rt.db.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
    finally:
        await rt.close()


async def measure(settings: Settings, label: str, tickets: int) -> None:
    began = clock.perf_counter()
    await seed(settings, tickets)
    seeded = clock.perf_counter() - began
    fixed = FixedClock(NOW)
    scheduler = InProcessScheduler(fixed)
    rt = assemble(settings, clock=fixed, scheduler=scheduler)
    scheduler.bind(rt.run_job)
    try:
        raw_times = []
        for _ in range(5):
            async with rt.db.engine.connect() as conn:
                began = clock.perf_counter()
                rows = await conn.execute(
                    select(clock_t.c.ticket_id, clock_t.c.next_due)
                    .where(clock_t.c.next_due <= NOW)
                    .order_by(clock_t.c.next_due)
                    .limit(1000)
                )
                due = len(rows.all())
                raw_times.append(clock.perf_counter() - began)
        raw = min(raw_times)
        began = clock.perf_counter()
        handled = await rt.run_job(RECONCILE_JOB)
        full = clock.perf_counter() - began
        began = clock.perf_counter()
        idle_handled = await rt.run_job(RECONCILE_JOB)
        idle = clock.perf_counter() - began
    finally:
        await scheduler.stop()
        await rt.close()
    print(f"{label}: {tickets:,} open tickets, {due:,} due (seeded in {seeded:.1f} s)")
    print(f"  raw indexed query of the due rows   {raw * 1000:>9.2f} ms   1.0x")
    print(
        f"  reconciliation pass ({handled:>5,} handled) {full * 1000:>9.1f} ms   "
        f"{full / raw:,.0f}x   ({full / max(handled, 1) * 1000:.2f} ms per ticket)"
    )
    print(
        f"  idle pass right after ({idle_handled} due)    {idle * 1000:>9.2f} ms   "
        f"{idle / raw:,.1f}x"
    )


async def with_pg(tickets: int) -> None:
    name = f"helpdesk_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_conn = await asyncpg.connect(PG_URL, timeout=5)
    try:
        await admin_conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin_conn.close()
    url = PG_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    try:
        await asyncio.to_thread(upgrade, url)
        with tempfile.TemporaryDirectory() as tmp:
            await measure(Settings(database_url=url, data_dir=Path(tmp), secret_key="bench"),
                          "PostgreSQL", tickets)  # fmt: skip
    finally:
        admin_conn = await asyncpg.connect(PG_URL, timeout=5)
        try:
            await admin_conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin_conn.close()


async def with_sqlite(tickets: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, url)
        await measure(Settings(database_url=url, data_dir=Path(tmp), secret_key="bench"),
                      "SQLite", tickets)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    due_time_rates()
    asyncio.run(with_sqlite(args.tickets))
    asyncio.run(with_pg(args.tickets))


if __name__ == "__main__":
    main()

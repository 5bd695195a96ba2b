"""The admin pages' "recent changes" of one item over a large audit log, before and after the
`item` column and its index (helpdesk migration admin_0002). Run on demand:

    .venv/bin/python bench/audit_recent.py [--entries 200000] [--db sqlite,postgresql]

Seeds `--entries` configuration entries (40 kinds, 5,000 items), then times the bots page's
look-up (the last webhook entry of one bot: `audit_queries.recent_changes(..., item=name,
limit=1)`) against the same statement as it was before (the item read out of the entry's JSON),
on the same data in the same run. Prints each one's mean per look-up and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time as clock
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a plain script from any directory, whether or not the project is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import select

from helpdesk.audit_queries import recent_changes
from helpdesk.domain import AuditKind
from helpdesk.migrate import upgrade
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.tables import audit_t, user_t
from helpdesk.worker import assemble

PG_URL = os.environ.get("HELPDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
KINDS = [k for k in AuditKind if k.value.endswith(("_changed", "_saved", "_created", "_set"))]
WEBHOOK = (AuditKind.BOT_WEBHOOK_SET, AuditKind.BOT_WEBHOOK_FAILED)
ITEMS = 5_000
LOOKUPS = 300


def rows(n: int) -> list[tuple[Any, ...]]:
    rng = random.Random(12)
    kinds = [*KINDS[:38], *WEBHOOK]
    out = []
    for i in range(n):
        item = f"item-{rng.randrange(ITEMS)}"
        data = {"action": "updated", "item": item, "n": i}
        out.append((NOW - timedelta(seconds=n - i), "system", rng.choice(kinds).value, data, item))
    return out


def seed_sqlite(path: Path, data: list[tuple[Any, ...]]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO audit_event (at, actor_kind, kind, data, item) VALUES (?, ?, ?, ?, ?)",
            [
                (at.strftime("%Y-%m-%d %H:%M:%S.%f"), who, kind, json.dumps(d), item)
                for at, who, kind, d, item in data
            ],
        )
        conn.execute("ANALYZE")
    conn.close()


async def seed_pg(dsn: str, data: list[tuple[Any, ...]]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "audit_event",
            records=[(at, who, kind, json.dumps(d), item) for at, who, kind, d, item in data],
            columns=["at", "actor_kind", "kind", "data", "item"],
        )
        await conn.execute("ANALYZE audit_event")
    finally:
        await conn.close()


async def before(rt: Runtime, item: str) -> int:
    """The statement as it was: the item read out of the JSON, no index to seek."""
    query = (
        select(audit_t.c.at, audit_t.c.kind, audit_t.c.data, user_t.c.name.label("user_name"))
        .outerjoin(user_t, user_t.c.id == audit_t.c.actor_user_id)
        .where(audit_t.c.ticket_id.is_(None), audit_t.c.kind.in_([k.value for k in WEBHOOK]))
        .where(audit_t.c.data["item"].as_string() == item)
        .order_by(audit_t.c.id.desc())
        .limit(1)
    )
    async with rt.stores.read() as store:
        return len((await store.execute(query)).all())


async def after(rt: Runtime, item: str) -> int:
    async with rt.stores.read() as store:
        return len(await recent_changes(store, WEBHOOK, item=item, limit=1))


async def timed(rt: Runtime, fn: Callable[[Runtime, str], Awaitable[int]]) -> tuple[float, int]:
    rng = random.Random(7)
    items = [f"item-{rng.randrange(ITEMS)}" for _ in range(LOOKUPS)]
    found = 0
    for item in items[:20]:  # warm the caches and the connection pool
        await fn(rt, item)
    began = clock.perf_counter()
    for item in items:
        found += await fn(rt, item)
    return (clock.perf_counter() - began) / len(items), found


async def measure(url: str, label: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=url, data_dir=Path(tmp), secret_key="bench")
        rt = assemble(settings, clock=FixedClock(NOW))
        try:
            old, old_found = await timed(rt, before)
            new, new_found = await timed(rt, after)
        finally:
            await rt.close()
    assert old_found == new_found, (old_found, new_found)  # the same answers
    print(
        f"{label:>10} {n:>9,} entries: before {old * 1000:8.3f} ms/look-up, "
        f"after {new * 1000:8.3f} ms/look-up; before/after {old / new:,.1f}x "
        f"({new_found} of {LOOKUPS} items had a webhook entry)"
    )


async def run_sqlite(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        await asyncio.to_thread(seed_sqlite, path, rows(n))
        await measure(url, "SQLite", n)


async def run_pg(n: int) -> None:
    name = f"helpdesk_bench_audit_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_URL, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_URL.rsplit("/", 1)[0]
    try:
        url = base.replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
        await asyncio.to_thread(upgrade, url)
        await seed_pg(f"{base}/{name}", rows(n))
        await measure(url, "PostgreSQL", n)
    finally:
        admin = await asyncpg.connect(PG_URL, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    for db in args.db.split(","):
        asyncio.run(run_sqlite(args.entries) if db == "sqlite" else run_pg(args.entries))


if __name__ == "__main__":
    main()

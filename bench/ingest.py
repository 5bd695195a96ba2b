"""Ingest throughput on SQLite: the service layer against raw sqlite3 doing the same writes.

    .venv/bin/python bench/ingest.py [N]

Each synthetic message is a new customer opening a new ticket, the most expensive ingest path.
The headline is the core alone; a second line adds every component's after-commit work.
The baseline writes the same rows per ticket (customer, identity, ticket number, ticket,
participant, message, thread key, audit event) with plain sqlite3, one transaction per ticket,
with the same pragmas (WAL, synchronous=FULL), so the ratio is what our layers cost over the
physical limit of this disk and CPU. Both runs are measured in this process, in this run.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channels.base import Identity, InboundMessage  # noqa: E402
from helpdesk import services  # noqa: E402
from helpdesk.migrate import upgrade  # noqa: E402
from helpdesk.scheduling import InProcessScheduler  # noqa: E402
from helpdesk.settings import Settings  # noqa: E402
from helpdesk.worker import assemble, start  # noqa: E402


def messages(n: int) -> list[InboundMessage]:
    now = datetime.now(UTC)
    return [
        InboundMessage(
            channel="email",
            external_id=f"<bench-{i}@example.com>",
            sender=Identity("email", f"customer{i}@example.com", f"Customer {i}"),
            subject=f"Order {i} has not arrived",
            text="Hello, my order has not arrived yet. Can you check?",
            full_text="Hello, my order has not arrived yet. Can you check?\n\n> quoted",
            received_at=now,
        )
        for i in range(n)
    ]


async def service_rate(path: Path, batch: list[InboundMessage], *, product: bool) -> float:
    """Tickets per second through `services.ingest`, one unit of work each.

    `product=False`: the core alone, the same rows as the raw baseline. `product=True`: every
    component installed and their after-commit jobs (SLA clocks, ...) run to completion
    inside the measured time, which is what one process sustains end to end.
    """
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(database_url=url, data_dir=path.parent / "data", secret_key="x" * 32)
    rt = assemble(settings, with_components=product)
    await start(rt, periodic=False)
    try:
        started = time.perf_counter()
        for message in batch:
            async with rt.stores() as store:
                await services.ingest(store, message)
        if isinstance(rt.scheduler, InProcessScheduler):
            await rt.scheduler.drain(limit=600)
        return len(batch) / (time.perf_counter() - started)
    finally:
        await rt.close()


def raw_rate(path: Path, batch: list[InboundMessage]) -> float:
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)  # the same schema and indexes as the service run
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
        conn.execute(f"PRAGMA {pragma}")
    now = datetime.now(UTC).isoformat()
    started = time.perf_counter()
    for i, m in enumerate(batch):
        conn.execute("BEGIN IMMEDIATE")
        found = conn.execute(
            "SELECT customer_id FROM customer_identity WHERE kind=? AND address=?",
            ("email", m.sender.address),
        ).fetchone()
        assert found is None
        customer = conn.execute(
            "INSERT INTO customer (name, created_at) VALUES (?, ?) RETURNING id",
            (m.sender.display_name, now),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO customer_identity (customer_id, kind, address, display_name, created_at)"
            " VALUES (?, 'email', ?, ?, ?)",
            (customer, m.sender.address, m.sender.display_name, now),
        )
        number = conn.execute(
            "UPDATE counter SET value = value + 1 WHERE name = 'ticket' RETURNING value"
        ).fetchone()[0]
        ticket = conn.execute(
            "INSERT INTO ticket (number, token, subject, status, priority, requester_id, channel,"
            " tags, created_at, updated_at) VALUES (?, ?, ?, 'new', 'normal', ?, 'email', '[]',"
            " ?, ?) RETURNING id",
            (number, f"tok{i}", m.subject, customer, now, now),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO ticket_participant (ticket_id, customer_id, role)"
            " VALUES (?, ?, 'requester')",
            (ticket, customer),
        )
        message = conn.execute(
            "INSERT INTO message (ticket_id, direction, author_kind, author_customer_id, channel,"
            " external_id, subject, text, full_text, \"references\", meta, created_at)"
            " VALUES (?, 'inbound', 'customer', ?, 'email', ?, ?, ?, ?, '[]', ?, ?) RETURNING id",
            (ticket, customer, m.external_id, m.subject, m.text, m.full_text,
             json.dumps({"sent_at": now}), now),
        ).fetchone()[0]  # fmt: skip
        conn.execute(
            "INSERT INTO thread_key (key, ticket_id, message_id) VALUES (?, ?, ?)",
            (m.external_id, ticket, message),
        )
        conn.execute(
            "INSERT INTO audit_event (ticket_id, at, actor_kind, actor_customer_id, kind, data)"
            " VALUES (?, ?, 'customer', ?, 'ticket_created', ?)",
            (ticket, now, customer, json.dumps({"channel": "email", "number": number})),
        )
        conn.execute("COMMIT")
    rate = len(batch) / (time.perf_counter() - started)
    conn.close()
    return rate


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    batch = messages(n)
    with tempfile.TemporaryDirectory() as tmp:
        raw = raw_rate(Path(tmp) / "raw.db", batch)
        core = asyncio.run(service_rate(Path(tmp) / "core.db", batch, product=False))
        product = asyncio.run(service_rate(Path(tmp) / "product.db", batch, product=True))
    print(f"ingest, {n} new tickets on SQLite (WAL, synchronous=FULL), one transaction each")
    print(f"  raw sqlite3, same rows:           {raw:8.0f} tickets/s  (baseline 1.00)")
    print(f"  services.ingest (core):           {core:8.0f} tickets/s  ({core / raw:.2f} of raw)")
    ratio = product / raw
    print(f"  + every component's jobs (SLA):   {product:8.0f} tickets/s  ({ratio:.2f} of raw)")


if __name__ == "__main__":
    main()

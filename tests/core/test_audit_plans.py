"""The admin pages' "recent changes" of one item read the configuration entries through
`ix_audit_config_item`, newest first: no scan of the audit log and no sort, on SQLite and
PostgreSQL (the audit log grows with every ticket change, the configuration entries do not);
and the migration that adds the index fills the item of entries written before it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlalchemy import Select

from helpdesk.audit_queries import recent_changes, recent_changes_query
from helpdesk.domain import Actor, AuditKind
from helpdesk.migrate import upgrade
from helpdesk.runtime import Runtime
from helpdesk.services._common import audit_config

KINDS = (AuditKind.BOT_WEBHOOK_SET, AuditKind.BOT_WEBHOOK_FAILED)


async def _plan(runtime: Runtime, query: Select[object]) -> list[str]:
    engine = runtime.db.engine
    dialect = engine.dialect.name
    # Constants in place of parameters: PostgreSQL plans what it would for these values.
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        if dialect == "postgresql":
            # A test database's few rows make a scan cheapest: ask whether the index path exists.
            for knob in ("enable_seqscan", "enable_bitmapscan"):
                await conn.exec_driver_sql(f"SET {knob} = off")
            rows = (await conn.exec_driver_sql("EXPLAIN " + sql)).all()
            plan = [str(r[0]) for r in rows]
        else:
            rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)).all()
            plan = [str(tuple(r)[3]) for r in rows]
        await conn.rollback()
    return plan


async def test_recent_changes_of_one_item_read_the_item_index_newest_first(
    runtime: Runtime,
) -> None:
    async with runtime.stores() as store:
        for n in range(30):
            kind = KINDS[n % 2]
            await audit_config(store, Actor.system(), kind, item=f"bot-{n % 3}", detail=str(n))
            await audit_config(store, Actor.system(), AuditKind.MAILBOX_TESTED, item="bot-1")
    async with runtime.stores.read() as store:
        found = await recent_changes(store, KINDS, item="bot-1", limit=3)
    # The query still answers what it did: this item's entries of these kinds, newest first.
    assert [(c.kind, c.subject, c.data["detail"]) for c in found] == [
        ("bot_webhook_set", "bot-1", "28"),
        ("bot_webhook_failed", "bot-1", "25"),
        ("bot_webhook_set", "bot-1", "22"),
    ]
    plan = await _plan(runtime, recent_changes_query(KINDS, item="bot-1", limit=3))
    text = "\n".join(plan)
    assert "ix_audit_config_item" in text, text
    if runtime.db.engine.dialect.name == "postgresql":
        assert "Seq Scan" not in text and "Sort" not in text, text
    else:
        assert not any(line.startswith("SCAN audit_event") for line in plan), text
        assert "TEMP B-TREE" not in text, text


def test_the_migration_copies_the_item_of_entries_written_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "admin_0001")  # the audit log as it was: the item only in the JSON
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO audit_event (at, actor_kind, kind, data) VALUES (?, 'system', ?, ?)",
            [
                ("2026-11-01 09:00:00", "bot_webhook_set", json.dumps({"item": "support"})),
                ("2026-11-01 09:01:00", "team_created", json.dumps({"name": "Billing"})),
                ("2026-11-01 09:02:00", "sla_policy_changed", json.dumps({"item": "x" * 300})),
            ],
        )
    conn.close()
    upgrade(url)
    with sqlite3.connect(path) as conn:
        items = [r[0] for r in conn.execute("SELECT item FROM audit_event ORDER BY id")]
    conn.close()
    assert items == ["support", None, "x" * 200]

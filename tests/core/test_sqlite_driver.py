"""SQLite statements cross to their connection's thread once each (a write transaction's not
at all once it holds the lock, a WAL reader's not at all within its budget), and still answer
as the driver did: rows, row counts, generated ids, sqlite3's errors mapped by SQLAlchemy."""

from __future__ import annotations

import asyncio
import gc
import shutil
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from helpdesk import sqlite_driver
from helpdesk.db import Database
from helpdesk.runtime import Runtime
from helpdesk.tables import team_t
from helpdesk.writegate import as_background

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def _migrated(sqlite_template: Path, tmp_path: Path) -> Path:
    """A copy of the migrated template database, for this test alone."""
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    return path


@pytest.fixture
async def db(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{_migrated(sqlite_template, tmp_path)}")
    yield database
    await database.dispose()


@pytest.fixture
def crossings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    call = sqlite_driver._Thread.call

    async def counted(self: sqlite_driver._Thread, fn: Callable[[], Any]) -> Any:
        seen.append(getattr(fn, "__qualname__", repr(fn)))
        return await call(self, fn)

    monkeypatch.setattr(sqlite_driver._Thread, "call", counted)
    return seen


async def test_a_statement_with_rows_crosses_to_the_thread_once(
    db: Database, crossings: list[str]
) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(insert(team_t), [{"name": "Billing", "created_at": NOW}])
        crossings.clear()
        names = (await conn.execute(select(team_t.c.name))).scalars().all()
        assert len(crossings) == 1
        assert names == ["Billing"]


async def test_counts_ids_and_errors_come_back_as_from_sqlite3(db: Database) -> None:
    async with db.engine.begin() as conn:
        created = await conn.execute(insert(team_t).values(name="Billing", created_at=NOW))
        (team_id,) = created.inserted_primary_key or (None,)
        assert isinstance(team_id, int)
        await conn.execute(insert(team_t).values(name="Sales", created_at=NOW))
        renamed = await conn.execute(update(team_t).values(created_at=LATER))
        assert renamed.rowcount == 2
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(insert(team_t).values(id=team_id, name="Again", created_at=NOW))
    async with db.read_engine.connect() as conn:
        rows = (await conn.execute(select(team_t.c.name, team_t.c.created_at))).all()
    assert sorted(rows) == [("Billing", LATER), ("Sales", LATER)]


async def test_disposing_the_database_ends_its_connection_threads(db: Database) -> None:
    before = _driver_threads()
    async with db.engine.begin() as conn:
        await conn.execute(text("SELECT 1"))
    async with db.read_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    mine = _driver_threads() - before
    assert len(mine) == 2  # a writer's and a reader's connection
    await db.dispose()
    for thread in mine:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in mine)


def _driver_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "helpdesk-sqlite" and t.is_alive()}


async def test_a_database_dropped_without_disposing_ends_its_threads(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = _migrated(sqlite_template, tmp_path)
    before = _driver_threads()
    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.engine.begin() as conn:
        await conn.execute(text("SELECT 1"))
    mine = _driver_threads() - before
    assert len(mine) == 1
    del database, conn
    gc.collect()
    for thread in mine:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in mine)


async def test_the_isolation_level_can_be_changed_per_connection(db: Database) -> None:
    """SQLAlchemy changes it on the connection's thread through aiosqlite's call queue."""
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="READ UNCOMMITTED")
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is not None
        assert raw.driver_connection.isolation_level == ""  # sqlite3's own transactions
        assert await conn.get_isolation_level() == "READ UNCOMMITTED"


async def test_options_in_the_database_url_reach_sqlite(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = _migrated(sqlite_template, tmp_path)
    read_only = Database(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        with pytest.raises(OperationalError, match="readonly"):
            async with read_only.engine.begin() as conn:
                await conn.execute(insert(team_t).values(name="Billing", created_at=NOW))
    finally:
        await read_only.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_requests_and_short_jobs_write_on_the_loop_and_long_passes_on_the_thread(
    runtime: Runtime, crossings: list[str]
) -> None:
    """Inside a request's or a short job's unit of work only BEGIN and COMMIT cross to the
    thread, however many statements it runs; a long pass's statements cross each (one of
    them may run for long, and nothing can stop a write statement midway)."""

    async def write_teams(names: list[str]) -> int:
        crossings.clear()
        async with runtime.stores() as store:
            for name in names:
                await store.execute(insert(team_t).values(name=name, created_at=NOW))
        return len(crossings)

    assert await write_teams(["Billing", "Sales", "Support"]) == 2  # BEGIN IMMEDIATE, COMMIT
    with as_background(short=True):  # as `Runtime.run_job` runs a `Job(..., short=True)`
        assert await write_teams(["Legal", "Shipping", "Returns"]) == 2
    with as_background():  # an erasure, a retention run, a fold
        assert await write_teams(["Field", "Partners", "Press"]) == 2 + 3
    async with runtime.stores.read() as store:
        names = (await store.execute(select(team_t.c.name))).scalars().all()
    assert len(names) == 9


async def test_a_transaction_goes_back_to_the_thread_once_its_loop_budget_is_spent(
    db: Database, crossings: list[str]
) -> None:
    def pause(seconds: float) -> int:
        time.sleep(seconds)
        return 1

    @event.listens_for(db.engine.sync_engine, "connect")
    def _register(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("pause", 1, pause)

    token = sqlite_driver.ON_LOOP.set(True)  # as a request's unit of work sets it
    try:
        async with db.engine.begin() as conn:
            crossings.clear()  # opening the connection and BEGIN
            for _ in range(3):
                await conn.execute(
                    text("SELECT pause(:s)"), {"s": 2 * sqlite_driver.ON_LOOP_BUDGET}
                )
            # The first ran on the loop and spent the budget; the others crossed.
            assert len(crossings) == 2
    finally:
        sqlite_driver.ON_LOOP.reset(token)


async def test_without_wal_a_transaction_stays_on_the_thread(crossings: list[str]) -> None:
    """An in-memory database keeps a rollback journal, where a statement may wait for locks."""
    db = Database("sqlite+aiosqlite://")
    token = sqlite_driver.ON_LOOP.set(True)
    try:
        async with db.engine.begin() as conn:
            crossings.clear()
            for _ in range(3):
                await conn.execute(text("SELECT 1"))
            assert len(crossings) == 3
    finally:
        sqlite_driver.ON_LOOP.reset(token)
        await db.dispose()


async def test_a_read_runs_on_the_loop(db: Database, crossings: list[str]) -> None:
    """A WAL reader takes no lock a writer holds: BEGIN, its statements and COMMIT stay on the
    loop, once each statement has run on the connection's thread the first time (sqlite3
    prepares it then, and keeps it prepared)."""
    async with db.engine.begin() as conn:
        await conn.execute(insert(team_t).values(name="Billing", created_at=NOW))
    async with db.read_engine.connect() as conn:
        crossings.clear()  # opening the connection
        async with conn.begin():
            for _ in range(3):
                names = (await conn.execute(select(team_t.c.name))).scalars().all()
        assert len(crossings) == 2  # BEGIN and the SELECT, the first time
        crossings.clear()
        async with conn.begin():
            for _ in range(3):
                names = (await conn.execute(select(team_t.c.name))).scalars().all()
    assert names == ["Billing"]
    assert crossings == []


async def test_a_read_error_without_a_sqlite_code_is_still_a_database_error(db: Database) -> None:
    """sqlite3 raises some errors (a text column that is not UTF-8) without an error code; on
    the loop they surface as on the thread, as the dialect's OperationalError."""
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO team (name, created_at) VALUES (CAST(x'ff' AS TEXT), :at)"),
            {"at": NOW},
        )
    with pytest.raises(OperationalError, match="UTF-8"):
        async with db.read_engine.connect() as conn, conn.begin():
            await conn.execute(select(team_t.c.name))


async def test_a_long_read_moves_to_the_thread_at_its_budget(
    db: Database, crossings: list[str]
) -> None:
    """Stopped on the loop once it has run its budget, the statement runs again, whole, on the
    thread: the loop is not held by a long scan."""
    count = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) "
        "SELECT count(*) FROM c"
    )
    order: list[str] = []
    async with db.read_engine.connect() as conn, conn.begin():  # first runs, on the thread
        await conn.execute(select(team_t.c.id))
        await conn.execute(count, {"n": 1})
    async with db.read_engine.connect() as conn, conn.begin():
        await conn.execute(select(team_t.c.id))
        crossings.clear()
        # Due on the loop's next turn: it runs while the scan is still going only if the
        # scan let go of the loop.
        asyncio.get_running_loop().call_soon(order.append, "the loop's next turn")
        assert (await conn.execute(count, {"n": 3000000})).scalar_one() == 3000000
        order.append("the scan's answer")
        assert len(crossings) == 1
        # and the transaction's next statements stay on the thread: its budget is spent
        await conn.execute(select(team_t.c.id))
        assert len(crossings) == 2
    assert order == ["the loop's next turn", "the scan's answer"]


async def test_a_read_stopped_after_its_first_rows_is_prepared_once_more_not_at_every_run(
    db: Database,
) -> None:
    """Python 3.11's sqlite3 keeps a statement that failed after its first row marked in use
    in its cache for good, and prepared the same text anew at every later run: five times
    the cost of running an inbox view of many arms. Stopped on the loop after its first row,
    a read is spelt differently from then on (a trailing comment), prepared and cached once."""
    rows = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) "
        "SELECT x FROM c WHERE x = 1 OR x = :n"
    )
    ran: list[str] = []
    async with db.read_engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert isinstance(driver, sqlite_driver.Connection)
        driver.sqlite.set_trace_callback(ran.append)
        async with conn.begin():  # prepared on the thread, then on the loop
            await conn.execute(rows, {"n": 2})
            await conn.execute(rows, {"n": 2})
        async with conn.begin():  # the first row at once, the second past the loop's budget
            assert (await conn.execute(rows, {"n": 3000000})).scalars().all() == [1, 3000000]
        ran.clear()
        async with conn.begin():
            assert (await conn.execute(rows, {"n": 2})).scalars().all() == [1, 2]
    # The trace shows each run's text with its values in place.
    spelt = [sql.endswith("\n-- 1") for sql in ran if "WITH RECURSIVE" in sql]
    assert spelt == [sys.version_info < (3, 12)]

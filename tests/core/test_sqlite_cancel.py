"""A unit of work cancelled in the middle of a statement (a job stopped at shutdown, a request
given up on) gives SQLite's write lock back at once, instead of holding it until garbage
collection while every other writer waits out `busy_timeout`."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from helpdesk.db import Database


async def test_a_writer_cancelled_mid_statement_releases_the_write_lock(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    loop = asyncio.get_running_loop()
    entered = asyncio.Event()
    release = threading.Event()

    def hold(_: Any) -> int:
        # Runs on the driver's thread: the statement is in progress while the task is cancelled.
        loop.call_soon_threadsafe(entered.set)
        release.wait()
        return 1

    @event.listens_for(db.engine.sync_engine, "connect")
    def _register(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("hold", 1, hold)

    async def writer() -> None:
        async with db.engine.begin() as conn:
            # RETURNING, like SLA's lock statement: the statement still has rows to hand out.
            await conn.execute(
                text("INSERT INTO team (name, created_at) VALUES ('x', hold(1)) RETURNING id")
            )

    task = asyncio.create_task(writer())
    try:
        await asyncio.wait(
            [task, asyncio.create_task(entered.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        assert entered.is_set(), task
        task.cancel()
        await asyncio.sleep(0)  # the cancellation reaches the task while its statement runs
    finally:
        release.set()
    with pytest.raises(asyncio.CancelledError):
        await task

    other = Database(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(other.engine.sync_engine, "connect")
    def _no_waiting(dbapi_connection: Any, _record: Any) -> None:
        # A lock still held fails the next BEGIN at once instead of after `busy_timeout`.
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    try:
        try:
            async with other.engine.begin() as conn:
                names = (await conn.execute(text("SELECT name FROM team"))).scalars().all()
        except OperationalError as exc:
            pytest.fail(f"the cancelled writer still holds the write lock: {exc}")
        assert "x" not in names
    finally:
        await other.dispose()
        await db.dispose()

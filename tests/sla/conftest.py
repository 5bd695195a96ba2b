"""SLA test fixtures: the shared database fixtures, with the SLA tables emptied on PostgreSQL
before and after each test (the core's reset does not know them), so no test, ours or another
package's, sees leftover policies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest_asyncio

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from sla.tables import SLA_TABLES
from tests.fixtures_db import SECRET, _asyncpg_dsn
from tests.sla.desk import Desk, desk_for


async def _truncate(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(f"TRUNCATE {SLA_TABLES} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def settings(db_url: str, tmp_path: Path) -> AsyncIterator[Settings]:
    await _truncate(db_url)
    yield Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key=SECRET)
    await _truncate(db_url)


@pytest_asyncio.fixture
async def desk(runtime: Runtime, clock: FixedClock) -> Desk:
    return await desk_for(runtime, clock)

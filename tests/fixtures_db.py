"""Database and runtime fixtures: every core test runs on SQLite and on PostgreSQL.

PostgreSQL: `HELPDESK_TEST_PG_URL` (default postgresql://postgres@127.0.0.1:5432/test). The suite
creates its own database beside it, migrates it once, and truncates between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
import pytest_asyncio

from helpdesk.migrate import upgrade
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.scheduling import InProcessScheduler
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.support.services import service_missing

PG_URL = os.environ.get("HELPDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_HINT = (
    "PostgreSQL at {url} is not reachable: start it (`pg_ctlcluster 15 main start`) or set "
    "HELPDESK_TEST_PG_URL"
)
SECRET = "test-secret-key-not-for-production"

T = TypeVar("T")


def _off_loop(fn: Callable[..., T], *args: object) -> T:
    """Run blocking set-up (asyncio.run, Alembic) on a thread: a test's loop may be running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _off_loop(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | BaseException]:
    """A migrated database of our own on the test server, or the error that kept us from it."""
    import asyncio

    name = f"helpdesk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _asyncpg_dsn(PG_URL)

    async def create() -> None:
        conn = await asyncpg.connect(admin, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    try:
        _off_loop(asyncio.run, create())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        yield exc
        return
    base = PG_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    _off_loop(upgrade, url)
    yield url
    _off_loop(asyncio.run, drop())


async def _reset_pg(url: str) -> None:
    """Empty every table, the components' included, and restart numbering."""
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        names = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('alembic_version', 'counter')"
        )
        tables = ", ".join(f'"{row["tablename"]}"' for row in names)
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        await conn.execute("UPDATE counter SET value = 1000 WHERE name = 'ticket'")
    finally:
        await conn.close()


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[str]:
    """A freshly migrated, empty database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "helpdesk.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    pg = request.getfixturevalue("pg_database")
    if isinstance(pg, BaseException):
        service_missing(PG_HINT.format(url=PG_URL) + f" ({type(pg).__name__}: {pg})")
    assert isinstance(pg, str)
    await _reset_pg(pg)
    yield pg


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # Acknowledgements are off here so tests of other features count only their own messages;
    # tests/autoreplies turn them on.
    return Settings(
        database_url=db_url, data_dir=tmp_path / "data", secret_key=SECRET, acknowledge=False
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest_asyncio.fixture
async def runtime(settings: Settings, clock: FixedClock) -> AsyncIterator[Runtime]:
    """The assembled runtime with in-process jobs (no periodic passes: tests call them)."""
    rt = assemble(settings, clock=clock)
    await start(rt, periodic=False)
    yield rt
    await rt.close()


def scheduler_of(rt: Runtime) -> InProcessScheduler:
    assert isinstance(rt.scheduler, InProcessScheduler)
    return rt.scheduler


REDIS_URL = os.environ.get("HELPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest_asyncio.fixture
async def redis_url() -> AsyncIterator[str]:
    """An empty Redis database for arq (default db 13 on 127.0.0.1:6379)."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        service_missing(
            f"Redis at {REDIS_URL} is not reachable ({exc}): start it with "
            "`redis-server --daemonize yes` or set HELPDESK_TEST_REDIS_URL"
        )
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()

"""PostgreSQL's pool checks a connection only when it lay idle: one the server dropped is
replaced before a unit of work meets it, and a busy pool pays no round trip per checkout."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from helpdesk.db import PING_AFTER_IDLE_S, Database

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _count_pings(db: Database) -> list[int]:
    dialect: Any = db.engine.sync_engine.dialect
    pings = [0]
    ping = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings[0] += 1
        return bool(ping(dbapi_connection))

    dialect.do_ping = counted
    return pings


async def _backend(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_the_server_dropped_while_idle_is_replaced(db_url: str) -> None:
    clock = Monotonic()
    db = Database(db_url, monotonic=clock)
    other = Database(db_url)
    try:
        first = await _backend(db)
        async with other.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        clock.now += PING_AFTER_IDLE_S
        assert await _backend(db) != first  # not an error: a new connection took its place
    finally:
        await db.dispose()
        await other.dispose()


async def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(db_url: str) -> None:
    clock = Monotonic()
    db = Database(db_url, monotonic=clock)
    pings = _count_pings(db)
    try:
        first = await _backend(db)  # a new connection: no ping
        for _ in range(5):
            clock.now += PING_AFTER_IDLE_S / 10
            assert await _backend(db) == first
        assert pings == [0]
        clock.now += PING_AFTER_IDLE_S
        assert await _backend(db) == first
        assert pings == [1]
    finally:
        await db.dispose()

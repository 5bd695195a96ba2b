"""What PostgreSQL alone can tell a test about concurrent transactions."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def waits_for_a_lock(conn: AsyncConnection) -> bool:
    """Is a statement of the current database waiting for a lock? Tests poll it: nothing
    outside PostgreSQL tells that a statement waits."""
    found = await conn.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )
    await conn.rollback()  # a fresh snapshot of the activity next time
    return bool(found.scalar_one())

"""Database migrations, run programmatically (`helpdesk db upgrade`, `helpdesk serve`).

The core's migrations form the trunk; each component (a channel, the SLA engine) adds its own
branch off it with `branch_labels=(<component>,)`, so components are developed independently
and `heads` applies them all.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database schema up to `revision`. Blocking: call it off the event loop."""
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "heads") -> None:
    # Alembic's env runs its own event loop, so it must not run on ours.
    await asyncio.to_thread(upgrade, database_url, revision)

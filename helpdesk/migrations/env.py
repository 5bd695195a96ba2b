"""Alembic environment: runs migrations over the async engine of the configured database."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import helpdesk.account_tables
import helpdesk.answer_tables
import helpdesk.privacy_tables
import helpdesk.tables
import helpdesk.tag_tables  # noqa: F401  (these register the core's tables on SQLModel.metadata)
from helpdesk.search import is_search_table
from helpdesk.worker import components

components()  # imports every component, whose tables register themselves too

target_metadata = SQLModel.metadata


def _include_name(name: str | None, kind: str, _parents: object) -> bool:
    # The full-text index's tables are hand-written DDL: autogenerate must not drop them.
    return kind != "table" or not is_search_table(name)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not set")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_async(url))


run()

"""The unit of work: one transaction, the events it recorded, and what services need beside it.

    async with stores() as store:          # BEGIN
        result = await services.ingest(store, message)
    # COMMIT, then the bus dispatches the recorded events

Nothing outside the transaction happens inside it: services only record events, and
subscribers (routing, SLA, outbox wake-ups, live updates) run after the commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from helpdesk.blobs import BlobStore
from helpdesk.bus import Bus
from helpdesk.db import Database
from helpdesk.events import Event
from helpdesk.ports import Clock
from helpdesk.security import Signer


@dataclass
class Store:
    session: AsyncSession
    clock: Clock
    blobs: BlobStore
    signer: Signer
    dialect: str
    events: list[Event] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock.now()

    def record(self, *events: Event) -> None:
        self.events.extend(events)

    async def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        return await self.session.execute(statement, params)

    def insert_ignoring_duplicates(self, table: Table) -> Insert:
        """INSERT that skips rows whose unique key already exists, on SQLite and PostgreSQL."""
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()

    def upsert(self, table: Table, *, index_elements: list[str], update: list[str]) -> Insert:
        """INSERT that updates `update` columns when the `index_elements` key already exists."""
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(table)
        return stmt.on_conflict_do_update(
            index_elements=index_elements, set_={name: stmt.excluded[name] for name in update}
        )

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: on error only its own writes and events are undone."""
        mark = len(self.events)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self.events[mark:]
            raise


@dataclass
class Stores:
    """Opens units of work. Built once by a composition root."""

    db: Database
    bus: Bus
    clock: Clock
    blobs: BlobStore
    signer: Signer

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Store]:
        async with self.db.sessions() as session:
            async with session.begin():
                store = Store(
                    session=session,
                    clock=self.clock,
                    blobs=self.blobs,
                    signer=self.signer,
                    dialect=self.db.engine.dialect.name,
                )
                yield store
            events: Sequence[Event] = list(store.events)
        await self.bus.dispatch(events)

"""The unit of work: one transaction, the events it recorded, and what services need beside it.

    async with stores() as store:          # BEGIN
        result = await services.ingest(store, message)
    # COMMIT, then the bus dispatches the recorded events

Nothing outside the transaction happens inside it: services only record events, and
subscribers (routing, SLA, outbox wake-ups, live updates) run after the commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from helpdesk import sqlite_driver
from helpdesk.blobs import BlobStore
from helpdesk.bus import Bus
from helpdesk.db import Database
from helpdesk.events import Event
from helpdesk.ports import Clock
from helpdesk.security import Signer
from helpdesk.writegate import BACKGROUND, SHORT


@dataclass
class Store:
    # A Core connection, not an ORM session: every service speaks Core statements, and the
    # session's per-statement bookkeeping cost more than the statements on the ingest path.
    conn: AsyncConnection
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
        return await self.conn.execute(statement, params)

    def insert_ignoring_duplicates(self, table: Table) -> Insert:
        """INSERT that skips rows whose unique key already exists, on SQLite and PostgreSQL."""
        return _insert_ignoring(self.dialect, table)

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
            async with self.conn.begin_nested():
                yield
        except BaseException:
            del self.events[mark:]
            raise


@cache
def _insert_ignoring(dialect: str, table: Table) -> Insert:
    # Built once per table: hot paths pass values as parameters, so the statement (and its
    # compiled form) is reused instead of rebuilt for every row.
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


# While a unit of work's events are dispatched: its number in `Stores.commits`.
DISPATCHING: ContextVar[int | None] = ContextVar("helpdesk_dispatching", default=None)


@dataclass
class Stores:
    """Opens units of work. Built once by a composition root."""

    db: Database
    bus: Bus
    clock: Clock
    blobs: BlobStore
    signer: Signer
    # Run with the unit of work's store just before it commits, so work that must happen
    # exactly when a change happens (webhook outbox entries for its events) is written in the
    # same transaction as the change.
    before_commit: list[Callable[[Store], Awaitable[None]]] = field(default_factory=list)
    # Units of work this process has committed. A transaction that begins when it is N sees
    # the changes of units 1..N: a subscriber can tell whether work that began since already
    # saw the change it is told about (see `DISPATCHING`).
    commits: int = field(default=0, init=False)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Store]:
        """A unit of work that may write; on SQLite it first takes this process's write slot."""
        # A request's or a short job's transaction runs its statements on the loop once it
        # holds SQLite's write lock (helpdesk.sqlite_driver); a long pass's stay on the thread.
        # The write slot still serves requests before jobs.
        on_loop = sqlite_driver.ON_LOOP.set(
            self.db.gate is not None and (not BACKGROUND.get() or SHORT.get())
        )
        try:
            async with self._slot(), self.db.engine.begin() as conn:
                store = self._store(conn)
                yield store
                if store.events:
                    for hook in self.before_commit:
                        await hook(store)
                events: Sequence[Event] = list(store.events)
        finally:
            sqlite_driver.ON_LOOP.reset(on_loop)
        self.commits += 1
        token = DISPATCHING.set(self.commits)
        try:
            await self.bus.dispatch(events)
        finally:
            DISPATCHING.reset(token)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Store]:
        """A read-only transaction: never waits for writers (SQLite WAL, PostgreSQL MVCC).

        Writing through it fails (SQLite's query_only; a recorded event raises here)."""
        async with self.db.read_engine.connect() as conn, conn.begin():
            store = self._store(conn)
            yield store
            if store.events:
                raise RuntimeError("a read transaction recorded events; use stores()")

    def _store(self, conn: AsyncConnection) -> Store:
        return Store(
            conn=conn,
            clock=self.clock,
            blobs=self.blobs,
            signer=self.signer,
            dialect=self.db.engine.dialect.name,
        )

    def _slot(self) -> AbstractAsyncContextManager[None]:
        return self.db.gate.slot() if self.db.gate is not None else nullcontext()

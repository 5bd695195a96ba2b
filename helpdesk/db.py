"""The database engine: one per process, created from the settings, never at import time."""

from __future__ import annotations

import contextlib
import functools
import math
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    create_async_engine,
)

from helpdesk import sqlite_driver
from helpdesk.writegate import WriteGate

# How long a SQLite statement waits for another connection's lock (off the event loop).
BUSY_TIMEOUT_MS = 30000

# PostgreSQL ends one of two transactions that wait for each other's locks (deadlock_detected)
# or whose serializable work conflicts (serialization_failure); the other commits, and the same
# work done again from the start succeeds.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def transient(exc: BaseException) -> str | None:
    """The SQLSTATE when the database ended the transaction only because of a concurrent one."""
    state = getattr(exc.orig, "sqlstate", None) if isinstance(exc, DBAPIError) else None
    return state if state in _TRANSIENT_SQLSTATES else None


# A pooled PostgreSQL connection that lay unused this long is checked before it is handed out.
PING_AFTER_IDLE_S = 1.0


class Database:
    def __init__(
        self, url: str, *, echo: bool = False, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.gate: WriteGate | None = None
        if self.is_sqlite:
            # Connections are pooled and kept: a fresh one per unit of work would run the
            # pragmas on every unit of work, which costs more than the queries themselves.
            # Each statement crosses to the connection's thread once at most, a request's
            # write transaction's mostly not at all (see helpdesk.sqlite_driver). Opened with
            # the file name and options SQLAlchemy's SQLite dialect reads off the URL
            # (`?timeout=`, `uri=true`...).
            args, options = aiosqlite_dialect().create_connect_args(make_url(url))
            options.setdefault("timeout", 30)
            connect = functools.partial(sqlite_driver.connect, *args, **options)
            # The writer's connections may run a request's write transaction on the loop.
            writer = functools.partial(connect, writer=True)
            self.engine: AsyncEngine = create_async_engine(url, echo=echo, async_creator=writer)
            _configure_sqlite(self.engine.sync_engine, writer=True)
            # Reads run on their own engine, with a deferred BEGIN, so a list page or a token
            # check never queues for the write lock (WAL readers see the last commit).
            self.read_engine = create_async_engine(url, echo=echo, async_creator=connect)
            _configure_sqlite(self.read_engine.sync_engine, writer=False)
            self.gate = WriteGate()
            return
        # Sized for a web process's concurrent requests plus its in-process jobs (arq runs 10
        # at a time), at most 30 connections a process: a web and a worker process stay well
        # under PostgreSQL's default max_connections of 100. Statements are prepared once per
        # connection; the product has more distinct statements than asyncpg's default cache
        # of 100 keeps.
        self.engine = create_async_engine(
            url,
            echo=echo,
            pool_size=20,
            max_overflow=10,
            connect_args={"prepared_statement_cache_size": 1000},
        )
        _ping_when_idle(self.engine.sync_engine, PING_AFTER_IDLE_S, monotonic)
        # Reads on the same pool without BEGIN and COMMIT: under READ COMMITTED every
        # statement sees the latest commit either way, so the pair only cost two round trips.
        self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.is_sqlite:
            await self.read_engine.dispose()


_RETURNED = "helpdesk_returned_at"


def _ping_when_idle(engine: Engine, idle_s: float, monotonic: Callable[[], float]) -> None:
    """Check a pooled connection with a round trip before handing it out, if it lay unused for
    `idle_s` or longer: one the server dropped (a restart, a failover, a proxy's idle timeout)
    is then replaced instead of failing a unit of work. SQLAlchemy's pool_pre_ping checks every
    checkout, a round trip per unit of work (5 of the 52 a new ticket costs), though
    under load each connection is back in use within milliseconds of its last use."""

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if monotonic() - record.info.get(_RETURNED, -math.inf) < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                # The pool discards this connection and hands out a new one.
                raise DisconnectionError("the server closed the connection") from exc
            raise
        record.info[_RETURNED] = monotonic()


def _configure_sqlite(engine: Engine, *, writer: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's connections leave transaction control to us (isolation_level None), so
        # BEGIN IMMEDIATE below is the only BEGIN: a deferred transaction that reads and then
        # writes fails with "database is locked" under concurrent writers instead of waiting
        # for its turn.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        wal = cursor.fetchone()[0] == "wal"
        if not wal:
            # SQLite keeps its rollback journal where WAL cannot be (an in-memory database,
            # some file systems). There a statement may wait for readers' locks in the busy
            # handler, which must not happen on the event loop: statements stay on the thread.
            dbapi_connection.driver_connection.inline = False
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # FULL: a commit is on disk before we acknowledge it (an IMAP message is only flagged
        # seen after its ticket is committed, so a lost commit would lose the mail).
        cursor.execute("PRAGMA synchronous=FULL")
        if not writer:
            cursor.execute("PRAGMA query_only=ON")  # a write through a reader is a bug: fail
        cursor.close()
        if not writer and wal:
            # A WAL reader takes no lock a writer holds: its statements run on the loop.
            dbapi_connection.driver_connection.reads_on_loop(BUSY_TIMEOUT_MS)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _error: BaseException | None) -> None:
        # A task cancelled inside a statement (a job stopped at shutdown, a caller's timeout) gets
        # its connection closed, not rolled back. sqlite3 defers closing a connection whose
        # statement is still open (a RETURNING with rows left), and the deferred connection keeps
        # its transaction, so every other writer waited out busy_timeout (30 s) for a lock
        # nobody would release. Rolling back first gives the lock back at once.
        with contextlib.suppress(Exception):  # already closed, or outside the event loop (GC)
            dbapi_connection.rollback()

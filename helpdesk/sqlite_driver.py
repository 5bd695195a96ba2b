"""SQLite connections for SQLAlchemy's aiosqlite dialect that cross to their thread once per
statement.

Through the dialect's adapter, aiosqlite crosses from the event loop to its connection thread
and back four times per statement: to open a cursor, to execute, to fetch the rows and to close
the cursor. Each crossing waits for a thread to wake and for the loop to hear back, about 0.1
ms apiece on our machines, while the statement itself takes microseconds. Writers hold the one
write slot across their statements, so that wait was most of a write transaction's length
(measured: `SELECT 1` took 0.45 ms through aiosqlite, 0.17 ms through aiosqlite's own calls,
0.001 ms in sqlite3).

Here a statement runs, fetches its rows and reads its row count and description in one call
on the connection's own thread; opening and closing a cursor cost nothing. Rows are fetched
in full as they are with aiosqlite under SQLAlchemy's default (buffered) cursors. The
connection is handed to SQLAlchemy as `async_creator` (see `helpdesk.db`), so the dialect,
its SQL and its error handling stay SQLAlchemy's; the exceptions raised are sqlite3's own,
which the dialect maps as it does aiosqlite's (aiosqlite re-exports them).

A write transaction goes further (`ON_LOOP`, set by `helpdesk.store` for a request's unit of
work and a short job's, `Job.short`): once its BEGIN IMMEDIATE holds the write lock, its
statements run on the event loop's own thread. The write lock makes every other writer wait
for them anyway, and under load each crossing waited for a busy core twice (the thread's
wake-up, then the loop's turn), so a transaction took far longer than its statements
(bench/api_write.py on SQLite, median of three runs: create 48 -> 57 requests a second, reply
140 -> 178, PATCH 225 -> 265). Short jobs (an acknowledgement, a delivery, a batch of SLA
evaluations) do the same: crossing once per statement, an acknowledgement's transaction held
the slot for 14-24 ms (p50) under load while a request's took 7-10 ms, and requests waited
behind it. The loop is held for at most `ON_LOOP_BUDGET` of statements per transaction, plus
the statement that crosses it; after that a transaction's statements go back to the thread,
so a large one (a merge) lets other requests through between its statements as before.
Nothing can stop a write statement once it runs, so long passes (erasures, retention, roll-up
folds, ANALYZE), where one statement may take hundreds of milliseconds, keep all their
statements on the thread. A writer's BEGIN (which may wait for another process' lock) and
COMMIT (which waits for the disk) run on the thread too.

A reader's transaction (`Connection.reads_on_loop`, set by `helpdesk.db` for WAL readers) runs
on the loop whole: in WAL mode a reader takes no lock a writer holds, and a read unit of work
crossed at least three times (BEGIN, its statements, COMMIT) for statements that take tens of
microseconds. Its busy handler is off, so a rare lock (another process in exclusive mode, a
log being recovered) raises at once instead of sleeping on the loop; a progress handler stops
a statement that runs past the transaction's `ON_LOOP_BUDGET`. Either way the statement runs
again from the start on the thread, where it may wait (a read has nothing to undo; an
interrupted SELECT leaves its transaction and snapshot as they were); past its budget, so does
the rest of the transaction. Two limits: the handler runs between the virtual machine's steps,
so one long step (a `count(*)` over a whole table, a page read from a cold disk) finishes on
the loop; and SQLite itself retries briefly, sleeping, while another connection resets the
log (a TRUNCATE checkpoint, after an erasure).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_STOP = object()
# Whether a statement that fails after its first row stays in use in sqlite3's statement cache
# (`Connection.fetched`).
_SPOILS_CACHE = sys.version_info < (3, 12)
_CACHED_STATEMENTS = 128  # sqlite3.connect's default

# True while the current task runs a write unit of work (see the module's notes).
ON_LOOP: ContextVar[bool] = ContextVar("helpdesk_sqlite_on_loop", default=False)
# Seconds of statements a transaction may run on the loop: a ticket's creation takes about a
# fifth of this; a pass over many rows goes back to the thread soon.
ON_LOOP_BUDGET = 0.002
# How many of SQLite's virtual machine steps a read on the loop runs between looks at the
# clock (its progress handler): a few tens of microseconds of work.
PROGRESS_EVERY = 2000


def _settle(future: asyncio.Future[Any], error: BaseException | None, result: Any) -> None:
    if future.cancelled():
        return  # the caller gave up (a cancelled task); the work itself has already run
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class _Thread:
    """The one thread a connection's calls run on, in order."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[Any] = queue.SimpleQueue()
        # Run last on the thread, after every call queued before `stop`.
        self.last: Callable[[], None] | None = None
        self._stopped = False
        # Calls handed over and calls done, each counted by one side only (see `idle`).
        self._submitted = 0
        self._done = 0
        # A daemon, as aiosqlite's: a connection nobody closed must not keep the process alive.
        self._thread = threading.Thread(target=self._run, name="helpdesk-sqlite", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._calls.get()
            if item is _STOP:
                if self.last is not None:
                    with contextlib.suppress(Exception):
                        self.last()
                return
            loop, future, fn = item
            try:
                result, error = fn(), None
            except BaseException as exc:  # handed to the caller, raised there
                result, error = None, exc
            self._done += 1
            # RuntimeError: the caller's loop is closed, nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, error, result)

    async def call(self, fn: Callable[[], T]) -> T:
        if self._stopped:
            # Nothing would ever run it: fail as a closed sqlite3 connection does.
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self.submit(future, fn)
        return await future

    def submit(self, future: asyncio.Future[Any], fn: Callable[[], Any]) -> None:
        """Run `fn` on the thread and settle `future` with its outcome."""
        self._submitted += 1
        self._calls.put((future.get_loop(), future, fn))

    @property
    def idle(self) -> bool:
        """Whether every call handed over has run: a caller cancelled while its statement
        still runs here would otherwise have the loop wait for the connection's mutex."""
        return self._done == self._submitted

    def stop(self) -> None:
        self._stopped = True
        self._calls.put(_STOP)


class _Calls:
    """aiosqlite's call queue as the adapter uses it: `put_nowait((future, function))`."""

    def __init__(self, thread: _Thread) -> None:
        self._thread = thread

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, fn = item
        self._thread.submit(future, fn)


class Cursor:
    """A cursor whose statement has already run and whose rows are already fetched."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        text = self._connection.spelling(sql)

        def run() -> tuple[Any, list[Any], int, int | None]:
            cursor = self._connection.sqlite.cursor()
            try:
                cursor.execute(text, () if parameters is None else parameters)
                rows = self._connection.fetched(cursor, sql) if cursor.description else []
                return cursor.description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        (
            self.description,
            self._rows,
            self.rowcount,
            self.lastrowid,
        ) = await self._connection.run(run, text)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        rows = list(parameters)

        def run() -> tuple[int, int | None]:
            cursor = self._connection.sqlite.cursor()
            try:
                cursor.executemany(sql, rows)
                return cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, self._rows = None, []
        self.rowcount, self.lastrowid = await self._connection.run(run)
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        return None


class Connection:
    """What SQLAlchemy's aiosqlite adapter needs of a connection."""

    def __init__(
        self,
        thread: _Thread,
        sqlite: sqlite3.Connection,
        *,
        writer: bool,
        cache_size: int = _CACHED_STATEMENTS,
    ) -> None:
        self.thread = thread
        self.sqlite = sqlite
        # Whether a writer's transaction may run here (a writer's connection in WAL mode,
        # where no statement after BEGIN IMMEDIATE waits for a lock: see `helpdesk.db`).
        self.inline = writer
        # Milliseconds a reader's statement waits for a lock, once `reads_on_loop` has set
        # its busy timeout to zero: on the thread only.
        self._reader_wait_ms: int | None = None
        self._on_loop_spent = 0.0
        # A reader's statements (their text) run once here, so in sqlite3's statement cache.
        self._prepared: set[str] = set()
        # Statements whose cached copy is stuck in use (`fetched`): how many times.
        self._stuck: dict[str, int] = {}
        self._cache_size = cache_size
        # Closing rolls back what a terminated connection left open, so no lock is kept.
        thread.last = sqlite.close
        # What the adapter reaches for beside the public calls, named as aiosqlite names them:
        # `_connection` ("not closed yet") before a commit or rollback; `_conn` and `_tx` (a
        # queue of (future, function)) to change the isolation level on the thread.
        self._connection: sqlite3.Connection | None = sqlite
        self._conn = sqlite
        self._tx = _Calls(thread)

    def __del__(self) -> None:
        # Dropped without a close (an engine never disposed): end the thread, as aiosqlite's
        # connections do, or it would wait for calls for ever holding the database open.
        if self._connection is not None:
            self.stop()

    @property
    def isolation_level(self) -> str | None:
        return self.sqlite.isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self)

    def fetched(self, cursor: sqlite3.Cursor, sql: str) -> list[Any]:
        """The rows of `cursor`'s statement `sql`. Python 3.11's sqlite3 keeps a statement
        that failed after its first row (a read stopped at its budget, mostly) marked in use in
        its statement cache for good: every later run of the same text on this connection
        prepared it anew. For an inbox view of many arms that took five times as long as
        running it (1.7 against 0.3 ms at 1M tickets) and pushed the view past its budget at
        every page. It is then spelt differently here (`spelling`), which sqlite3 caches anew.
        Python 3.12 reuses such a statement."""
        try:
            return cursor.fetchall()
        except sqlite3.Error:
            if _SPOILS_CACHE:
                if len(self._stuck) >= self._cache_size and sql not in self._stuck:
                    self._stuck.clear()  # statements built with many values: spell them anew
                self._stuck[sql] = self._stuck.get(sql, 0) + 1
            raise

    def spelling(self, sql: str) -> str:
        """`sql` as this connection runs it: with a comment once its cached copy is stuck."""
        stuck = self._stuck.get(sql)
        return sql if stuck is None else f"{sql}\n-- {stuck}"

    def reads_on_loop(self, wait_ms: int) -> None:
        """Run this reader's statements on the loop (see `_read`); on the thread, a statement
        waits up to `wait_ms` for a lock."""
        self.sqlite.execute("PRAGMA busy_timeout = 0")
        self._reader_wait_ms = wait_ms

    async def run(self, fn: Callable[[], T], sql: str | None = None) -> T:
        """Run a statement's `fn` here while a write transaction is open on this connection
        and within its budget, or a reader's (see the module's notes), else on the thread.
        `sql`: the statement's text, by which sqlite3 caches it prepared."""
        if not self.sqlite.in_transaction:
            self._on_loop_spent = 0.0  # a new transaction begins
            if self._reader_wait_ms is not None:
                return await self._read(fn, sql)
        elif self._reader_wait_ms is not None:
            return await self._read(fn, sql)
        elif self.inline and ON_LOOP.get() and self._on_loop_spent < ON_LOOP_BUDGET:
            began = time.perf_counter()
            try:
                return fn()
            finally:
                self._on_loop_spent += time.perf_counter() - began
        return await self.thread.call(fn)

    async def _read(self, fn: Callable[[], T], sql: str | None) -> T:
        """A reader's statement on the loop, with the busy handler off and a progress handler
        that stops it at the transaction's budget; then, or if it met a lock, on the thread
        from the start (a read has nothing to undo). Its first run on this connection goes to
        the thread: sqlite3 prepares it then, which for a view of many arms took longer than
        running it (2 against 0.3 ms), and its budget would stop it in the middle."""
        left = ON_LOOP_BUDGET - self._on_loop_spent
        if left > 0 and self.thread.idle and (sql is None or sql in self._prepared):
            began = time.perf_counter()
            deadline = began + left
            self.sqlite.set_progress_handler(lambda: time.perf_counter() > deadline, PROGRESS_EVERY)
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                # Some (a text column that is not UTF-8) carry no SQLite error code.
                code = getattr(exc, "sqlite_errorcode", None)
                if code is None or code & 0xFF not in (
                    sqlite3.SQLITE_BUSY,
                    sqlite3.SQLITE_INTERRUPT,
                ):
                    raise
            finally:
                self.sqlite.set_progress_handler(None, 0)
                self._on_loop_spent += time.perf_counter() - began
        result = await self.thread.call(lambda: self._waiting(fn))
        if sql is not None:
            if len(self._prepared) >= self._cache_size:
                self._prepared.clear()  # some may have left sqlite3's cache: prepare again
            self._prepared.add(sql)
        return result

    def _waiting(self, fn: Callable[[], T]) -> T:
        self.sqlite.execute(f"PRAGMA busy_timeout = {int(self._reader_wait_ms or 0)}")
        try:
            return fn()
        finally:
            self.sqlite.execute("PRAGMA busy_timeout = 0")

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        """Run one statement outside SQLAlchemy (a checkpoint that must not open a transaction)."""
        return await Cursor(self).execute(sql, parameters)

    # With no transaction open both are no-ops in sqlite3, so they skip the crossing: the pool
    # rolls back every connection it takes back, after a unit of work's COMMIT too.
    async def commit(self) -> None:
        if self.sqlite.in_transaction:
            await self._end(self.sqlite.commit)

    async def rollback(self) -> None:
        if self.sqlite.in_transaction:
            await self._end(self.sqlite.rollback)

    async def _end(self, fn: Callable[[], None]) -> None:
        # A reader's transaction ends without a lock to wait for or a disk to sync.
        if self._reader_wait_ms is not None and self.thread.idle:
            fn()
        else:
            await self.thread.call(fn)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        await self.thread.call(lambda: self.sqlite.create_function(*args, **kwargs))

    async def close(self) -> None:
        if self._connection is None:
            return
        self._connection = None
        try:
            await self.thread.call(self.sqlite.close)
        finally:
            self.thread.stop()

    def stop(self) -> None:
        """Force-close (SQLAlchemy's terminate): once the thread has run what it was given."""
        self._connection = None
        self.thread.stop()


async def connect(database: str, *, writer: bool = False, **options: Any) -> Connection:
    """Open `database` with sqlite3.connect's `options` (`timeout`: seconds a statement waits
    for another process' lock; `uri`), in autocommit mode: the caller issues BEGIN. `writer`:
    the connection may run a request's write transaction on the loop (`ON_LOOP`)."""
    options = {**options, "isolation_level": None, "check_same_thread": False}
    thread = _Thread()
    try:
        sqlite = await thread.call(lambda: sqlite3.connect(database, **options))
    except BaseException:
        thread.stop()
        raise
    cache_size = int(options.get("cached_statements", _CACHED_STATEMENTS))
    return Connection(thread, sqlite, writer=writer, cache_size=cache_size)

"""One SQLite writer at a time in this process, interactive work first.

SQLite has a single write lock. Left to itself, every writer that finds it taken sleeps and
polls in `busy_timeout`, in no particular order: a request an agent is waiting for can sit
behind a burst of background evaluations. The gate queues writers of this process instead, and
hands the slot to interactive work (web requests, commands) before background jobs, in arrival
order within each class. Other processes still meet SQLite's own lock and busy timeout.

Interactive work first, but not always: after `BACKGROUND_EVERY` interactive grants in a row
while a job waits, the oldest job goes next. A long burst of requests then delays jobs
(acknowledgements, deliveries, SLA evaluations) by a bounded share of the slot instead of
until the burst ends, and a request still waits for at most one job's transaction.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

# Set while a job runs (`Runtime.run_job`): its writes wait behind interactive ones.
BACKGROUND: ContextVar[bool] = ContextVar("helpdesk_background", default=False)
# Set beside BACKGROUND for work whose transactions are small (`Job.short`): on SQLite they
# may run on the event loop as a request's do (helpdesk.store, helpdesk.sqlite_driver).
SHORT: ContextVar[bool] = ContextVar("helpdesk_short", default=False)


@contextmanager
def as_background(*, short: bool = False) -> Iterator[None]:
    """Run the enclosed units of work as background work: a job, or a long pass a request
    starts (an erasure, a retention run). `short`: each transaction touches a ticket or a
    few (an acknowledgement, a delivery, a batch of SLA evaluations)."""
    token = BACKGROUND.set(True)
    short_token = SHORT.set(short)
    try:
        yield
    finally:
        SHORT.reset(short_token)
        BACKGROUND.reset(token)


class NestedWrite(RuntimeError):
    """A unit of work opened another inside itself: on one write lock it would wait forever."""


class WriteGate:
    BACKGROUND_EVERY = 8

    def __init__(self) -> None:
        self._busy = False
        # Waiting writers in arrival order: interactive ones, background ones.
        self._interactive: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()
        # Interactive grants in a row while a background writer waited.
        self._streak = 0
        self._holder: asyncio.Task[object] | None = None
        # Grants in order, for tests and diagnostics: (background?, sequence number).
        self.on_grant: Callable[[bool], None] | None = None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        me = asyncio.current_task()
        if me is not None and me is self._holder:
            raise NestedWrite("a unit of work was opened inside another one")
        await self._acquire(BACKGROUND.get())
        self._holder = me
        try:
            yield
        finally:
            self._holder = None
            self._release()

    @property
    def waiting(self) -> int:
        return sum(1 for f in (*self._interactive, *self._background) if not f.done())

    async def _acquire(self, background: bool) -> None:
        if not self._busy and not self._interactive and not self._background:
            self._busy = True
            self._granted(background)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._background if background else self._interactive).append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # granted just as we were cancelled: pass it on
            raise
        self._granted(background)

    def _granted(self, background: bool) -> None:
        if self.on_grant is not None:
            self.on_grant(background)

    def _release(self) -> None:
        future = self._next()
        if future is None:
            self._busy = False
        else:
            future.set_result(None)  # the slot passes on; _busy stays True

    def _next(self) -> asyncio.Future[None] | None:
        for queue in (self._interactive, self._background):
            while queue and queue[0].done():  # cancelled while waiting
                queue.popleft()
        if self._background and (not self._interactive or self._streak >= self.BACKGROUND_EVERY):
            self._streak = 0
            return self._background.popleft()
        if self._interactive:
            if self._background:
                self._streak += 1
            return self._interactive.popleft()
        return None

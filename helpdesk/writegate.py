"""One SQLite writer at a time in this process, interactive work first.

SQLite has a single write lock. Left to itself, every writer that finds it taken sleeps and
polls in `busy_timeout`, in no particular order: a request an agent is waiting for can sit
behind a burst of background evaluations. The gate queues writers of this process instead, and
hands the slot to interactive work (web requests, commands) before background jobs, in arrival
order within each class. Other processes still meet SQLite's own lock and busy timeout.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

# Set while a job runs (`Runtime.run_job`): its writes wait behind interactive ones.
BACKGROUND: ContextVar[bool] = ContextVar("helpdesk_background", default=False)


class NestedWrite(RuntimeError):
    """A unit of work opened another inside itself: on one write lock it would wait forever."""


class WriteGate:
    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
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
        return sum(1 for *_, f in self._waiting if not f.done())

    async def _acquire(self, background: bool) -> None:
        if not self._busy and not self._waiting:
            self._busy = True
            self._granted(background)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (1 if background else 0, next(self._order), future))
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
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)  # the slot passes on; _busy stays True
                return
        self._busy = False

"""Batched access logging for request handlers: views are collected in memory and written
every `interval` seconds (or once `batch` of them wait) with one INSERT in one transaction.

A view then costs an append instead of a commit (on SQLite with synchronous=FULL, a commit is
an fsync). What it trades: a process killed hard loses the views of its last `interval`; a
normal shutdown writes them (`close`), and so does every read of the log (`flush`), so an
admin never sees a log older than the views this process served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from helpdesk.ports import Clock
from helpdesk.services import Store
from helpdesk.services.access import Access, Viewed, record_views

log = logging.getLogger(__name__)

MAX_BUFFERED = 100_000  # while the database is unreachable; beyond it the oldest are dropped


class AccessRecorder:
    def __init__(
        self,
        stores: Callable[[], AbstractAsyncContextManager[Store]],
        clock: Clock,
        *,
        interval: float = 0.5,
        batch: int = 500,
    ) -> None:
        self._stores = stores
        self._clock = clock
        self._interval = interval
        self._batch = batch
        self._buffer: list[Viewed] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closed = False

    def record(self, user_id: int | None, via: str, accesses: Sequence[Access]) -> None:
        """Note that `user_id` saw these items through `via`, at the clock's now."""
        now = self._clock.now()
        self._buffer.extend(Viewed(user_id, via, a, now) for a in accesses)
        if len(self._buffer) > MAX_BUFFERED:
            dropped = len(self._buffer) - MAX_BUFFERED
            del self._buffer[:dropped]
            log.error("access log: %d views dropped, the database is not taking writes", dropped)
        if self._closed:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        if len(self._buffer) >= self._batch:
            self._wake.set()

    async def flush(self) -> int:
        """Write what is buffered now; the number of views written."""
        async with self._lock:
            views, self._buffer = self._buffer, []
            if not views:
                return 0
            try:
                async with self._stores() as store:
                    await record_views(store, views)
            except Exception:
                self._buffer[:0] = views  # keep them for the next try, in order
                raise
            return len(views)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("access log: writing a batch failed; retrying")

    async def close(self) -> None:
        """Stop the background writer and write what is left."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

"""The two `Scheduler`s: arq on Redis for several processes, and in-process for the embedded
default. Both run the same job functions from `Runtime.jobs`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, TypedDict

from arq.connections import ArqRedis, RedisSettings, create_pool

from helpdesk.ports import Clock

log = logging.getLogger(__name__)

QUEUE_NAME = "helpdesk:queue"


class InProcessScheduler:
    """Runs jobs as asyncio tasks in this process, with periodic passes for reconciliation.

    Nothing is persisted here: a job lost with the process is re-armed by the reconciliation
    pass on the next start, because the database, not the scheduler, holds the work.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._runner: Any = None
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._tasks: dict[asyncio.Task[None], float] = {}  # task -> loop time it wakes at
        self._periodic: list[asyncio.Task[None]] = []
        self.running = False
        self.accepting = True
        self.failures = 0

    def bind(self, runner: Any) -> None:
        """`runner(job, *args)` runs one job; the composition root passes `Runtime.run_job`."""
        self._runner = runner

    async def enqueue(
        self, job: str, *args: Any, at: datetime | None = None, key: str | None = None
    ) -> None:
        if not self.accepting:
            # A stopping process takes no new work; the reconciliation pass of the next start
            # re-arms it from the database.
            log.info("scheduler stopped; %s%r left for reconciliation", job, args)
            return
        if key is not None and key in self._pending:
            return
        delay = 0.0 if at is None else max(0.0, (at - self._clock.now()).total_seconds())
        task = asyncio.create_task(self._later(job, args, delay, key))
        self._tasks[task] = asyncio.get_running_loop().time() + delay
        task.add_done_callback(self._forget)
        if key is not None:
            self._pending[key] = task

    @property
    def backlog(self) -> int:
        """Jobs running or due now (a retry waiting for its time is not counted)."""
        now = asyncio.get_running_loop().time()
        return sum(1 for wake in self._tasks.values() if wake <= now)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)

    async def _later(self, job: str, args: tuple[Any, ...], delay: float, key: str | None) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
        finally:
            if key is not None:
                self._pending.pop(key, None)
        await self._run(job, args)

    async def _run(self, job: str, args: tuple[Any, ...]) -> None:
        if self._runner is None:
            raise RuntimeError("InProcessScheduler.bind() was not called")
        try:
            await self._runner(job, *args)
        except Exception:
            self.failures += 1
            log.exception("job %s%r failed", job, args)

    def start_periodic(self, job: str, every_seconds: float) -> None:
        async def loop() -> None:
            while True:
                await self._run(job, ())
                await asyncio.sleep(every_seconds)

        self._periodic.append(asyncio.create_task(loop()))
        self.running = True

    async def drain(self, within: float = 0.5, limit: float = 10.0) -> None:
        """Wait until no job is running or due in the next `within` seconds, including jobs
        those jobs enqueue (tests use it instead of sleeping)."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(limit):
            while any(wake <= loop.time() + within for wake in self._tasks.values()):  # noqa: ASYNC110 - polls task wake times; no single event marks "idle"
                await asyncio.sleep(0.005)

    def resume(self) -> None:
        self.accepting = True

    async def stop(self) -> None:
        self.running = False
        self.accepting = False
        tasks = [*self._periodic, *self._tasks.keys()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._periodic.clear()
        self._pending.clear()


class ArqScheduler:
    """Enqueues jobs on Redis for `helpdesk worker` processes (arq)."""

    def __init__(self, redis_url: str, clock: Clock) -> None:
        self.redis_settings = redis_settings(redis_url)
        self._clock = clock
        self._pool: ArqRedis | None = None

    async def connect(self) -> None:
        self._pool = await create_pool(self.redis_settings, default_queue_name=QUEUE_NAME)

    @property
    def pool(self) -> ArqRedis:
        if self._pool is None:
            raise RuntimeError("ArqScheduler.connect() was not awaited")
        return self._pool

    async def enqueue(
        self, job: str, *args: Any, at: datetime | None = None, key: str | None = None
    ) -> None:
        # Deferral is relative to our clock (tests inject one), so "due now" never waits on
        # the gap between the injected clock and Redis' wall time.
        delay = None if at is None else (at - self._clock.now()).total_seconds()
        # arq drops a second job with the same id while the first is queued or its result kept.
        await self.pool.enqueue_job(
            job, *args, _job_id=key, _defer_by=delay if delay and delay > 0 else None
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


class CronFields(TypedDict, total=False):
    hour: set[int]
    minute: set[int]
    second: set[int]


def cron_fields(every: timedelta) -> CronFields:
    """arq `cron()` fields that run a periodic pass at least every `every`.

    Cron fields divide a minute, an hour or a day, so a period that divides none of them runs a
    little more often than asked (90 s runs every minute), never less; passes are idempotent.
    A period of a day or more runs daily at midnight UTC.
    """
    seconds = int(every.total_seconds())
    if seconds < 1:
        raise ValueError(f"a periodic pass every {every} is shorter than arq's one-second cron")
    if seconds < 60:
        return {"second": set(range(0, 60, seconds))}
    if seconds < 3600:
        return {"minute": set(range(0, 60, seconds // 60)), "second": {0}}
    if seconds < 86400:
        return {"hour": set(range(0, 24, seconds // 3600)), "minute": {0}, "second": {0}}
    return {"hour": {0}, "minute": {0}, "second": {0}}

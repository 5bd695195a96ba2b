"""/healthz takes its time from the injected clock, like everything else, and counts the jobs
that wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio

from helpdesk import health
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.scheduling import InProcessScheduler
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start


@pytest_asyncio.fixture
async def arq_rt(settings: Settings, clock: FixedClock, redis_url: str) -> AsyncIterator[Runtime]:
    """A runtime that queues jobs on Redis for workers; none runs here."""
    rt = assemble(settings.with_changes(redis_url=redis_url), clock=clock, with_components=False)
    await start(rt)
    try:
        yield rt
    finally:
        await rt.close()


async def test_health_stamps_the_job_check_with_the_runtime_clock(
    arq_rt: Runtime, clock: FixedClock
) -> None:
    healthy, report = await health.check(arq_rt)
    assert healthy
    assert report["jobs"]["mode"] == "arq"
    assert report["jobs"]["checked_at"] == int(clock.now().timestamp())


async def test_health_counts_the_jobs_waiting_to_run_in_process(
    settings: Settings, clock: FixedClock
) -> None:
    """Jobs running or due now are the backlog; a retry waiting for its time is not."""
    rt = assemble(settings, clock=clock, with_components=False)
    await start(rt)
    scheduler = rt.scheduler
    assert isinstance(scheduler, InProcessScheduler)
    release = asyncio.Event()
    ran: list[str] = []

    async def runner(job: str, *args: object) -> None:
        await release.wait()
        ran.append(job)

    scheduler.bind(runner)
    try:
        await scheduler.enqueue("first")
        await scheduler.enqueue("second")
        await scheduler.enqueue("retry", at=clock.now() + timedelta(hours=1))
        await asyncio.sleep(0)  # the two due jobs start and wait
        _, report = await health.check(rt)
        assert report["jobs"]["backlog"] == 2
        release.set()
        await scheduler.drain()
        _, report = await health.check(rt)
        assert report["jobs"]["backlog"] == 0
        # (the periodic passes go through the runner too)
        assert "first" in ran and "second" in ran and "retry" not in ran
    finally:
        await rt.close()


async def test_health_counts_the_jobs_queued_for_workers(
    arq_rt: Runtime, clock: FixedClock
) -> None:
    await arq_rt.scheduler.enqueue("deliver_outbox", 1)
    await arq_rt.scheduler.enqueue("deliver_outbox", 2)
    await arq_rt.scheduler.enqueue("deliver_outbox", 3, at=clock.now() + timedelta(hours=1))
    _, report = await health.check(arq_rt)
    assert report["jobs"]["backlog"] == 2  # no worker runs here; the third is not due yet

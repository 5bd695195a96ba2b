"""A job that PostgreSQL ends to break a deadlock is run again, and its work gets done.

Two transactions that lock the same rows in opposite orders (a routing drain assigning
tickets by priority, an SLA evaluation locking them by id) can each wait for the other;
PostgreSQL then ends one of them. Without a retry the job's work would wait for the next
reconciliation pass."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Select, select, text

from helpdesk import services
from helpdesk.domain import Role
from helpdesk.runtime import Job, Parts, Runtime
from helpdesk.tables import user_t
from tests.support.pg_locks import waits_for_a_lock


def _lock(user_id: int) -> Select[tuple[int]]:
    return select(user_t.c.id).where(user_t.c.id == user_id).with_for_update()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_job_ended_by_a_deadlock_runs_again_and_finishes(runtime: Runtime) -> None:
    rt = runtime
    async with rt.stores() as store:
        first = await services.create_user(store, email="a@example.com", name="A", role=Role.AGENT)
        second = await services.create_user(store, email="b@example.com", name="B", role=Role.AGENT)
    attempts = 0
    holds_first = asyncio.Event()
    close_the_cycle = asyncio.Event()

    async def first_then_second(rt: Runtime) -> str:
        nonlocal attempts
        attempts += 1
        async with rt.stores() as store:
            await store.execute(_lock(first))
            holds_first.set()
            await close_the_cycle.wait()
            await store.execute(_lock(second))
        return "done"

    rt.add("test", Parts(jobs=[Job("first_then_second", first_then_second)]))
    engine = rt.db.engine
    async with asyncio.timeout(60), engine.connect() as other, engine.connect() as watcher:
        await other.begin()
        # PostgreSQL looks for a deadlock once per wait, deadlock_timeout after it began. The
        # other side never looks; the job's wait closes the cycle, so its one look finds it.
        await other.execute(text("SET LOCAL deadlock_timeout = '60s'"))
        await other.execute(_lock(second))
        job = asyncio.create_task(rt.run_job("first_then_second"))
        await holds_first.wait()
        waiting = asyncio.create_task(other.execute(_lock(first)))
        # Polled: nothing outside PostgreSQL tells that a statement waits for a lock.
        while not await waits_for_a_lock(watcher):
            assert not job.done() and not waiting.done()
            await asyncio.sleep(0.01)
        close_the_cycle.set()
        await waiting  # granted once PostgreSQL has ended the job's first try
        await other.commit()
        assert await job == "done"
    assert attempts == 2

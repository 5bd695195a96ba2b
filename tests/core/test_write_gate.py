"""Interactive work is not kept waiting by background jobs, and reads never wait for writes."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from helpdesk import services
from helpdesk.runtime import Job, Parts, Runtime
from helpdesk.services import Actor
from helpdesk.tables import ticket_t
from helpdesk.writegate import BACKGROUND, NestedWrite, WriteGate
from tests.core.factory import email_in


async def _write(gate: WriteGate, background: bool, hold: asyncio.Event | None = None) -> None:
    token = BACKGROUND.set(background)
    try:
        async with gate.slot():
            if hold is not None:
                await hold.wait()
    finally:
        BACKGROUND.reset(token)


async def test_an_interactive_writer_waits_for_one_transaction_not_for_the_queue() -> None:
    gate = WriteGate()
    grants: list[str] = []
    gate.on_grant = lambda background: grants.append("job" if background else "request")
    release_first = asyncio.Event()

    first = asyncio.create_task(_write(gate, True, release_first))
    await asyncio.sleep(0)  # the first job holds the slot
    jobs = [asyncio.create_task(_write(gate, True)) for _ in range(1000)]
    await asyncio.sleep(0)
    assert gate.waiting == 1000
    request = asyncio.create_task(_write(gate, False))
    await asyncio.sleep(0)
    release_first.set()
    await asyncio.gather(first, request, *jobs)
    # The request arrived behind 1,000 queued jobs and one running: it went next.
    assert grants[:3] == ["job", "request", "job"]
    assert len(grants) == 1002


async def test_a_burst_of_requests_lets_a_waiting_job_through_now_and_then() -> None:
    gate = WriteGate()
    grants: list[str] = []
    gate.on_grant = lambda background: grants.append("job" if background else "request")
    release_first = asyncio.Event()

    first = asyncio.create_task(_write(gate, False, release_first))
    await asyncio.sleep(0)  # a request holds the slot
    job = asyncio.create_task(_write(gate, True))
    requests = [asyncio.create_task(_write(gate, False)) for _ in range(20)]
    await asyncio.sleep(0)
    release_first.set()
    await asyncio.gather(first, job, *requests)
    every = WriteGate.BACKGROUND_EVERY
    # Not after all twenty: after a bounded run of them.
    assert grants == ["request"] * (1 + every) + ["job"] + ["request"] * (20 - every)


async def test_a_cancelled_waiter_does_not_keep_the_slot() -> None:
    gate = WriteGate()
    hold = asyncio.Event()

    async def holder() -> None:
        async with gate.slot():
            await hold.wait()

    async def quick() -> str:
        async with gate.slot():
            return "done"

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(quick())
    await asyncio.sleep(0)
    cancelled.cancel()
    hold.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await asyncio.wait_for(quick(), 5) == "done"


async def test_a_unit_of_work_inside_another_fails_instead_of_waiting_for_itself(
    runtime: Runtime,
) -> None:
    async with runtime.stores():
        if runtime.db.is_sqlite:  # one write lock: the inner one would wait for the outer
            with pytest.raises(NestedWrite):
                async with runtime.stores():
                    pass
        else:  # PostgreSQL: two independent transactions, as before
            async with runtime.stores():
                pass


async def test_reads_do_not_wait_for_a_writer_holding_its_transaction(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        result = await services.ingest(store, email_in(subject="Before"))
    assert result.ticket_id is not None
    writing, finish = asyncio.Event(), asyncio.Event()

    async def slow_writer(rt: Runtime) -> None:
        async with rt.stores() as store:
            await services.add_note(store, result.ticket_id or 0, Actor.system(), "still typing")
            writing.set()
            await finish.wait()

    runtime.add("test", Parts(jobs=[Job("slow_writer", slow_writer)]))
    job = asyncio.create_task(runtime.run_job("slow_writer"))
    await writing.wait()
    async with asyncio.timeout(5):  # a read that queued behind the writer would never finish
        async with runtime.stores.read() as store:
            seen = await store.execute(
                select(ticket_t.c.subject).where(ticket_t.c.id == result.ticket_id)
            )
            assert seen.scalar_one() == "Before"
    finish.set()
    await job

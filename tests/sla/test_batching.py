"""Evaluation jobs queued together share one transaction, each gets its own answer, and an
agent's write waits for at most one of those transactions, however many jobs are queued."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from sqlalchemy import event, func, select

from helpdesk import services
from helpdesk.domain import Actor
from helpdesk.runtime import Runtime
from helpdesk.scheduling import InProcessScheduler
from sla.batcher import Batcher
from sla.tables import clock_t
from tests.sla.desk import Desk, H
from tests.sla.test_scenarios import targets


def _count_commits(rt: Runtime) -> list[int]:
    commits = [0]

    def on_commit(_conn: Any) -> None:
        commits[0] += 1

    event.listen(rt.db.engine.sync_engine, "commit", on_commit)
    return commits


async def _open_many(desk: Desk, count: int) -> list[int]:
    await desk.policy(targets=targets(first=H, resolution=8 * H))
    tickets = [await desk.open() for _ in range(count)]
    await desk.settle()
    return tickets


async def test_evaluation_jobs_queued_together_commit_together(desk: Desk) -> None:
    rt = desk.rt
    tickets = await _open_many(desk, 5)
    async with rt.stores() as store:  # the clocks the evaluations would write, gone
        await store.execute(clock_t.delete())
    commits = _count_commits(rt)
    jobs = [tickets[i % 5] for i in range(20)] + [999_999]
    answers = await asyncio.gather(*(rt.run_job("sla_evaluate", t) for t in jobs))
    assert answers == ["evaluated"] * 20 + ["no such ticket"]
    # The first job may start before the others ask; every later one joins a second batch.
    assert commits[0] <= 2
    async with rt.stores.read() as store:
        clocks = await store.execute(select(func.count(func.distinct(clock_t.c.ticket_id))))
        assert clocks.scalar_one() == 5


async def test_an_agent_waits_for_one_transaction_not_for_a_thousand_queued_evaluations(
    desk: Desk,
) -> None:
    rt = desk.rt
    tickets = await _open_many(desk, 60)  # more than one batch
    commits = _count_commits(rt)
    grants: list[str] = []
    if rt.db.gate is not None:  # SQLite: one write lock, handed out by the gate
        rt.db.gate.on_grant = lambda background: grants.append("job" if background else "agent")
    scheduler = rt.scheduler
    assert isinstance(scheduler, InProcessScheduler)
    for i in range(1000):
        await scheduler.enqueue("sla_evaluate", tickets[i % 60])
    await asyncio.sleep(0)  # the jobs start; the first takes the write slot
    async with rt.stores() as store:
        await services.add_note(store, tickets[0], Actor.user(desk.alice), "on the phone now")
    await scheduler.drain()
    assert scheduler.failures == 0
    # Batched: a thousand jobs, a handful of transactions (60 tickets, 50 to a batch).
    assert commits[0] <= 1 + 1000 // 50
    if rt.db.gate is None:
        return  # PostgreSQL: no lock shared by all writers, nothing to queue behind
    agent = grants.index("agent")
    assert grants[:agent] == ["job"]  # the one batch already running, then the agent
    assert grants[agent + 1 :].count("job") >= 1  # the rest of the queue came after


async def test_a_batch_that_fails_before_taking_a_ticket_fails_its_job() -> None:
    """The database unreachable, say: the job fails (its queue retries it with backoff) instead
    of starting batch after batch, and leaves nothing behind in the queue."""
    attempts = 0
    up = False

    async def evaluate_many(take: Callable[[], list[int]]) -> Mapping[int, int]:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0)  # as a connection attempt would: a retry loop cannot starve the test
        if not up:
            raise ConnectionError("no database")
        return {ticket_id: ticket_id * 10 for ticket_id in take()}

    batcher: Batcher[int] = Batcher(evaluate_many, size=50)
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(batcher.evaluate(7), timeout=30)
    assert (attempts, batcher.batches) == (1, 0)
    up = True  # the database is back: only the new job's ticket is evaluated
    assert await batcher.evaluate(8) == 80
    assert (attempts, batcher.batches) == (2, 1)


async def test_a_caller_with_a_mark_shares_an_evaluation_that_began_after_it() -> None:
    """A job whose cause committed before it started (a new ticket's acknowledgement) is
    answered by any evaluation that took its tickets since, running or finished; a caller
    without a mark, or whose mark is newer than the evaluation, gets one of its own."""
    inside = asyncio.Event()
    release = asyncio.Event()
    evaluated: list[list[int]] = []

    async def evaluate_many(take: Callable[[], list[int]]) -> Mapping[int, int]:
        tickets = take()
        evaluated.append(tickets)
        inside.set()
        await release.wait()
        return {ticket_id: ticket_id * 10 + len(evaluated) for ticket_id in tickets}

    batcher: Batcher[int] = Batcher(evaluate_many, size=50)
    before = batcher.mark()
    first = asyncio.create_task(batcher.evaluate(7))  # the ticket's own evaluation job
    await inside.wait()  # its batch has taken ticket 7 and is still running
    late = batcher.mark()
    joined = asyncio.create_task(batcher.evaluate(7, since=before))
    own = asyncio.create_task(batcher.evaluate(7, since=late))
    inside.clear()
    release.set()
    assert await first == 71
    assert await joined == 71  # shared the running batch
    assert await own == 72  # began before the batch took: a second batch
    assert evaluated == [[7], [7]]
    assert await batcher.evaluate(7, since=before) == 72  # the latest finished answer
    assert await batcher.evaluate(7) == 73  # no mark: an evaluation that starts now
    assert batcher.batches == 3


async def test_a_caller_that_joined_a_failing_batch_gets_a_batch_of_its_own() -> None:
    """The batch's own callers get its error (their queue retries them); one that joined it
    with a mark did not wait for it, and is evaluated by the next batch instead."""
    inside = asyncio.Event()
    release = asyncio.Event()
    attempts = 0

    async def evaluate_many(take: Callable[[], list[int]]) -> Mapping[int, int]:
        nonlocal attempts
        attempts += 1
        tickets = take()
        if attempts == 1:
            inside.set()
            await release.wait()
            raise ConnectionError("deadlock detected")
        return {ticket_id: ticket_id * 10 for ticket_id in tickets}

    batcher: Batcher[int] = Batcher(evaluate_many, size=50)
    mark = batcher.mark()
    first = asyncio.create_task(batcher.evaluate(7))
    await inside.wait()
    joined = asyncio.create_task(batcher.evaluate(7, since=mark))
    await asyncio.sleep(0)  # it joins the running batch
    release.set()
    with pytest.raises(ConnectionError):
        await first
    assert await joined == 70
    assert (attempts, batcher.batches) == (2, 1)

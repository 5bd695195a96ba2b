"""End to end through the real job runners: a ticket with a one-second first-reply target
breaches on time and climbs a three-level ladder, once per level, also when the process running
the timers dies half-way (in-process scheduler, and arq on Redis).

Time is the injected clock, moved by the test once the next wake-up is armed: the timers really
sleep and fire, but what they fire and how late is decided by the product, not by how loaded
the machine is. So lateness is asserted exactly: none, except for the level that fell due while
no process ran, which is late by that downtime and no more.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import warnings
from datetime import datetime, timedelta

import pytest
from arq.worker import Worker
from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Role
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.tables import outbox_t
from helpdesk.worker import assemble, start, worker_settings
from sla import admin
from sla.schemas import LadderIn, PolicyIn
from sla.tables import clock_t, escalation_t, sla_ticket_t
from tests.core.factory import email_in
from tests.core.senders import RecordingSender

# Calendar time, one second to the first reply; levels at the breach, +1 s and +2 s.
POLICY = {
    "name": "fast",
    "business_hours": False,
    "warn_fraction": None,
    "targets": {"first_reply": {"normal": "1s"}},
}
LEVELS = [
    {"offset": f"{n}s", "business_time": False,
     "actions": [{"type": "notify", "target": "supervisor"}]}
    for n in range(3)
]  # fmt: skip
ON_TIME = timedelta(seconds=1)
DOWN = timedelta(milliseconds=200)  # how long no process runs, after level 1 fell due
# Lateness per level: level 1 fell due while the process was down.
LATE = [timedelta(0), DOWN, timedelta(0)]


async def _configure(rt: Runtime) -> None:
    async with rt.stores() as store:
        sue = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        team = await services.create_team(store, "Support", supervisor_id=sue)
        await admin.save_policy(store, PolicyIn.model_validate(POLICY))
        await admin.save_ladder(store, LadderIn.model_validate({"name": "all", "levels": LEVELS}))
    _TEAM[rt.settings.database_url] = team


_TEAM: dict[str, int] = {}


async def _open(rt: Runtime) -> int:
    async with rt.stores() as store:
        opened = await services.ingest(store, email_in(received_at=rt.clock.now()))
        assert opened.ticket_id is not None
        await services.update_ticket(
            store,
            opened.ticket_id,
            services.Actor.system(),
            services.TicketChanges(team_id=_TEAM[rt.settings.database_url]),
        )
    return opened.ticket_id


async def _fired(rt: Runtime) -> list[tuple[int, timedelta]]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(escalation_t.c.level, escalation_t.c.fire_at, escalation_t.c.fired_at).order_by(
                escalation_t.c.level
            )
        )
        return [(r.level, r.fired_at - r.fire_at) for r in rows]


async def _wait_for(rt: Runtime, levels: int, limit: float = 15.0) -> None:
    async with asyncio.timeout(limit):
        while len(await _fired(rt)) < levels:
            await asyncio.sleep(0.05)


async def _armed(rt: Runtime, ticket_id: int, at: datetime) -> None:
    """Wait until the ticket's next wake-up is armed for `at` (committed, so enqueued next)."""
    query = select(sla_ticket_t.c.armed_at).where(sla_ticket_t.c.ticket_id == ticket_id)
    async with asyncio.timeout(15):
        while True:
            async with rt.stores() as store:
                if (await store.execute(query)).scalar_one_or_none() == at:
                    return
            await asyncio.sleep(0.02)


async def _sent(rt: Runtime, sender: RecordingSender, count: int) -> None:
    """Wait until `count` notification emails have left and their delivery is recorded.

    The tests kill a process between ladder levels, not while it delivers an email: a process
    killed after the send but before recording it sends that email again once its death is
    known (at least once, with the same Message-ID), which is the outbox's behaviour, tested
    in tests/core/test_outbox.py and tests/core/test_leases.py, not the ladder's.
    """
    async with asyncio.timeout(10):
        while len(sender.sent) < count or await _recorded(rt) < count:
            await asyncio.sleep(0.02)


async def _recorded(rt: Runtime) -> int:
    async with rt.stores() as store:
        rows = await store.execute(
            select(outbox_t.c.id).where(
                outbox_t.c.kind == "sla_notification", outbox_t.c.status == "sent"
            )
        )
        return len(rows.all())


async def _check(rt: Runtime, ticket_id: int) -> None:
    fired = await _fired(rt)
    assert [level for level, _ in fired] == [0, 1, 2]
    assert [late for _, late in fired] == LATE, fired
    async with rt.stores() as store:
        clock = (
            (await store.execute(select(clock_t).where(clock_t.c.ticket_id == ticket_id)))
            .mappings()
            .one()
        )
        emails = (
            await store.execute(select(outbox_t.c.id).where(outbox_t.c.kind == "sla_notification"))
        ).all()
    assert clock["state"] == "breached"
    assert clock["breached_at"] == clock["due_at"]
    assert len(emails) == 3


async def test_in_process_timers_escalate_on_time_across_a_restart(
    settings: Settings, clock: FixedClock
) -> None:
    opened = clock.now()
    first = assemble(settings, clock=clock)
    sender = RecordingSender()
    first.use_sender("email", sender)
    await start(first, periodic=False)
    await _configure(first)
    ticket_id = await _open(first)
    await _armed(first, ticket_id, opened + ON_TIME)
    clock.set(opened + ON_TIME)  # the breach: the armed timer fires level 0
    await _wait_for(first, 1)
    await _sent(first, sender, 1)  # dies between levels, not during a delivery (see below)
    await first.close()  # the process dies with its armed timers

    clock.set(opened + 2 * ON_TIME + DOWN)  # level 1 falls due while nothing runs
    second = assemble(settings, clock=clock)
    second.use_sender("email", sender)
    await start(second)  # its reconciliation pass runs at once and re-arms the rest
    try:
        await _wait_for(second, 2)
        await _armed(second, ticket_id, opened + 3 * ON_TIME)
        clock.set(opened + 3 * ON_TIME)
        await _wait_for(second, 3)
        await _sent(second, sender, 3)
        await asyncio.sleep(0.5)  # room for a duplicate to show up, if there were one
        await _check(second, ticket_id)
        assert [m.to[0].address for m in sender.sent] == ["sue@help.test"] * 3
    finally:
        await second.close()


async def _worker(
    settings: Settings,
    sender: RecordingSender,
    clock: FixedClock,
    *,
    burst: bool,
    runtimes: list[Runtime],
) -> Worker:
    kwargs = worker_settings(settings, clock=clock)
    startup = kwargs["on_startup"]

    async def on_startup(ctx: dict[str, object]) -> None:
        await startup(ctx)
        runtime = ctx["runtime"]
        assert isinstance(runtime, Runtime)
        runtime.use_sender("email", sender)
        runtimes.append(runtime)

    kwargs.update(on_startup=on_startup, burst=burst, handle_signals=False, poll_delay=0.02)
    return Worker(**kwargs)


async def _kill(
    worker: Worker, running: asyncio.Task[None], runtimes: list[Runtime], others: set[object]
) -> None:
    """Stop `worker` as a killed process stops: no shutdown, its jobs left in Redis. `others`
    are the tasks that ran before the worker started."""
    pool = worker.pool
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    with contextlib.suppress(asyncio.CancelledError):
        await worker.close()  # stops at its cancelled jobs, before closing its Redis pool
    # What the operating system would reclaim from a killed process: its connections (the
    # runtimes' and arq's pool), once the work arq shields from cancellation has ended.
    leftovers = asyncio.all_tasks() - others - {asyncio.current_task()}
    if leftovers:
        await asyncio.wait(leftovers, timeout=10)
    await pool.aclose()
    for runtime in runtimes:
        await runtime.close()


def _reclaim() -> None:
    """Collect a killed worker's garbage without the warnings about connections it never
    closed (the operating system closes them for a killed process)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


# The killed worker's Redis pipelines are dropped, not closed, as a SIGKILLed process drops
# them; when the garbage collector finds one later, redis-py's finalizer warns. That warning is
# about the simulated kill, not about the product, so it is not turned into an error here.
@pytest.mark.filterwarnings("ignore:Unclosed client session:ResourceWarning")
async def test_arq_worker_escalates_on_time_and_once_across_a_killed_worker(
    settings: Settings, redis_url: str, clock: FixedClock
) -> None:
    opened = clock.now()
    settings = settings.with_changes(redis_url=redis_url)
    web = assemble(settings, clock=clock)
    await start(web)
    try:
        await _configure(web)
        ticket_id = await _open(web)  # queues its evaluation in Redis
    finally:
        await web.close()
    sender = RecordingSender()
    observer = assemble(settings.with_changes(redis_url=None), clock=clock)

    dead: list[Runtime] = []
    others: set[object] = set(asyncio.all_tasks())
    doomed = await _worker(settings, sender, clock, burst=False, runtimes=dead)
    running = asyncio.create_task(doomed.main())
    await _armed(observer, ticket_id, opened + ON_TIME)  # the wake-up waits in Redis
    clock.set(opened + ON_TIME)
    await _wait_for(observer, 1)
    await _sent(observer, sender, 1)  # between levels 1 and 2, not during a delivery
    await _kill(doomed, running, dead, others)  # killed mid-ladder: its jobs stay in Redis
    del doomed, running
    _reclaim()

    # The successor's start-up pass fires what fell due and re-arms what the dead worker may
    # have armed without enqueueing, so no level waits for a later pass.
    clock.set(opened + 2 * ON_TIME + DOWN)  # level 1 falls due while no worker runs
    alive: list[Runtime] = []
    others = set(asyncio.all_tasks())
    successor = await _worker(settings, sender, clock, burst=False, runtimes=alive)
    serving = asyncio.create_task(successor.main())
    try:
        await _wait_for(observer, 2)
        await _armed(observer, ticket_id, opened + 3 * ON_TIME)
        clock.set(opened + 3 * ON_TIME)
        await _wait_for(observer, 3)
        await _sent(observer, sender, 3)
        await asyncio.sleep(0.5)  # room for a duplicate to show up, if there were one
        await _check(observer, ticket_id)
        assert [m.to[0].address for m in sender.sent] == ["sue@help.test"] * 3
    finally:
        await _kill(successor, serving, alive, others)  # arq stops a worker by cancelling it too
        del successor, serving
        _reclaim()
        await observer.close()

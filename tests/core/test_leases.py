"""A delivery claimed by a process that then dies is retried as soon as the death is known:
at once on the same host (its pid is gone), after a stale heartbeat elsewhere, never while
the process still runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio

from helpdesk import services
from helpdesk.liveness import ProcessIdentity
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, outbox, processes
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.core.factory import email_in
from tests.core.senders import RecordingSender
from tests.fixtures_db import scheduler_of

Boot = Callable[..., Awaitable[Runtime]]


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped), as a `kill -9` leaves it."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest_asyncio.fixture
async def boot(settings: Settings, clock: FixedClock) -> AsyncIterator[Boot]:
    """Start runtimes on one database, as separate processes would; close them all at the end."""
    started: list[Runtime] = []

    async def make(identity: ProcessIdentity | None = None) -> Runtime:
        rt = assemble(settings, clock=clock)
        rt.use_sender("email", RecordingSender())
        if identity is not None:
            rt.process = identity
        await start(rt, periodic=False)
        started.append(rt)
        return rt

    yield make
    for rt in reversed(started):
        await rt.close()


async def _claimed_then_killed(dying: Runtime) -> int:
    """`dying` takes a reply for delivery, then is killed before it records the result."""
    await scheduler_of(dying).stop()
    async with dying.stores() as store:
        opened = await services.ingest(store, email_in())
        posted = await services.reply(store, opened.ticket_id or 0, Actor.system(), "On it")
    async with dying.stores() as store:
        assert await outbox.claim(store, posted.outbox_id or 0, owner=dying.process.id)
    await dying.process.halt()
    return posted.message_id


def _sent(rt: Runtime) -> list[int]:
    sender = rt.sender_for("email")
    assert isinstance(sender, RecordingSender)
    return [m.message_id for m in sender.sent]


async def test_a_restart_on_the_same_host_retries_a_killed_processs_delivery_at_once(
    boot: Boot,
) -> None:
    message_id = await _claimed_then_killed(await boot(ProcessIdentity(pid=_dead_pid())))
    restarted = await boot()  # the injected clock has not moved: no lease has run out
    assert await restarted.run_job("reconcile_outbox") == 1
    await scheduler_of(restarted).drain()
    assert _sent(restarted) == [message_id]


async def test_a_silent_process_elsewhere_loses_its_lease_when_its_heartbeat_is_stale(
    boot: Boot, clock: FixedClock
) -> None:
    message_id = await _claimed_then_killed(await boot(ProcessIdentity(host="other-host")))
    survivor = await boot()
    assert await survivor.run_job("reconcile_outbox") == 0  # it may still be sending
    clock.advance(seconds=processes.STALE_AFTER.total_seconds() + 1)
    assert processes.STALE_AFTER < outbox.LEASE
    assert await survivor.run_job("reconcile_outbox") == 1
    await scheduler_of(survivor).drain()
    assert _sent(survivor) == [message_id]


async def test_a_running_processs_lease_is_never_taken(boot: Boot, clock: FixedClock) -> None:
    busy = await boot()
    await scheduler_of(busy).stop()
    async with busy.stores() as store:
        opened = await services.ingest(store, email_in())
        posted = await services.reply(store, opened.ticket_id or 0, Actor.system(), "On it")
    async with busy.stores() as store:
        assert await outbox.claim(store, posted.outbox_id or 0, owner=busy.process.id)
    other = await boot()
    clock.advance(seconds=processes.STALE_AFTER.total_seconds() + 1)
    # Its heartbeat is old by the injected clock, but it runs here: alive by definition.
    assert await other.run_job("reconcile_outbox") == 0
    assert _sent(other) == []


async def test_a_clean_stop_gives_its_leases_back(boot: Boot) -> None:
    leaving = await boot()
    await scheduler_of(leaving).stop()
    async with leaving.stores() as store:
        opened = await services.ingest(store, email_in())
        posted = await services.reply(store, opened.ticket_id or 0, Actor.system(), "On it")
    async with leaving.stores() as store:
        assert await outbox.claim(store, posted.outbox_id or 0, owner=leaving.process.id)
    await leaving.process.stop(leaving)
    after = await boot()
    assert await after.run_job("reconcile_outbox") == 1
    await scheduler_of(after).drain()
    assert _sent(after) == [posted.message_id]

"""A restarted process takes over the wake-ups the dead one had armed: its start-up pass arms
every wake-up due before the next pass, so a level that falls due seconds after a restart fires
at its instant, not a reconciliation period late. Injected clock: nothing waits on wall time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Role
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from sla import admin
from sla.schemas import LadderIn, PolicyIn
from sla.tables import escalation_t, sla_ticket_t
from tests.core.factory import email_in
from tests.fixtures_db import scheduler_of

POLICY = {
    "name": "fast",
    "business_hours": False,
    "warn_fraction": None,
    "targets": {"first_reply": {"normal": "1m"}},
}
LADDER = {
    "name": "all",
    "levels": [
        {"offset": "0s", "business_time": False,
         "actions": [{"type": "notify", "target": "supervisor"}]},
    ],
}  # fmt: skip


async def _open_ticket(rt: Runtime) -> int:
    async with rt.stores() as store:
        sue = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        team = await services.create_team(store, "Support", supervisor_id=sue)
        await admin.save_policy(store, PolicyIn.model_validate(POLICY))
        await admin.save_ladder(store, LadderIn.model_validate(LADDER))
    async with rt.stores() as store:
        opened = await services.ingest(store, email_in(received_at=rt.clock.now()))
        assert opened.ticket_id is not None
        await services.update_ticket(
            store, opened.ticket_id, services.Actor.system(), services.TicketChanges(team_id=team)
        )
    return opened.ticket_id


async def test_a_wakeup_that_died_with_its_process_is_armed_again_at_start(
    settings: Settings, clock: FixedClock
) -> None:
    first = assemble(settings, clock=clock)
    await start(first, periodic=False)
    ticket_id = await _open_ticket(first)
    await scheduler_of(first).drain()  # the evaluation arms the breach's wake-up in memory
    async with first.stores() as store:
        armed = (
            await store.execute(
                select(sla_ticket_t.c.armed_at).where(sla_ticket_t.c.ticket_id == ticket_id)
            )
        ).scalar_one()
    assert armed == clock.now() + timedelta(seconds=60)
    await first.close()  # the process dies, and its timers with it

    clock.set(armed - timedelta(milliseconds=20))  # back up just before the breach
    second = assemble(settings, clock=clock)
    await start(second, periodic=False)
    try:
        assert await second.run_job("sla_reconcile") == 0  # the start-up pass: nothing due yet
        clock.set(armed)  # the timer it armed fires at the breach, no pass later
        await scheduler_of(second).drain()
        async with second.stores() as store:
            fired = (
                await store.execute(
                    select(escalation_t.c.level, escalation_t.c.fire_at, escalation_t.c.fired_at)
                )
            ).all()
    finally:
        await second.close()
    assert [tuple(row) for row in fired] == [(0, armed, armed)]

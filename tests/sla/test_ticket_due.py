"""The SLA engine hands each ticket's soonest due time to the core (ticket.sla_next_due_at),
which the inbox sorts and filters by: it follows the clocks as they start, pause, resume and
stop, and a breached clock stays the most urgent until it is fulfilled."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.domain import Status
from helpdesk.tables import ticket_t
from tests.sla.desk import Desk, H
from tests.sla.test_scenarios import targets


async def _due(desk: Desk) -> str | None:
    await desk.settle()
    async with desk.rt.stores() as store:
        due = (
            await store.execute(
                select(ticket_t.c.sla_next_due_at).where(ticket_t.c.id == desk.ticket)
            )
        ).scalar_one()
    return desk.week.show(due)


async def test_ticket_due_time_follows_its_running_clocks(desk: Desk) -> None:
    await desk.policy(targets=targets(first=H, resolution=8 * H))
    desk.at("Mon 10:00")
    await desk.open()
    assert await _due(desk) == "Mon 11:00"  # first reply before resolution
    desk.at("Mon 10:30")
    await desk.reply()
    assert await _due(desk) == "Mon 18:00"  # first reply fulfilled: resolution is next
    desk.at("Mon 13:00")
    await desk.change(status=Status.PENDING)
    assert await _due(desk) is None  # paused: nothing is running
    desk.at("Tue 10:00")
    await desk.change(status=Status.OPEN)
    assert await _due(desk) == "Tue 15:00"
    desk.at("Tue 15:00")
    await desk.wake()
    assert await _due(desk) == "Tue 15:00"  # breached, still due: the most urgent
    desk.at("Tue 16:00")
    await desk.change(status=Status.SOLVED)
    assert await _due(desk) is None

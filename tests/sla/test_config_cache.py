"""Evaluations keep the SLA configuration in memory per configuration version: a change saved
through the services, by this process or another one, must still apply at the next evaluation."""

from __future__ import annotations

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.scheduling import InProcessScheduler
from helpdesk.settings import Settings
from helpdesk.worker import assemble
from sla import admin
from sla.schemas import CalendarIn, PolicyIn
from sla.tables import policy_t
from tests.sla.desk import OFFICE, Desk, H, desk_for
from tests.sla.test_scenarios import targets


def _other_process(settings: Settings, clock: FixedClock) -> Runtime:
    """A second runtime on the same database, as the web process is beside the worker."""
    return assemble(settings, clock=clock, scheduler=InProcessScheduler(clock))


async def test_a_policy_saved_by_another_process_applies_at_the_next_evaluation(
    runtime: Runtime, clock: FixedClock, settings: Settings
) -> None:
    desk = await desk_for(runtime, clock)
    policy = await desk.policy(name="Standard", targets=targets(first=4 * H))
    desk.at("Mon 10:00")
    await desk.open()
    assert (await desk.clocks())["first_reply"] == [("active", "Mon 14:00")]

    other = _other_process(settings, clock)
    try:
        async with other.stores() as store:
            data = {"name": "Standard", "calendar_id": desk.calendar, "targets": targets(first=H)}
            await admin.save_policy(store, PolicyIn.model_validate(data), policy)
    finally:
        await other.close()
    desk.at("Mon 10:30")
    await desk.wake()  # this runtime's cache still holds the 4-hour policy
    assert (await desk.clocks())["first_reply"] == [("active", "Mon 11:00")]


async def test_deleting_the_only_policy_stops_new_clocks(desk: Desk) -> None:
    policy = await desk.policy(targets=targets())
    desk.at("Mon 10:00")
    first = await desk.open()
    assert (await desk.clocks(first))["first_reply"] == [("active", "Mon 11:00")]
    async with desk.rt.stores() as store:
        await admin.delete_row(store, policy_t, policy)
    desk.at("Mon 10:10")
    second = await desk.open()
    assert await desk.clocks(second) == {}


async def test_a_calendar_edit_moves_due_times_at_the_next_evaluation(desk: Desk) -> None:
    await desk.policy(targets=targets(first=2 * H))
    desk.at("Mon 17:00")
    await desk.open()
    assert (await desk.clocks())["first_reply"] == [("active", "Tue 10:00")]
    longer = {**OFFICE, **{str(d): [("09:00", "20:00")] for d in range(5)}}
    async with desk.rt.stores() as store:
        data = {"name": "Istanbul office", "tz": "Europe/Istanbul", "weekly": longer,
                "holiday_country": "TR"}  # fmt: skip
        await admin.save_calendar(store, CalendarIn.model_validate(data), desk.calendar)
    desk.at("Mon 17:30")
    await desk.wake()
    assert (await desk.clocks())["first_reply"] == [("active", "Mon 19:00")]

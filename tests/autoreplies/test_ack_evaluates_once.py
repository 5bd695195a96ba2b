"""A new ticket's acknowledgement evaluates its SLA clocks first (it quotes the first-reply
due time); the evaluation the ticket's own events ask for afterwards would see nothing new, so
it is not run again. A change committed later is still evaluated."""

from __future__ import annotations

from types import MethodType

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from sla.handlers import SlaRunner
from tests.sla.desk import H, desk_for
from tests.sla.test_scenarios import targets


async def test_a_new_tickets_clocks_are_evaluated_once_and_a_later_change_again(
    runtime: Runtime, clock: FixedClock
) -> None:
    desk = await desk_for(runtime, clock)
    await desk.policy(targets=targets(first=H, resolution=8 * H))
    job = runtime.jobs["sla_evaluate"]
    assert isinstance(job, MethodType) and isinstance(job.__self__, SlaRunner)
    runner = job.__self__
    before = runner.batcher.batches

    ticket = await desk.open()
    await desk.settle()
    assert runner.batcher.batches == before + 1  # the acknowledgement's, and no other
    assert [state for state, _ in (await desk.clocks(ticket))["first_reply"]] == ["active"]

    clock.advance(minutes=5)
    await desk.customer()  # committed after that evaluation began: it gets its own
    await desk.settle()
    assert runner.batcher.batches == before + 2

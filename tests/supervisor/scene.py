"""An SLA desk with people who can sign in: Sam (supervisor), Ana (agent in Support), and a
hardware ticket opened Monday 16:30 Istanbul time whose one-hour first-reply clock is at risk
at once and breaches at 17:30, firing two levels of the ladder (seen at 17:40)."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk import services
from helpdesk.domain import Role
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.inbox.support import PASSWORD
from tests.sla.desk import Desk, desk_for
from tests.sla.test_scenarios import LADDER, targets


@dataclass
class Scene:
    desk: Desk
    sam: int
    ana: int
    ticket: int = 0

    async def breach(self) -> None:
        """Time passes to ten minutes after the breach and the wake-up runs, as the worker would."""
        self.desk.at("Mon 17:40")
        await self.desk.wake()


async def scene(rt: Runtime, clock: FixedClock) -> Scene:
    desk = await desk_for(rt, clock)
    async with rt.stores() as store:
        sam = await services.create_user(
            store, email="sam@example.test", name="Sam Supervisor", role=Role.SUPERVISOR,
            password=PASSWORD,
        )  # fmt: skip
        ana = await services.create_user(
            store, email="ana@example.test", name="Ana Agent", role=Role.AGENT,
            password=PASSWORD, team_ids=(desk.team,),
        )  # fmt: skip
    await desk.policy(targets=targets(), warn_fraction=None)
    await desk.ladder("hardware", LADDER, metrics=["first_reply"])
    desk.at("Mon 16:30")
    found = Scene(desk, sam, ana)
    found.ticket = await desk.open(category="hardware")
    await desk.settle()
    return found

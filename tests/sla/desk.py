"""A helpdesk set up for SLA scenarios, driven through the real services with a fixed clock.

Istanbul office hours (Mon-Fri 09:00-18:00, TR holidays), a Support team whose supervisor is
Sue, agent Alice, and helpers that play customer messages, replies, notes and status moves.
Scenario rows are (local time, action or None, expected clocks per metric as (state, due)).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Role, Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.scheduling import InProcessScheduler
from helpdesk.services import Actor, TicketChanges
from sla import admin
from sla.schemas import CalendarIn, LadderIn, PolicyIn
from sla.tables import clock_event_t, clock_t, escalation_t, notification_t
from tests.core.factory import email_in
from tests.sla.clock_tables import Week

_ids = itertools.count(1)
H = 3600
OFFICE = {str(d): [("09:00", "18:00")] for d in range(5)}

Action = Callable[["Desk"], Awaitable[Any]]
Row = tuple[str, Action | None, dict[str, list[tuple[str, str | None]]]]


@dataclass
class Desk:
    rt: Runtime
    clock: FixedClock
    week: Week
    team: int = 0
    alice: int = 0
    sue: int = 0
    boss: int = 0
    bot: int = 0
    calendar: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    ticket: int = 0
    first_message: str = ""

    def at(self, text: str) -> None:
        self.clock.set(self.week.at(text))

    async def policy(self, **fields: Any) -> int:
        data = {"name": f"policy {next(_ids)}", "calendar_id": self.calendar, **fields}
        async with self.rt.stores() as store:
            return await admin.save_policy(store, PolicyIn.model_validate(data))

    async def ladder(self, category: str | None, levels: list[dict[str, Any]], **more: Any) -> int:
        data = {
            "name": f"ladder {next(_ids)}",
            "category_id": self.categories[category] if category else None,
            "levels": levels,
            **more,
        }
        async with self.rt.stores() as store:
            return await admin.save_ladder(store, LadderIn.model_validate(data))

    # -- actions -----------------------------------------------------------------------------

    async def open(self, category: str | None = None, priority: str | None = None) -> int:
        external = f"<t{next(_ids)}@mail.example.com>"
        async with self.rt.stores() as store:
            result = await services.ingest(
                store,
                email_in(
                    external_id=external,
                    received_at=self.clock.now(),
                    category=category,
                    priority=priority,
                ),
            )
        assert result.ticket_id is not None
        self.ticket, self.first_message = result.ticket_id, external
        if self.team:
            await self.change(team_id=self.team, assignee_id=self.alice)
        return result.ticket_id

    async def customer(self) -> None:
        async with self.rt.stores() as store:
            await services.ingest(
                store,
                email_in(
                    text="Any news?",
                    received_at=self.clock.now(),
                    references=(self.first_message,),
                ),
            )

    async def reply(self, status: Status | None = None, bot: bool = False) -> None:
        actor = Actor.user(self.bot, bot=True) if bot else Actor.user(self.alice)
        async with self.rt.stores() as store:
            await services.reply(store, self.ticket, actor, "Looking into it", status=status)

    async def note(self) -> None:
        async with self.rt.stores() as store:
            await services.add_note(store, self.ticket, Actor.user(self.alice), "internal")

    async def change(self, **changes: Any) -> None:
        async with self.rt.stores() as store:
            await services.update_ticket(
                store, self.ticket, Actor.user(self.alice), TicketChanges(**changes)
            )

    async def wake(self) -> None:
        """What the armed timer does at this instant."""
        await self.rt.run_job("sla_wakeup", self.ticket)

    # -- reading -----------------------------------------------------------------------------

    async def settle(self) -> None:
        """Let the evaluation jobs that the last changes queued run (they are off the request
        path, as in production)."""
        scheduler = self.rt.scheduler
        if isinstance(scheduler, InProcessScheduler):
            await scheduler.drain()

    async def clocks(self, ticket_id: int | None = None) -> dict[str, list[tuple[str, str | None]]]:
        await self.settle()
        async with self.rt.stores() as store:
            rows = await store.execute(
                select(clock_t)
                .where(clock_t.c.ticket_id == (ticket_id or self.ticket))
                .order_by(clock_t.c.metric, clock_t.c.cycle)
            )
            found: dict[str, list[tuple[str, str | None]]] = {}
            for row in rows.mappings():
                found.setdefault(row["metric"], []).append(
                    (row["state"], self.week.show(row["due_at"]))
                )
        return found

    async def events(self, metric: str, cycle: int = 0) -> list[tuple[str, str, int]]:
        await self.settle()
        async with self.rt.stores() as store:
            rows = await store.execute(
                select(clock_event_t)
                .where(
                    clock_event_t.c.ticket_id == self.ticket,
                    clock_event_t.c.metric == metric,
                    clock_event_t.c.cycle == cycle,
                )
                .order_by(clock_event_t.c.seq)
            )
            return [
                (r["kind"], str(self.week.show(r["at"])), r["business_time_left_s"] // 60)
                for r in rows.mappings()
            ]

    async def escalations(self) -> list[tuple[int, str, str | None]]:
        await self.settle()
        async with self.rt.stores() as store:
            rows = await store.execute(
                select(escalation_t)
                .where(escalation_t.c.ticket_id == self.ticket)
                .order_by(escalation_t.c.level)
            )
            return [
                (r["level"], str(self.week.show(r["fired_at"])), r["metric"])
                for r in rows.mappings()
            ]

    async def feed(self, user_id: int) -> list[tuple[str, str]]:
        await self.settle()
        async with self.rt.stores() as store:
            rows = await store.execute(
                select(notification_t.c.kind, notification_t.c.metric)
                .where(notification_t.c.user_id == user_id)
                .order_by(notification_t.c.id)
            )
            return [(r.kind, r.metric) for r in rows]


async def play(desk: Desk, rows: Sequence[Row]) -> None:
    """Run scenario rows: set the clock, act (or let the timer fire), compare the clocks."""
    for when, action, expected in rows:
        desk.at(when)
        if action is None:
            await desk.wake()
        else:
            await action(desk)
        got = await desk.clocks()
        for metric, seen in expected.items():
            assert got.get(metric, []) == seen, f"at {when}, {metric}: {got.get(metric)} != {seen}"


async def desk_for(rt: Runtime, clock: FixedClock, monday: date = date(2026, 6, 1)) -> Desk:
    desk = Desk(rt, clock, Week(monday, "Europe/Istanbul"))
    async with rt.stores() as store:
        desk.sue = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        desk.boss = await services.create_user(
            store, email="boss@help.test", name="Boss", role=Role.ADMIN
        )
        desk.team = await services.create_team(store, "Support", supervisor_id=desk.sue)
        desk.alice = await services.create_user(
            store, email="alice@help.test", name="Alice", team_ids=(desk.team,)
        )
        await services.add_member(store, desk.team, desk.sue)
        desk.bot = await services.create_user(
            store, email="bot@help.test", name="Bot", role=Role.BOT
        )
        hardware = await services.create_category(store, "hardware", "Hardware")
        printers = await services.create_category(store, "printers", "Printers", parent_id=hardware)
        desk.categories = {"hardware": hardware, "printers": printers}
        desk.calendar = await admin.save_calendar(
            store,
            CalendarIn.model_validate(
                {"name": "Istanbul office", "tz": "Europe/Istanbul", "weekly": OFFICE,
                 "holiday_country": "TR"}
            ),
        )  # fmt: skip
    desk.team = desk.team
    return desk


def moved(status: Status) -> Action:
    return lambda d: d.change(status=status)

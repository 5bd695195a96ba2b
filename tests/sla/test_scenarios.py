"""SLA scenarios through the real services: ingest, reply, notes and ticket updates with an
injected clock, as tables of (Istanbul local time, action, expected clocks with due times).

A row without an action is the armed timer firing at that instant (the `sla_wakeup` job).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from helpdesk.domain import Principal, Role, Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.tables import outbox_t, ticket_t
from sla import admin
from sla.tables import escalation_t, sla_ticket_t
from tests.sla.desk import Desk, H, Row, desk_for, moved, play

NORMAL_HIGH = ("normal", "high", "urgent")


def targets(first: int = H, next_: int = 2 * H, resolution: int = 8 * H) -> dict[str, object]:
    return {
        "first_reply": dict.fromkeys(NORMAL_HIGH, f"{first}s"),
        "next_reply": dict.fromkeys(NORMAL_HIGH, f"{next_}s"),
        "resolution": dict.fromkeys(NORMAL_HIGH, f"{resolution}s"),
    }


async def armed(desk: Desk) -> str | None:
    async with desk.rt.stores() as store:
        at = (
            await store.execute(
                select(sla_ticket_t.c.armed_at).where(sla_ticket_t.c.ticket_id == desk.ticket)
            )
        ).scalar_one()
    return desk.week.show(at)


async def test_resolution_pauses_in_pending_and_resumes_with_the_time_left(desk: Desk) -> None:
    await desk.policy(targets=targets())
    rows: list[Row] = [
        ("Mon 10:00", lambda d: d.open(), {"resolution": [("active", "Mon 18:00")]}),
        ("Mon 13:00", moved(Status.PENDING), {"resolution": [("paused", None)]}),
        ("Tue 09:30", None, {"resolution": [("paused", None)]}),
        # 3h spent Monday, 5h left from Tue 10:00.
        ("Tue 10:00", moved(Status.OPEN), {"resolution": [("active", "Tue 15:00")]}),
        ("Tue 15:00", None, {"resolution": [("breached", "Tue 15:00")]}),
        ("Tue 16:00", moved(Status.SOLVED), {"resolution": [("breached_fulfilled", "Tue 15:00")]}),
    ]
    await play(desk, rows)
    assert await desk.events("resolution") == [
        ("activated", "Mon 10:00", 480),
        ("paused", "Mon 13:00", 300),
        ("resumed", "Tue 10:00", 300),
        ("warned", "Tue 13:00", 120),
        ("breached", "Tue 15:00", 0),
        ("fulfilled", "Tue 16:00", -60),
    ]


async def test_next_reply_cycles_and_bumps_do_not_move_the_deadline(desk: Desk) -> None:
    await desk.policy(targets=targets())
    rows: list[Row] = [
        ("Mon 09:30", lambda d: d.open(), {"first_reply": [("active", "Mon 10:30")]}),
        ("Mon 10:00", lambda d: d.reply(), {"first_reply": [("fulfilled", "Mon 10:30")]}),
        ("Mon 11:00", lambda d: d.customer(), {"next_reply": [("active", "Mon 13:00")]}),
        ("Mon 12:00", lambda d: d.customer(), {"next_reply": [("active", "Mon 13:00")]}),
        ("Mon 12:30", lambda d: d.note(), {"next_reply": [("active", "Mon 13:00")]}),
        ("Mon 12:40", lambda d: d.reply(bot=True), {"next_reply": [("active", "Mon 13:00")]}),
        ("Mon 12:50", lambda d: d.reply(), {"next_reply": [("fulfilled", "Mon 13:00")]}),
        # Second cycle: 1h on Monday (17-18), 1h on Tuesday (09-10).
        ("Mon 17:00", lambda d: d.customer(),
         {"next_reply": [("fulfilled", "Mon 13:00"), ("active", "Tue 10:00")]}),
        ("Tue 09:59", lambda d: d.customer(),
         {"next_reply": [("fulfilled", "Mon 13:00"), ("active", "Tue 10:00")]}),
        ("Tue 10:00", None,
         {"next_reply": [("fulfilled", "Mon 13:00"), ("breached", "Tue 10:00")]}),
    ]  # fmt: skip
    await play(desk, rows)


async def test_bot_replies_fulfil_when_the_policy_says_so(desk: Desk) -> None:
    await desk.policy(targets=targets(), bots_fulfil=True)
    rows: list[Row] = [
        ("Mon 09:30", lambda d: d.open(), {"first_reply": [("active", "Mon 10:30")]}),
        ("Mon 09:40", lambda d: d.note(), {"first_reply": [("active", "Mon 10:30")]}),
        ("Mon 09:50", lambda d: d.reply(bot=True), {"first_reply": [("fulfilled", "Mon 10:30")]}),
    ]
    await play(desk, rows)


async def test_reopen_after_solve_resumes_resolution_with_time_spent(desk: Desk) -> None:
    await desk.policy(targets=targets())
    rows: list[Row] = [
        ("Mon 10:00", lambda d: d.open(), {"resolution": [("active", "Mon 18:00")]}),
        ("Mon 12:00", lambda d: d.reply(status=Status.SOLVED),
         {"resolution": [("fulfilled", "Mon 18:00")],
          "first_reply": [("breached_fulfilled", "Mon 11:00")]}),
        # The customer writes back: 2h spent, 6h left from 14:00 -> Mon 18:00 + Tue 09-11.
        ("Mon 14:00", lambda d: d.customer(),
         {"resolution": [("active", "Tue 11:00")], "next_reply": [("active", "Mon 16:00")]}),
    ]  # fmt: skip
    await play(desk, rows)
    kinds = [kind for kind, _, _ in await desk.events("resolution")]
    assert kinds == ["activated", "fulfilled", "resumed"]


async def test_priority_change_mid_flight_recomputes_from_elapsed_time(desk: Desk) -> None:
    await desk.policy(
        targets={"resolution": {"normal": "8h", "high": "4h"}, "first_reply": {"normal": "1h"}}
    )
    rows: list[Row] = [
        ("Mon 10:00", lambda d: d.open(), {"resolution": [("active", "Mon 18:00")]}),
        # 2h spent of the new 4h: due in 2h. first_reply has no high target: cancelled.
        ("Mon 12:00", lambda d: d.change(priority="high"),
         {"resolution": [("active", "Mon 14:00")], "first_reply": [("cancelled", "Mon 11:00")]}),
        ("Mon 13:00", lambda d: d.change(priority="normal"),
         {"resolution": [("active", "Mon 18:00")]}),
    ]  # fmt: skip
    await play(desk, rows)
    assert [k for k, _, _ in await desk.events("resolution")] == [
        "activated",
        "recomputed",
        "recomputed",  # the high target's warning at 13:00 was never reached
    ]


async def test_ticket_on_a_friday_evening_before_a_turkish_holiday(
    runtime: Runtime, clock: FixedClock
) -> None:
    # Monday 19 May 2025 is Commemoration of Atatürk, Youth and Sports Day.
    desk = await desk_for(runtime, clock, monday=date(2025, 5, 12))
    await desk.policy(targets=targets(first=2 * H))
    rows: list[Row] = [
        # 30 min on Friday, Monday is a holiday, 90 min on Tuesday.
        ("Fri 17:30", lambda d: d.open(),
         {"first_reply": [("active", "Tue+1 10:30")], "resolution": [("active", "Tue+1 16:30")]}),
        ("Mon+1 12:00", None, {"first_reply": [("active", "Tue+1 10:30")]}),
        ("Tue+1 10:30", None, {"first_reply": [("breached", "Tue+1 10:30")]}),
    ]  # fmt: skip
    await play(desk, rows)
    assert desk.week.show(desk.week.at("Fri 17:30")) == "Fri 17:30"


LADDER: list[dict[str, Any]] = [
    # 15 minutes before the breach: the assignee; at the breach: the team supervisor;
    # an hour of business time later: hand the ticket to the supervisor and raise priority.
    {"offset": "-15m", "actions": [{"type": "notify", "target": "assignee", "email": False}]},
    {"offset": 0, "actions": [{"type": "notify", "target": "supervisor"}]},
    {"offset": "1h", "actions": [
        {"type": "reassign", "target": "supervisor"},
        {"type": "notify", "target": "supervisor"},
        {"type": "raise_priority"},
    ]},
]  # fmt: skip


async def _escalation_setup(desk: Desk) -> None:
    await desk.policy(targets=targets(), warn_fraction=None)
    await desk.ladder("hardware", LADDER, metrics=["first_reply"])


async def _emails(desk: Desk) -> list[str]:
    async with desk.rt.stores() as store:
        rows = await store.execute(
            select(outbox_t.c.payload).where(outbox_t.c.kind == "sla_notification")
        )
        return [p["to"][0]["address"] for p in rows.scalars()]


async def test_breach_escalates_through_three_levels_to_the_supervisor(desk: Desk) -> None:
    await _escalation_setup(desk)
    first: Row = ("Mon 16:30", lambda d: d.open(category="printers"), {})
    await play(desk, [first])  # printers inherits the hardware ladder
    assert await armed(desk) == "Mon 17:15"
    await play(desk, [("Mon 17:15", None, {"first_reply": [("active", "Mon 17:30")]})])
    assert await desk.escalations() == [(0, "Mon 17:15", "first_reply")]
    assert await armed(desk) == "Mon 17:30"
    await play(desk, [("Mon 17:30", None, {"first_reply": [("breached", "Mon 17:30")]})])
    assert [lvl for lvl, _, _ in await desk.escalations()] == [0, 1]
    # Level 3 is an hour of business time after 17:30: 30 min tonight, 30 min tomorrow.
    assert await armed(desk) == "Tue 09:30"
    await play(desk, [("Mon 18:00", None, {})])
    assert len(await desk.escalations()) == 2
    await play(desk, [("Tue 09:30", None, {}), ("Tue 09:31", None, {})])
    assert await desk.escalations() == [
        (0, "Mon 17:15", "first_reply"),
        (1, "Mon 17:30", "first_reply"),
        (2, "Tue 09:30", "first_reply"),
    ]
    async with desk.rt.stores() as store:
        ticket = (
            await store.execute(
                select(ticket_t.c.assignee_id, ticket_t.c.priority).where(
                    ticket_t.c.id == desk.ticket
                )
            )
        ).one()
    assert (ticket.assignee_id, ticket.priority) == (desk.sue, "high")
    assert await desk.feed(desk.alice) == [("escalation", "first_reply"), ("breach", "first_reply")]
    assert await desk.feed(desk.sue) == [("escalation", "first_reply")] * 2
    assert await _emails(desk) == ["sue@help.test", "sue@help.test"]
    # The ladder is done; only the resolution clock (no ladder for it) still has a due time.
    assert await armed(desk) == "Tue 15:30"


async def test_acknowledging_an_escalation_stops_the_ladder(desk: Desk) -> None:
    await _escalation_setup(desk)
    await play(desk, [("Mon 16:30", lambda d: d.open(category="hardware"), {})])
    await play(desk, [("Mon 17:30", None, {"first_reply": [("breached", "Mon 17:30")]})])
    async with desk.rt.stores() as store:
        ids = list(
            (
                await store.execute(select(escalation_t.c.id).order_by(escalation_t.c.level))
            ).scalars()
        )
        assert len(ids) == 2  # both due levels fired, once each, in order
        sue = Principal(desk.sue, Role.SUPERVISOR, frozenset({desk.team}))
        await admin.acknowledge(store, ids[1], sue)
    await play(desk, [("Tue 09:30", None, {}), ("Wed 12:00", None, {})])
    assert [lvl for lvl, _, _ in await desk.escalations()] == [0, 1]
    assert await armed(desk) is None


async def test_a_late_timer_fires_every_due_level_once_in_order(desk: Desk) -> None:
    await _escalation_setup(desk)
    await play(desk, [("Mon 16:30", lambda d: d.open(category="printers"), {})])
    await play(desk, [("Wed 10:00", None, {})])  # every timer was lost until Wednesday
    await play(desk, [("Wed 10:00", None, {})])
    assert [lvl for lvl, _, _ in await desk.escalations()] == [0, 1, 2]
    assert await _emails(desk) == ["sue@help.test", "sue@help.test"]


async def test_reconciliation_pass_handles_clocks_whose_timer_was_lost(desk: Desk) -> None:
    await desk.policy(targets=targets())
    await play(desk, [("Mon 10:00", lambda d: d.open(), {})])
    desk.at("Mon 11:00")
    assert await desk.rt.run_job("sla_reconcile") == 1
    assert (await desk.clocks())["first_reply"] == [("breached", "Mon 11:00")]
    assert await desk.rt.run_job("sla_reconcile") == 0  # re-armed into the future

"""Time-based automations on real tickets, driven by the injected clock: "pending for 3 days:
reply and solve", "unassigned for 30 minutes: notify the team", in opening hours or not; each
fires once per ticket per episode, across restarts and two concurrent workers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import audit_t, message_t, notification_t
from helpdesk.worker import assemble, start
from routing.automations import Automation, elapsed
from routing.handlers import AUTOMATIONS_JOB
from tests.core.factory import email_in
from tests.core.senders import RecordingSender
from tests.fixtures_db import scheduler_of
from tests.routing.desk import Desk, make_desk

DAY = 24 * 60
STALE_PENDING: dict[str, Any] = {
    "name": "solve stale pending",
    "since": "status_changed",
    "minutes": 3 * DAY,
    "all": [{"field": "ticket.status", "value": "pending"}],
    "actions": [
        {"kind": "send_reply", "text": "{name}, we solved #{number} as we heard nothing back."},
        {"kind": "set_status", "value": "solved"},
    ],
}
UNASSIGNED: dict[str, Any] = {
    "name": "unassigned half an hour",
    "since": "created",
    "minutes": 30,
    "all": [
        {"field": "ticket.assignee", "value": None},
        {"field": "ticket.team", "op": "is_not", "value": None},
    ],
    "actions": [{"kind": "notify", "value": ["team"], "text": "#{number} waits for someone"}],
}


async def _open(rt: Runtime, **fields: Any) -> int:
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(**fields))
    assert result.ticket_id is not None
    return result.ticket_id


async def _pending(desk: Desk, ticket_id: int) -> None:
    async with desk.rt.stores() as store:
        await services.reply(
            store,
            ticket_id,
            Actor.user(desk.users["tom"]),
            "Could you send the receipt?",
            status=Status.PENDING,
        )


async def _firings(rt: Runtime, ticket_id: int) -> list[str]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(audit_t.c.data)
            .where(audit_t.c.ticket_id == ticket_id, audit_t.c.kind == "rule_fired")
            .order_by(audit_t.c.id)
        )
        return [d["reason"] for (d,) in rows if str(d["rule"]).startswith("automation:")]


async def test_pending_for_three_days_is_answered_and_solved_once_per_episode(
    desk: Desk, clock: FixedClock
) -> None:
    sender = RecordingSender()
    desk.rt.use_sender("email", sender)
    await desk.configure(automations=[STALE_PENDING])
    ticket_id = await _open(desk.rt, name="Deniz", text="my card was charged twice")
    await _pending(desk, ticket_id)
    clock.advance(days=2, hours=23)
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 0
    clock.advance(hours=1)
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 1
    await scheduler_of(desk.rt).drain()
    ticket = await desk.ticket(ticket_id)
    assert ticket["status"] == "solved"
    number = ticket["number"]
    assert sender.sent[-1].text == f"Deniz, we solved #{number} as we heard nothing back."
    assert await _firings(desk.rt, ticket_id) == [
        f"automation 'solve stale pending' fired: in its status for {3 * DAY} minutes"
    ]
    assert "status solved by automation 'solve stale pending'" in await desk.reasons(ticket_id)
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 0

    # The ticket is reopened and goes pending again: a new episode.
    clock.advance(hours=1)
    async with desk.rt.stores() as store:
        await services.update_ticket(
            store, ticket_id, Actor.user(desk.users["tom"]), TicketChanges(status=Status.OPEN)
        )
    assert (await desk.ticket(ticket_id))["status"] == "open"
    await _pending(desk, ticket_id)
    clock.advance(days=3)
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 1
    assert len(await _firings(desk.rt, ticket_id)) == 2
    async with desk.rt.stores() as store:
        bot = await store.execute(
            select(message_t.c.delivery_state).where(
                message_t.c.ticket_id == ticket_id, message_t.c.author_kind == "bot"
            )
        )
        assert len(bot.all()) == 2


async def test_unassigned_for_half_an_hour_notifies_the_team(desk: Desk, clock: FixedClock) -> None:
    await desk.configure(automations=[UNASSIGNED])
    waiting = await _open(desk.rt, text="refund please", category="refunds")
    taken = await _open(desk.rt, sender="b@example.com", text="refund too", category="refunds")
    async with desk.rt.stores() as store:
        await services.update_ticket(
            store,
            taken,
            Actor.user(desk.users["ayse"]),
            TicketChanges(assignee_id=desk.users["ayse"]),
        )
    clock.advance(minutes=29)
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 0
    clock.advance(minutes=1)
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 1
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 0
    async with desk.rt.stores() as store:
        rows = await store.execute(
            select(notification_t.c.user_id, notification_t.c.ticket_id, notification_t.c.text)
        )
        feed = sorted((r.user_id, r.ticket_id) for r in rows)
        texts = {r.text for r in await store.execute(select(notification_t.c.text))}
    assert feed == sorted((desk.users[n], waiting) for n in ("ayse", "mehmet"))
    number = (await desk.ticket(waiting))["number"]
    assert texts == {f"#{number} waits for someone"}


async def test_business_hours_count_only_opening_hours(desk: Desk, clock: FixedClock) -> None:
    rule = {**STALE_PENDING, "minutes": 60, "business_hours": True}
    await desk.configure(automations=[rule], timezone="Europe/Istanbul")
    clock.set(datetime(2026, 11, 27, 14, 30, tzinfo=UTC))  # Friday 17:30 in Istanbul
    ticket_id = await _open(desk.rt, text="charged twice", received_at=clock.now())
    await _pending(desk, ticket_id)
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # Saturday: 30 open minutes so far
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 0
    clock.set(datetime(2026, 11, 30, 6, 29, tzinfo=UTC))  # Monday 09:29
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 0
    clock.set(datetime(2026, 11, 30, 6, 30, tzinfo=UTC))  # Monday 09:30: one open hour
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 1


async def test_a_restarted_worker_does_not_fire_again(desk: Desk, clock: FixedClock) -> None:
    """Notifying leaves the condition true: only the remembered episode stops a second firing."""
    await desk.configure(automations=[UNASSIGNED])
    ticket_id = await _open(desk.rt, text="refund please", category="refunds")
    clock.advance(minutes=45)
    assert await desk.rt.run_job(AUTOMATIONS_JOB) == 1
    restarted = assemble(desk.rt.settings, clock=clock)
    await start(restarted, periodic=False)
    try:
        clock.advance(days=1)
        assert await restarted.run_job(AUTOMATIONS_JOB) == 0
    finally:
        await restarted.close()
    assert len(await _firings(desk.rt, ticket_id)) == 1


@pytest.mark.postgres
async def test_two_concurrent_workers_fire_each_episode_once(
    two_runtimes: tuple[Runtime, Runtime], clock: FixedClock
) -> None:
    one, two = two_runtimes
    desk = await make_desk(one, clock)
    await desk.configure(automations=[UNASSIGNED])
    tickets = [
        await _open(one, sender=f"c{n}@example.com", text=f"refund {n}", category="refunds")
        for n in range(6)
    ]
    clock.advance(minutes=31)
    fired = await asyncio.gather(*(rt.run_job(AUTOMATIONS_JOB) for rt in (one, two, one, two)))
    assert sum(fired) == len(tickets)
    for ticket_id in tickets:
        assert len(await _firings(one, ticket_id)) == 1
    async with one.stores() as store:
        count = len((await store.execute(select(notification_t.c.id))).all())
    assert count == 2 * len(tickets)  # Ayşe and Mehmet, once per ticket


def test_elapsed_in_opening_hours() -> None:
    hours = {str(d): [("09:00", "18:00")] for d in range(5)}
    friday_5pm = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    monday_10am = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert elapsed(friday_5pm, monday_10am, tz="UTC", hours=hours) == timedelta(hours=2)
    assert elapsed(friday_5pm, monday_10am, tz="UTC", hours=None) == timedelta(days=2, hours=17)
    assert elapsed(monday_10am, friday_5pm, tz="UTC", hours=hours) == timedelta(0)


def test_an_automation_needs_a_threshold_and_an_action() -> None:
    with pytest.raises(ValueError, match="minutes"):
        Automation.model_validate({"name": "x", "minutes": 0, "actions": STALE_PENDING["actions"]})
    with pytest.raises(ValueError, match="actions"):
        Automation.model_validate({"name": "x", "minutes": 5, "actions": []})

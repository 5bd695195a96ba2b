"""The reports' roll-up of decided clocks equals counting the clocks themselves, after a history
played through the real services: met and breached clocks, a reopen that un-decides a
resolution clock, a ticket moved to another team and assignee, and a policy and calendar
change that recompute open tickets; before and after the fold, on both databases."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from helpdesk import services
from helpdesk.domain import Principal, Role, Status
from helpdesk.tables import ticket_t
from sla import admin, reads, rollup
from sla import reports as sla_reports
from sla.schemas import CalendarIn, PolicyIn
from sla.tables import clock_t, rollup_delta_t, rollup_t
from tests.sla.desk import OFFICE, Desk, H
from tests.sla.test_scenarios import targets
from tests.support.pg_locks import waits_for_a_lock

DECIDED = ("fulfilled", "breached", "breached_fulfilled")
Key = tuple[Any, ...]


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else (at if at.tzinfo else at.replace(tzinfo=UTC))


async def _clocks(desk: Desk) -> list[dict[str, Any]]:
    """Every clock with its ticket's current team, category, assignee and channel."""
    await desk.settle()
    async with desk.rt.stores.read() as store:
        rows = await store.execute(
            select(
                clock_t,
                ticket_t.c.team_id,
                ticket_t.c.category_id,
                ticket_t.c.assignee_id,
                ticket_t.c.channel,
            ).join(ticket_t, ticket_t.c.id == clock_t.c.ticket_id)
        )
        return [dict(row) for row in rows.mappings()]


def _decided_at(clock: dict[str, Any]) -> datetime | None:
    return _utc(clock["fulfilled_at"] if clock["state"] == "fulfilled" else clock["breached_at"])


def _expected(clocks: list[dict[str, Any]]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for c in clocks:
        if c["state"] not in DECIDED:
            continue
        attrs = (c["metric"], c["team_id"] or 0, c["category_id"] or 0, c["assignee_id"] or 0,
                 c["channel"])  # fmt: skip
        met = int(c["state"] == "fulfilled")
        decided = _decided_at(c)
        activated = _utc(c["activated_at"])
        assert activated is not None
        for basis, at in (("activated", activated), ("decided", decided)):
            if at is not None:
                counts[(basis, rollup.floor_quarter(at), *attrs, "total")] += 1
                counts[(basis, rollup.floor_quarter(at), *attrs, "met")] += met
    return +counts


async def _stored(desk: Desk) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    attrs = ("metric", "team_id", "category_id", "assignee_id", "channel")
    async with desk.rt.stores.read() as store:
        for row in (await store.execute(select(rollup_t))).mappings():
            key = (row["basis"], _utc(row["bucket"]), *(row[a] for a in attrs))
            counts[(*key, "total")] += row["total"]
            counts[(*key, "met")] += row["met"]
        for row in (await store.execute(select(rollup_delta_t))).mappings():
            for basis in ("activated", "decided"):
                bucket = _utc(row[f"{basis}_bucket"])
                if bucket is not None:
                    key = (basis, bucket, *(row[a] for a in attrs))
                    counts[(*key, "total")] += row["total"]
                    counts[(*key, "met")] += row["met"]
    return +counts


def _achievement(clocks: list[dict[str, Any]], start: datetime, end: datetime, by: str,
                 who: Principal) -> list[dict[str, Any]]:  # fmt: skip
    column = {"team": "team_id", "category": "category_id", "agent": "assignee_id",
              "channel": "channel"}[by]  # fmt: skip
    counts: dict[tuple[str, Any], list[int]] = {}
    for c in clocks:
        activated = _utc(c["activated_at"])
        assert activated is not None
        if c["state"] not in DECIDED or not start <= activated < end or not _sees(who, c):
            continue
        entry = counts.setdefault((c["metric"], c[column]), [0, 0])
        entry[0] += 1
        entry[1] += int(c["state"] == "fulfilled")
    return [
        {"metric": metric, by: group, "total": total, "met": met, "breached": total - met,
         "achieved": round(met / total, 4)}
        for (metric, group), (total, met) in counts.items()
    ]  # fmt: skip


def _trend(clocks: list[dict[str, Any]], start: datetime, end: datetime, tz: str,
           who: Principal) -> list[dict[str, Any]]:  # fmt: skip
    counts: dict[tuple[str, str], list[int]] = {}
    for c in clocks:
        at = _decided_at(c)
        if c["state"] not in DECIDED or at is None or not start <= at < end or not _sees(who, c):
            continue
        day = rollup.floor_quarter(at).astimezone(ZoneInfo(tz)).date().isoformat()
        entry = counts.setdefault((day, c["metric"]), [0, 0])
        entry[0] += 1
        entry[1] += int(c["state"] == "fulfilled")
    return [
        {"day": day, "metric": metric, "total": total, "met": met,
         "achieved": round(met / total, 4)}
        for (day, metric), (total, met) in sorted(counts.items())
    ]  # fmt: skip


def _sees(who: Principal, clock: dict[str, Any]) -> bool:
    return (
        who.sees_everything
        or clock["team_id"] is None
        or clock["team_id"] in who.team_ids
        or clock["assignee_id"] == who.user_id
    )


def _key(row: dict[str, Any]) -> str:
    return repr(sorted(row.items()))


async def _check(desk: Desk, billing: int) -> None:
    """Stored roll-up plus deltas equal the clocks; every report equals the clocks too, over
    whole quarter hours and over a period with partial ones at both ends, for a supervisor
    and for an agent of one team."""
    clocks = await _clocks(desk)
    assert await _stored(desk) == _expected(clocks)
    start = desk.week.at("Mon 00:00")
    ragged = (desk.week.at("Mon 10:07"), desk.week.at("Tue 11:52") + timedelta(seconds=1))
    periods = [(start, start + timedelta(days=14)), ragged]
    people = [Principal(desk.sue, Role.SUPERVISOR, frozenset()),
              Principal(desk.alice, Role.AGENT, frozenset({billing}))]  # fmt: skip
    async with desk.rt.stores.read() as store:
        for a, b in periods:
            for who in people:
                for by in reads.GROUPS:
                    got = await reads.achievement(store, who, start=a, end=b, group_by=by)
                    want = _achievement(clocks, a, b, by, who)
                    assert sorted(map(_key, got)) == sorted(map(_key, want)), (by, a, b)
                trend = await sla_reports.achievement_trend(
                    store, who, start=a, end=b, tz="Europe/Istanbul"
                )
                assert trend == _trend(clocks, a, b, "Europe/Istanbul", who)


async def test_the_rollup_follows_decisions_reopens_moves_and_recomputation(desk: Desk) -> None:
    policy = await desk.policy(name="Standard", targets=targets())
    async with desk.rt.stores() as store:
        billing = await services.create_team(store, "Billing")

    desk.at("Mon 10:00")
    first = await desk.open()
    first_message = desk.first_message
    desk.at("Mon 10:05")
    second = await desk.open(category="printers")
    desk.at("Mon 10:20")
    desk.ticket = first
    await desk.reply()  # first reply met
    desk.at("Mon 11:08")
    desk.ticket = second
    await desk.wake()  # first reply breached
    await _check(desk, billing)

    desk.at("Mon 11:10")
    await desk.reply()  # breached, then fulfilled
    desk.ticket = first
    desk.at("Mon 11:30")
    await desk.reply(status=Status.SOLVED)  # resolution met
    await _check(desk, billing)

    desk.at("Mon 13:14")
    desk.first_message = first_message
    await desk.customer()  # reopens: the resolution clock is no longer decided
    desk.ticket = second
    await desk.change(team_id=billing, assignee_id=None)  # takes its figures along
    assert {c["state"] for c in await _clocks(desk) if c["ticket_id"] == first} == {
        "fulfilled",
        "active",
    }
    await _check(desk, billing)

    async with desk.rt.stores() as store:  # folded, nothing changes in the figures
        while await rollup.fold(store):
            pass
    await _check(desk, billing)

    desk.at("Tue 09:40")
    async with desk.rt.stores() as store:  # tighter targets: open tickets are recomputed
        data = {"name": "Standard", "calendar_id": desk.calendar,
                "targets": targets(first=H // 2, resolution=2 * H)}  # fmt: skip
        await admin.save_policy(store, PolicyIn.model_validate(data), policy)
    desk.at("Tue 11:45")
    for ticket in (first, second):
        desk.ticket = ticket
        await desk.wake()
    await _check(desk, billing)

    async with desk.rt.stores() as store:  # longer hours move due times and breaches
        weekly = {**OFFICE, "1": [("07:00", "20:00")]}
        data = {"name": "Istanbul office", "tz": "Europe/Istanbul", "weekly": weekly,
                "holiday_country": "TR"}  # fmt: skip
        await admin.save_calendar(store, CalendarIn.model_validate(data), desk.calendar)
    desk.at("Tue 11:50")
    desk.ticket = first
    await desk.reply(status=Status.SOLVED)
    await desk.change(assignee_id=None)
    await _check(desk, billing)

    async with desk.rt.stores() as store:
        while await rollup.fold(store):
            pass
        assert (await store.execute(select(rollup_delta_t))).first() is None
    await _check(desk, billing)

    async with desk.rt.stores() as store:  # rows removed by hand come off the figures too
        await store.execute(clock_t.delete().where(clock_t.c.ticket_id == second))
    await _check(desk, billing)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_clock_decided_while_its_ticket_is_moved_is_counted_where_the_ticket_went(
    desk: Desk,
) -> None:
    """PostgreSQL runs a request and an evaluation at once (SQLite one writer at a time): a
    breach decided while another transaction moves the ticket to Sue waits for that move and
    is counted under Sue, not under Alice."""
    await desk.policy(targets=targets(first=H, resolution=8 * H))
    desk.at("Mon 10:00")
    ticket = await desk.open()
    await desk.change(assignee_id=desk.alice)
    await desk.settle()
    engine = desk.rt.db.engine
    async with engine.connect() as mover, engine.connect() as watcher:
        await mover.begin()
        await mover.execute(
            update(ticket_t).where(ticket_t.c.id == ticket).values(assignee_id=desk.sue)
        )
        desk.at("Mon 11:08")
        wake = asyncio.create_task(desk.wake())  # decides the first reply: breached
        # Polled: nothing outside PostgreSQL tells that a statement is waiting for a lock.
        while not wake.done() and not await waits_for_a_lock(watcher):
            await asyncio.sleep(0.01)
        await mover.commit()
        await wake
    clocks = await _clocks(desk)
    breached = [c for c in clocks if c["metric"] == "first_reply" and c["state"] == "breached"]
    assert len(breached) == 1  # the wake-up did decide a clock while the move was open
    assert await _stored(desk) == _expected(clocks)

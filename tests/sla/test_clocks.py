"""Clock scenarios as tables: Istanbul office hours (Mon-Fri 09:00-18:00, UTC+3, TR holidays).

Each row is (local time, fact or None, expected instances per metric as (state, local due)).
The week is Mon 1 - Sun 7 June 2026, which has no Turkish holiday.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import pytest

from helpdesk.domain import AuthorKind, Status
from sla.calendar import BusinessCalendar
from sla.clocks import (
    AgentReply,
    ClockEvent,
    ClockEventKind,
    ClockState,
    Created,
    CustomerMessage,
    Metric,
    MetricTarget,
    StatusChanged,
    TargetChanged,
    TicketFact,
    evaluate,
    next_wakeup,
)
from sla.holiday_presets import country_holidays
from tests.sla.clock_tables import Make, Row, Week, run_table

ISTANBUL = BusinessCalendar(
    "Europe/Istanbul",
    {d: [(time(9), time(18))] for d in range(5)},
    country_holidays("TR", [2025, 2026]),
)
WEEK = Week(date(2026, 6, 1), "Europe/Istanbul")
H = timedelta(hours=1)

ACTIVE, PAUSED, BREACHED = ClockState.ACTIVE, ClockState.PAUSED, ClockState.BREACHED
FULFILLED, LATE = ClockState.FULFILLED, ClockState.BREACHED_FULFILLED
FIRST, NEXT, PERIODIC, RESOLUTION = (
    Metric.FIRST_REPLY,
    Metric.NEXT_REPLY,
    Metric.PERIODIC_UPDATE,
    Metric.RESOLUTION,
)


def created(status: Status = Status.NEW, by: AuthorKind = AuthorKind.CUSTOMER) -> Make:
    return lambda at: Created(at, status, by)


def moved(old: Status, new: Status) -> Make:
    return lambda at: StatusChanged(at, old, new)


def customer() -> Make:
    return lambda at: CustomerMessage(at)


def reply(public: bool = True, by: AuthorKind = AuthorKind.AGENT) -> Make:
    return lambda at: AgentReply(at, public, by)


def retarget(*targets: MetricTarget) -> Make:
    return lambda at: TargetChanged(at, targets)


def kinds(events: Sequence[ClockEvent]) -> list[str]:
    return [str(e.kind) for e in events]


def test_resolution_pauses_in_pending_and_resumes_with_time_left() -> None:
    rows: list[Row] = [
        ("Mon 10:00", created(), {RESOLUTION: [(ACTIVE, "Mon 18:00")]}),  # 8h: 10-18
        ("Mon 12:00", moved(Status.NEW, Status.OPEN), {RESOLUTION: [(ACTIVE, "Mon 18:00")]}),
        # 3h spent (10-13), 5h left, no due while we wait on the customer.
        ("Mon 13:00", moved(Status.OPEN, Status.PENDING), {RESOLUTION: [(PAUSED, None)]}),
        ("Tue 09:30", None, {RESOLUTION: [(PAUSED, None)]}),
        # Resumed Tue 10:00 with 5h left: Tue 15:00.
        ("Tue 10:00", moved(Status.PENDING, Status.OPEN), {RESOLUTION: [(ACTIVE, "Tue 15:00")]}),
        ("Tue 14:59", None, {RESOLUTION: [(ACTIVE, "Tue 15:00")]}),
        ("Tue 15:00", None, {RESOLUTION: [(BREACHED, "Tue 15:00")]}),
        ("Tue 16:00", moved(Status.OPEN, Status.SOLVED), {RESOLUTION: [(LATE, "Tue 15:00")]}),
    ]
    result = run_table(WEEK, ISTANBUL, [MetricTarget(RESOLUTION, 8 * H)], rows)
    (clock,) = result[RESOLUTION]
    assert kinds(clock.events) == [
        "activated", "paused", "resumed", "warned", "breached", "fulfilled"
    ]  # fmt: skip
    # 6h of 8h (0.75) is reached Tue 13:00: 3h on Monday, 3h from Tue 10:00.
    assert WEEK.show(clock.warn_at) == "Tue 13:00"
    assert clock.elapsed == 9 * H
    assert clock.left == -H
    paused = clock.events[1]
    assert (WEEK.show(paused.at), paused.business_time_left, paused.due_at) == (
        "Mon 13:00",
        5 * H,
        None,
    )


def test_next_reply_cycles_and_bumps_do_not_move_the_deadline() -> None:
    rows: list[Row] = [
        ("Mon 09:30", created(), {FIRST: [(ACTIVE, "Mon 10:30")], NEXT: []}),
        # A bump before the first reply is covered by first_reply: no next_reply cycle.
        ("Mon 09:45", customer(), {FIRST: [(ACTIVE, "Mon 10:30")], NEXT: []}),
        ("Mon 10:00", reply(), {FIRST: [(FULFILLED, "Mon 10:30")], NEXT: []}),
        ("Mon 11:00", customer(), {NEXT: [(ACTIVE, "Mon 13:00")]}),
        ("Mon 12:00", customer(), {NEXT: [(ACTIVE, "Mon 13:00")]}),  # bump
        ("Mon 12:30", reply(public=False), {NEXT: [(ACTIVE, "Mon 13:00")]}),  # internal note
        ("Mon 12:40", reply(by=AuthorKind.BOT), {NEXT: [(ACTIVE, "Mon 13:00")]}),
        ("Mon 12:50", reply(), {NEXT: [(FULFILLED, "Mon 13:00")]}),
        # Second cycle: 1h Monday 17-18, 1h Tuesday 09-10.
        ("Mon 17:00", customer(), {NEXT: [(FULFILLED, "Mon 13:00"), (ACTIVE, "Tue 10:00")]}),
        ("Tue 09:59", customer(), {NEXT: [(FULFILLED, "Mon 13:00"), (ACTIVE, "Tue 10:00")]}),
        ("Tue 10:30", None, {NEXT: [(FULFILLED, "Mon 13:00"), (BREACHED, "Tue 10:00")]}),
        ("Tue 11:00", reply(), {NEXT: [(FULFILLED, "Mon 13:00"), (LATE, "Tue 10:00")]}),
    ]
    targets = [MetricTarget(FIRST, H), MetricTarget(NEXT, 2 * H)]
    result = run_table(WEEK, ISTANBUL, targets, rows)
    late = result[NEXT][1]
    assert (late.cycle, WEEK.show(late.breached_at), WEEK.show(late.fulfilled_at)) == (
        1,
        "Tue 10:00",
        "Tue 11:00",
    )


def test_bot_replies_fulfil_when_the_policy_says_so() -> None:
    rows: list[Row] = [
        ("Mon 09:00", created(), {FIRST: [(ACTIVE, "Mon 10:00")], NEXT: []}),
        ("Mon 09:05", reply(by=AuthorKind.BOT), {FIRST: [(FULFILLED, "Mon 10:00")]}),
        # The human-only next_reply target starts with the following customer message.
        ("Mon 09:10", customer(), {NEXT: [(ACTIVE, "Mon 11:10")]}),
        ("Mon 09:15", reply(by=AuthorKind.BOT), {NEXT: [(ACTIVE, "Mon 11:10")]}),
    ]
    targets = [MetricTarget(FIRST, H, bots_fulfil=True), MetricTarget(NEXT, 2 * H)]
    run_table(WEEK, ISTANBUL, targets, rows)


def test_reopen_resumes_the_same_resolution_instance() -> None:
    rows: list[Row] = [
        ("Mon 09:00", created(), {RESOLUTION: [(ACTIVE, "Mon 13:00")]}),
        ("Mon 10:00", moved(Status.NEW, Status.SOLVED), {RESOLUTION: [(FULFILLED, "Mon 13:00")]}),
        ("Mon 14:00", customer(), {RESOLUTION: [(FULFILLED, "Mon 13:00")]}),
        # 1h already spent, 3h left from 14:00: 17:00, on the same instance.
        ("Mon 14:00", moved(Status.SOLVED, Status.OPEN), {RESOLUTION: [(ACTIVE, "Mon 17:00")]}),
        # Warned at 16:00 (3h of 4h), solved half an hour later.
        ("Mon 16:30", moved(Status.OPEN, Status.SOLVED), {RESOLUTION: [(FULFILLED, "Mon 17:00")]}),
    ]
    result = run_table(WEEK, ISTANBUL, [MetricTarget(RESOLUTION, 4 * H)], rows)
    (clock,) = result[RESOLUTION]
    assert kinds(clock.events) == ["activated", "fulfilled", "resumed", "warned", "fulfilled"]
    assert clock.elapsed == 3.5 * H


def test_priority_change_recomputes_from_elapsed_business_time() -> None:
    normal = MetricTarget(RESOLUTION, 16 * H)
    urgent = MetricTarget(RESOLUTION, 4 * H)
    critical = MetricTarget(RESOLUTION, H)
    rows: list[Row] = [
        ("Mon 09:00", created(), {RESOLUTION: [(ACTIVE, "Tue 16:00")]}),  # 9h Mon + 7h Tue
        # 2h spent, 2h left of the urgent 4h.
        ("Mon 11:00", retarget(urgent), {RESOLUTION: [(ACTIVE, "Mon 13:00")]}),
        # 3h spent against 1h: it was due at 10:00, discovered now.
        ("Mon 12:00", retarget(critical), {RESOLUTION: [(BREACHED, "Mon 10:00")]}),
        # A kinder target later moves due_at, but the breach stays on the record.
        ("Mon 12:30", retarget(normal), {RESOLUTION: [(BREACHED, "Tue 16:00")]}),
    ]
    result = run_table(WEEK, ISTANBUL, [normal], rows)
    (clock,) = result[RESOLUTION]
    assert WEEK.show(clock.breached_at) == "Mon 12:00"
    recomputed = [e for e in clock.events if e.kind is ClockEventKind.RECOMPUTED]
    assert [(WEEK.show(e.due_at), e.business_time_left) for e in recomputed] == [
        ("Mon 13:00", 2 * H),
        ("Mon 10:00", -2 * H),
        ("Tue 16:00", 12.5 * H),
    ]


def test_switching_to_calendar_time_keeps_business_time_already_counted() -> None:
    business = MetricTarget(FIRST, 4 * H)
    calendar_time = MetricTarget(FIRST, 4 * H, business_hours=False)
    rows: list[Row] = [
        ("Mon 16:00", created(), {FIRST: [(ACTIVE, "Tue 11:00")]}),
        # 1h business time spent by 17:00; 3h of wall-clock time left: 20:00 the same evening.
        ("Mon 17:00", retarget(calendar_time), {FIRST: [(ACTIVE, "Mon 20:00")]}),
        ("Mon 21:00", None, {FIRST: [(BREACHED, "Mon 20:00")]}),
    ]
    run_table(WEEK, ISTANBUL, [business], rows)


def test_removed_and_added_targets() -> None:
    rows: list[Row] = [
        ("Mon 09:00", created(), {FIRST: [(ACTIVE, "Mon 10:00")], RESOLUTION: []}),
        # The new policy has no first_reply: cancelled; resolution starts now, not at creation.
        (
            "Mon 09:30",
            retarget(MetricTarget(RESOLUTION, 2 * H)),
            {FIRST: [(ClockState.CANCELLED, "Mon 10:00")], RESOLUTION: [(ACTIVE, "Mon 11:30")]},
        ),
        ("Mon 12:00", None, {FIRST: [(ClockState.CANCELLED, "Mon 10:00")]}),
    ]
    run_table(WEEK, ISTANBUL, [MetricTarget(FIRST, H)], rows)


def test_periodic_updates_run_between_public_agent_updates() -> None:
    rows: list[Row] = [
        ("Mon 09:00", created(), {PERIODIC: []}),
        ("Mon 09:30", moved(Status.NEW, Status.OPEN), {PERIODIC: []}),
        ("Mon 10:00", reply(), {PERIODIC: [(ACTIVE, "Mon 12:00")]}),
        ("Mon 11:00", moved(Status.OPEN, Status.PENDING), {PERIODIC: [(PAUSED, None)]}),
        ("Tue 09:00", moved(Status.PENDING, Status.OPEN), {PERIODIC: [(ACTIVE, "Tue 10:00")]}),
        (
            "Tue 09:30",
            reply(),
            {PERIODIC: [(FULFILLED, "Tue 10:00"), (ACTIVE, "Tue 11:30")]},
        ),
        (
            "Tue 10:00",
            moved(Status.OPEN, Status.SOLVED),
            {PERIODIC: [(FULFILLED, "Tue 10:00"), (FULFILLED, "Tue 11:30")]},
        ),
    ]
    run_table(WEEK, ISTANBUL, [MetricTarget(PERIODIC, 2 * H)], rows)


def test_friday_evening_ticket_before_a_turkish_holiday() -> None:
    # Fri 16 May 2025 19:30 Istanbul: closed. Sat/Sun closed, Mon 19 May is Commemoration of
    # Atatürk, Youth and Sports Day. Counting starts Tue 20 May 09:00 (06:00 UTC):
    #   first reply 4h  -> Tue 13:00 local = 10:00 UTC (warning at 3h: Tue 12:00 = 09:00 UTC)
    #   resolution 24h  -> Tue 9h + Wed 9h + Thu 6h -> Thu 22 May 15:00 local = 12:00 UTC
    friday = datetime(2025, 5, 16, 16, 30, tzinfo=UTC)
    targets = [MetricTarget(FIRST, 4 * H), MetricTarget(RESOLUTION, 24 * H)]
    now = friday + timedelta(minutes=30)
    clocks = evaluate(targets, [Created(friday)], ISTANBUL, now)
    (first,) = clocks[FIRST]
    (resolution,) = clocks[RESOLUTION]
    assert first.due_at == datetime(2025, 5, 20, 10, 0, tzinfo=UTC)
    assert first.warn_at == datetime(2025, 5, 20, 9, 0, tzinfo=UTC)
    assert resolution.due_at == datetime(2025, 5, 22, 12, 0, tzinfo=UTC)
    assert (first.elapsed, first.left) == (timedelta(0), 4 * H)
    assert next_wakeup(clocks, now) == datetime(2025, 5, 20, 9, 0, tzinfo=UTC)


def test_next_wakeup_is_the_earliest_pending_warning_or_breach() -> None:
    start = WEEK.at("Mon 09:00")
    targets = [MetricTarget(FIRST, 4 * H, warn_fraction=None), MetricTarget(RESOLUTION, 2 * H)]
    facts = [Created(start)]
    cases = [
        ("Mon 09:00", "Mon 10:30"),  # resolution warns at 1.5h
        ("Mon 10:30", "Mon 11:00"),  # warned (at exactly now): resolution breach next
        ("Mon 11:00", "Mon 13:00"),  # breached: first reply due is what is left
        ("Mon 13:00", None),
    ]
    for now_text, expected in cases:
        now = WEEK.at(now_text)
        assert WEEK.show(next_wakeup(evaluate(targets, facts, ISTANBUL, now), now)) == expected


def test_paused_and_stopped_clocks_need_no_wakeup() -> None:
    start = WEEK.at("Mon 09:00")
    targets = [MetricTarget(RESOLUTION, 2 * H)]
    pending: list[TicketFact] = [
        Created(start),
        StatusChanged(start + H, Status.NEW, Status.PENDING),
    ]
    solved: list[TicketFact] = [Created(start), StatusChanged(start + H, Status.NEW, Status.SOLVED)]
    now = start + 2 * H
    assert next_wakeup(evaluate(targets, pending, ISTANBUL, now), now) is None
    assert next_wakeup(evaluate(targets, solved, ISTANBUL, now), now) is None


def test_facts_after_now_are_not_yet_known() -> None:
    start = WEEK.at("Mon 09:00")
    facts: list[TicketFact] = [Created(start), AgentReply(start + 2 * H)]
    clocks = evaluate([MetricTarget(FIRST, H)], facts, ISTANBUL, start + 90 * timedelta(minutes=1))
    assert [c.state for c in clocks[FIRST]] == [BREACHED]


def test_agent_created_ticket_has_no_first_reply_clock() -> None:
    start = WEEK.at("Mon 09:00")
    clocks = evaluate(
        [MetricTarget(FIRST, H), MetricTarget(RESOLUTION, H)],
        [Created(start, Status.OPEN, AuthorKind.AGENT)],
        ISTANBUL,
        start,
    )
    assert (clocks[FIRST], [c.state for c in clocks[RESOLUTION]]) == ([], [ACTIVE])


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ([CustomerMessage(WEEK.at("Mon 09:00"))], "first fact must be Created"),
        ([Created(WEEK.at("Mon 10:00")), CustomerMessage(WEEK.at("Mon 09:00"))], "chronological"),
        ([Created(datetime(2026, 6, 1, 9))], "aware"),
        ([Created(WEEK.at("Mon 09:00")), Created(WEEK.at("Mon 09:00"))], "only once"),
    ],
)
def test_inconsistent_histories_are_refused(facts: list[TicketFact], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate([], facts, ISTANBUL, WEEK.at("Tue 09:00"))


def test_target_validation() -> None:
    with pytest.raises(ValueError, match="negative"):
        MetricTarget(FIRST, -H)
    with pytest.raises(ValueError, match="warn_fraction"):
        MetricTarget(FIRST, H, warn_fraction=1.5)
    with pytest.raises(ValueError, match="two targets"):
        evaluate([MetricTarget(FIRST, H)] * 2, [], ISTANBUL, WEEK.at("Mon 09:00"))
    with pytest.raises(ValueError, match="CustomerMessage"):
        AgentReply(WEEK.at("Mon 09:00"), author_kind=AuthorKind.CUSTOMER)

"""Invariants of the clock engine over random ticket histories."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.domain import AuthorKind, Status
from sla.calendar import BusinessCalendar
from sla.clocks import (
    AgentReply,
    ClockInstance,
    Created,
    CustomerMessage,
    Metric,
    MetricTarget,
    StatusChanged,
    TicketFact,
    evaluate,
)

CALENDAR = BusinessCalendar(
    "Europe/Berlin", {d: [(time(8), time(12)), (time(13), time(17))] for d in range(5)}
)
START = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)  # a week that contains the spring DST change
TARGETS = [
    MetricTarget(Metric.FIRST_REPLY, timedelta(hours=2)),
    MetricTarget(Metric.NEXT_REPLY, timedelta(hours=3)),
    MetricTarget(Metric.PERIODIC_UPDATE, timedelta(hours=5), business_hours=False),
    MetricTarget(Metric.RESOLUTION, timedelta(hours=20)),
]

steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=24 * 60),
        st.one_of(
            st.just("customer"),
            st.sampled_from([AuthorKind.AGENT, AuthorKind.BOT]).map(lambda k: ("reply", k)),
            st.just("note"),
            st.sampled_from([s for s in Status if s is not Status.CLOSED]),
        ),
    ),
    max_size=25,
)


def build(raw: list[tuple[int, object]]) -> list[TicketFact]:
    at = START
    status = Status.NEW
    facts: list[TicketFact] = [Created(at)]
    for minutes, step in raw:
        at += timedelta(minutes=minutes)
        if step == "customer":
            facts.append(CustomerMessage(at))
        elif step == "note":
            facts.append(AgentReply(at, public=False))
        elif isinstance(step, Status):
            facts.append(StatusChanged(at, status, step))
            status = step
        else:
            assert isinstance(step, tuple)
            facts.append(AgentReply(at, author_kind=step[1]))
    return facts


def everything(clocks: dict[Metric, list[ClockInstance]]) -> list[ClockInstance]:
    return [c for instances in clocks.values() for c in instances]


@settings(max_examples=60, deadline=None)
@given(steps, st.integers(min_value=0, max_value=10 * 24 * 60))
def test_clock_invariants(raw: list[tuple[int, object]], offset: int) -> None:
    facts = build(raw)
    now = START + timedelta(minutes=offset)
    clocks = evaluate(TARGETS, facts, CALENDAR, now)
    for instances in clocks.values():
        assert all(c.stopped for c in instances[:-1])  # only the latest instance may run
    for clock in everything(clocks):
        assert clock.elapsed + clock.left == clock.target
        times = [e.at for e in clock.events]
        assert times == sorted(times)
        assert all(t <= now for t in times)
        if clock.due_at is None:
            continue
        # Without target changes a breach is exactly "the due instant was reached in time".
        if clock.fulfilled_at is not None:
            assert (clock.breached_at is not None) == (clock.fulfilled_at > clock.due_at)
        elif not clock.paused:
            assert (clock.breached_at is not None) == (now >= clock.due_at)


@settings(max_examples=60, deadline=None)
@given(
    steps,
    st.integers(min_value=0, max_value=6 * 24 * 60),
    st.integers(min_value=0, max_value=4 * 24 * 60),
)
def test_event_logs_only_grow_as_time_passes(
    raw: list[tuple[int, object]], earlier: int, later: int
) -> None:
    # What a caller persisted at one evaluation must still hold at any later one.
    facts = build(raw)
    then = START + timedelta(minutes=earlier)
    before = evaluate(TARGETS, facts, CALENDAR, then)
    after = evaluate(TARGETS, facts, CALENDAR, then + timedelta(minutes=later))
    for metric, instances in before.items():
        assert len(after[metric]) >= len(instances)
        for old, new in zip(instances, after[metric], strict=False):
            assert new.events[: len(old.events)] == old.events
            assert new.activated_at == old.activated_at
    assert before == evaluate(TARGETS, [f for f in facts if f.at <= then], CALENDAR, then)

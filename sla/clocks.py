"""The SLA clock engine: ticket facts + targets + calendar + now -> clock instances. Pure.

Semantics (Zendesk-like, decided here so the UI and the timers agree):

* first_reply starts when a customer creates the ticket and is fulfilled by the first public
  reply from an agent (bots only with `bots_fulfil`).
* next_reply has one instance per customer->agent cycle: a customer message starts one when none
  is running; further messages ("bumps") leave its deadline alone; a fulfilling reply ends it.
  Messages while first_reply is still running are covered by first_reply, so they start nothing.
* periodic_update starts at each fulfilling public reply and is fulfilled by the next one: it
  measures the gap between our updates while the ticket is worked on.
* resolution starts at creation and is fulfilled on solve. Reopening (solved -> an open status)
  resumes the same instance with the business time already spent, so a ticket cannot earn a
  fresh resolution target by bouncing through solved.
* Solving or closing fulfils every running instance (a reply owed on a solved ticket is moot).
* Each metric pauses in its target's pause statuses; due_at is None while paused, unless the due
  instant has already passed.
* A breach is recorded once, at the due instant, when `now` (or a later fact) reaches it without
  fulfilment; the instance keeps running and can still be fulfilled (breached_fulfilled). A reply
  at exactly the due instant is on time. Recorded breaches and warnings are permanent: a later,
  more generous target recomputes due_at but does not erase what happened.
* A target change (TargetChanged) recomputes running instances from the business time already
  elapsed ("recomputed"); a metric that disappears cancels its running instance; a metric that
  appears starts counting at the change if its start condition holds then (no time is charged
  retroactively for a period without a target).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from sla._engine import Engine, index_targets
from sla.calendar import BusinessCalendar
from sla.clock_instances import ClockEvent, ClockEventKind, ClockInstance, ClockState
from sla.facts import (
    AgentReply,
    Created,
    CustomerMessage,
    StatusChanged,
    TargetChanged,
    TicketFact,
)
from sla.targets import Metric, MetricTarget

# The facts and targets are re-exported so callers need one import for the whole engine.
__all__ = [
    "AgentReply",
    "ClockEvent",
    "ClockEventKind",
    "ClockInstance",
    "ClockState",
    "Created",
    "CustomerMessage",
    "Metric",
    "MetricTarget",
    "StatusChanged",
    "TargetChanged",
    "TicketFact",
    "evaluate",
    "next_wakeup",
]


def _utc(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {instant!r}")
    return instant.astimezone(UTC)


def evaluate(
    targets: Iterable[MetricTarget],
    facts: Sequence[TicketFact],
    calendar: BusinessCalendar,
    now: datetime,
) -> dict[Metric, list[ClockInstance]]:
    """Replay `facts` (chronological; those after `now` are ignored) against the targets in
    force at creation and return every clock instance per metric as of `now`.

    Every metric is a key, with an empty list when it never ran. Raises ValueError on naive
    times, facts out of order, or a history that does not start with Created.
    """
    now_utc = _utc(now, "now")
    engine = Engine(index_targets(targets), calendar)
    previous: datetime | None = None
    for fact in facts:
        at = _utc(fact.at, "fact time")
        if previous is not None and at < previous:
            raise ValueError(f"facts must be chronological: {fact!r} comes after {previous}")
        previous = at
        if at > now_utc:
            break
        engine.advance(at, inclusive=False)
        engine.apply(fact, at)
    engine.advance(now_utc, inclusive=True)
    return {
        metric: [clock.snapshot(now_utc) for clock in clocks]
        for metric, clocks in engine.clocks.items()
    }


def next_wakeup(clocks: Mapping[Metric, Sequence[ClockInstance]], now: datetime) -> datetime | None:
    """The earliest instant after `now` at which a warning or breach falls due, or None.

    Pass the result of `evaluate(..., now)`; re-evaluate at the returned instant to record it.
    """
    now_utc = _utc(now, "now")
    candidates: list[datetime] = []
    for instances in clocks.values():
        for clock in instances:
            if clock.stopped or clock.paused:
                continue
            if clock.warned_at is None and clock.warn_at is not None:
                candidates.append(clock.warn_at)
            if clock.breached_at is None and clock.due_at is not None:
                candidates.append(clock.due_at)
    return min((c for c in candidates if c > now_utc), default=None)

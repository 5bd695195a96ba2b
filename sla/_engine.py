"""Replays ticket facts into clock instances; `sla.clocks` documents the semantics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from helpdesk.domain import AuthorKind, Status
from sla._segments import ElapsedTime, Segments
from sla.calendar import BusinessCalendar, TimeAxis
from sla.clock_instances import ClockEvent, ClockEventKind, ClockInstance, ClockState
from sla.facts import AgentReply, Created, CustomerMessage, HandedOver, StatusChanged, TicketFact
from sla.targets import Metric, MetricTarget

_ELAPSED = ElapsedTime()
_STOPPING = frozenset({Status.SOLVED, Status.CLOSED})
_REPLY_METRICS = (Metric.FIRST_REPLY, Metric.NEXT_REPLY, Metric.PERIODIC_UPDATE)


class _Clock:
    """The mutable life of one instance while the facts are replayed."""

    def __init__(self, target: MetricTarget, cycle: int, at: datetime) -> None:
        self.target = target
        self.cycle = cycle
        self.activated_at = at
        self.segments = Segments()
        self.events: list[ClockEvent] = []
        self.warned_at: datetime | None = None
        self.breached_at: datetime | None = None
        self.fulfilled_at: datetime | None = None
        self.cancelled_at: datetime | None = None
        self.frozen: tuple[datetime | None, datetime | None] = (None, None)

    @property
    def stopped(self) -> bool:
        return self.fulfilled_at is not None or self.cancelled_at is not None

    def due_at(self) -> datetime | None:
        return self.segments.reach(self.target.target)

    def warn_at(self) -> datetime | None:
        warn_after = self.target.warn_after
        return None if warn_after is None else self.segments.reach(warn_after)

    def log(self, at: datetime, kind: ClockEventKind) -> None:
        left = self.target.target - self.segments.elapsed(at)
        due = self.frozen[0] if self.stopped else self.due_at()
        self.events.append(ClockEvent(at, kind, left, due))

    def snapshot(self, now: datetime) -> ClockInstance:
        elapsed = self.segments.elapsed(now)
        due, warn = self.frozen if self.stopped else (self.due_at(), self.warn_at())
        if self.cancelled_at is not None:
            state = ClockState.CANCELLED
        elif self.fulfilled_at is not None:
            done = self.breached_at is not None
            state = ClockState.BREACHED_FULFILLED if done else ClockState.FULFILLED
        elif self.breached_at is not None:
            state = ClockState.BREACHED
        else:
            state = ClockState.ACTIVE if self.segments.running else ClockState.PAUSED
        return ClockInstance(
            metric=self.target.metric,
            cycle=self.cycle,
            state=state,
            paused=not self.stopped and not self.segments.running,
            target=self.target.target,
            business_hours=self.target.business_hours,
            activated_at=self.activated_at,
            due_at=due,
            warn_at=warn,
            warned_at=self.warned_at,
            breached_at=self.breached_at,
            fulfilled_at=self.fulfilled_at,
            elapsed=elapsed,
            left=self.target.target - elapsed,
            events=tuple(self.events),
        )


def index_targets(targets: Iterable[MetricTarget]) -> dict[Metric, MetricTarget]:
    indexed: dict[Metric, MetricTarget] = {}
    for target in targets:
        if target.metric in indexed:
            raise ValueError(f"two targets for metric {target.metric}")
        indexed[target.metric] = target
    return indexed


class Engine:
    def __init__(self, targets: dict[Metric, MetricTarget], calendar: BusinessCalendar) -> None:
        self.targets = targets
        self.calendar = calendar
        self.status: Status | None = None
        self.by_customer = False
        self.clocks: dict[Metric, list[_Clock]] = {metric: [] for metric in Metric}
        # Sequence numbers of the latest message of each kind decide who is waiting on whom,
        # independent of timestamps that may tie.
        self.seq = 0
        self.last_customer: int | None = None
        self.last_human_reply: int | None = None
        self.last_bot_reply: int | None = None
        # A bot's ticket whose first-reply clock waits for the handover to people.
        self.awaiting_handover = False

    # -- helpers -----------------------------------------------------------------------------

    def axis(self, target: MetricTarget) -> TimeAxis:
        return self.calendar if target.business_hours else _ELAPSED

    def current(self, metric: Metric) -> _Clock | None:
        clocks = self.clocks[metric]
        return clocks[-1] if clocks and not clocks[-1].stopped else None

    def activate(self, metric: Metric, at: datetime) -> None:
        target = self.targets.get(metric)
        if target is None or self.current(metric) is not None:
            return
        clock = _Clock(target, len(self.clocks[metric]), at)
        self.clocks[metric].append(clock)
        if self.status not in target.paused_in:
            clock.segments.open(at, self.axis(target))
        clock.log(at, ClockEventKind.ACTIVATED)
        if not clock.segments.running:
            clock.log(at, ClockEventKind.PAUSED)

    def stop(self, clock: _Clock, at: datetime, kind: ClockEventKind) -> None:
        clock.frozen = (clock.due_at(), clock.warn_at())
        if clock.segments.running:
            clock.segments.close(at)
        if kind is ClockEventKind.CANCELLED:
            clock.cancelled_at = at
        else:
            clock.fulfilled_at = at
        clock.log(at, kind)

    def sync_pause(self, clock: _Clock, at: datetime) -> None:
        should_pause = self.status in clock.target.paused_in
        if should_pause and clock.segments.running:
            clock.segments.close(at)
            clock.log(at, ClockEventKind.PAUSED)
        elif not should_pause and not clock.segments.running:
            clock.segments.open(at, self.axis(clock.target))
            clock.log(at, ClockEventKind.RESUMED)

    def fulfils(self, target: MetricTarget, kind: AuthorKind) -> bool:
        return kind is AuthorKind.AGENT or target.bots_fulfil

    def waiting(self, target: MetricTarget) -> bool:
        """Whether the customer's latest message has no fulfilling reply after it."""
        if self.last_customer is None:
            return False
        replies = [self.last_human_reply]
        if target.bots_fulfil:
            replies.append(self.last_bot_reply)
        return all(r is None or r < self.last_customer for r in replies)

    # -- time passing ------------------------------------------------------------------------

    def advance(self, until: datetime, inclusive: bool) -> None:
        """Record warnings and breaches whose instant lies before `until` (or at it)."""
        for clocks in self.clocks.values():
            for clock in clocks:
                if clock.stopped:
                    continue
                if clock.warned_at is None:
                    warn = clock.warn_at()
                    if warn is not None and (warn < until or (inclusive and warn == until)):
                        # Retroactive crossings (a shorter target) are logged when discovered.
                        clock.warned_at = max(warn, clock.events[-1].at)
                        clock.log(clock.warned_at, ClockEventKind.WARNED)
                if clock.breached_at is None:
                    due = clock.due_at()
                    if due is not None and (due < until or (inclusive and due == until)):
                        clock.breached_at = max(due, clock.events[-1].at)
                        clock.log(clock.breached_at, ClockEventKind.BREACHED)

    # -- facts -------------------------------------------------------------------------------

    def apply(self, fact: TicketFact, at: datetime) -> None:
        self.seq += 1
        if isinstance(fact, Created):
            self.created(fact, at)
        elif self.status is None:
            raise ValueError("the first fact must be Created")
        elif isinstance(fact, StatusChanged):
            self.status_changed(fact.new, at)
        elif isinstance(fact, CustomerMessage):
            self.customer_message(at)
        elif isinstance(fact, AgentReply):
            self.agent_reply(fact, at)
        elif isinstance(fact, HandedOver):
            self.handed_over(at)
        else:
            self.target_changed(index_targets(fact.targets), at)

    def created(self, fact: Created, at: datetime) -> None:
        if self.status is not None:
            raise ValueError("a ticket is created only once")
        self.status = fact.status
        self.activate(Metric.RESOLUTION, at)
        if fact.author_kind is AuthorKind.CUSTOMER:
            self.by_customer = True
            first = self.targets.get(Metric.FIRST_REPLY)
            if fact.bot_owned and first is not None and first.from_handover:
                self.awaiting_handover = True
            else:
                self.activate(Metric.FIRST_REPLY, at)
            self.customer_message(at)
        if fact.status in _STOPPING:
            self.status_changed(fact.status, at)

    def status_changed(self, new: Status, at: datetime) -> None:
        self.status = new
        if new in _STOPPING:
            for metric in Metric:
                clock = self.current(metric)
                if clock is not None:
                    self.stop(clock, at, ClockEventKind.FULFILLED)
            return
        resolution = self.clocks[Metric.RESOLUTION]
        if resolution and resolution[-1].fulfilled_at is not None:
            self.reopen(resolution[-1], at)
        elif not resolution:
            self.activate(Metric.RESOLUTION, at)
        for metric in Metric:
            clock = self.current(metric)
            if clock is not None:
                self.sync_pause(clock, at)

    def reopen(self, clock: _Clock, at: datetime) -> None:
        """Resume a fulfilled resolution clock with the time it had already spent."""
        target = self.targets.get(Metric.RESOLUTION)
        if target is None:
            return
        clock.fulfilled_at = None
        clock.frozen = (None, None)
        changed = target != clock.target
        clock.target = target
        if self.status in target.paused_in:
            clock.log(at, ClockEventKind.PAUSED)
        else:
            clock.segments.open(at, self.axis(target))
            clock.log(at, ClockEventKind.RESUMED)
        if changed:
            clock.log(at, ClockEventKind.RECOMPUTED)

    def customer_message(self, at: datetime) -> None:
        if self.status is Status.CLOSED:
            return  # a closed ticket is final; the message belongs to a follow-up ticket
        self.last_customer = self.seq
        if self.current(Metric.FIRST_REPLY) is None and not self.awaiting_handover:
            self.activate(Metric.NEXT_REPLY, at)

    def agent_reply(self, fact: AgentReply, at: datetime) -> None:
        if not fact.public:
            return
        if fact.author_kind is AuthorKind.AGENT:
            self.last_human_reply = self.seq
        else:
            self.last_bot_reply = self.seq
        for metric in _REPLY_METRICS:
            clock = self.current(metric)
            if clock is not None and self.fulfils(clock.target, fact.author_kind):
                self.stop(clock, at, ClockEventKind.FULFILLED)
        periodic = self.targets.get(Metric.PERIODIC_UPDATE)
        if (
            periodic is not None
            and self.status not in _STOPPING
            and self.fulfils(periodic, fact.author_kind)
        ):
            self.activate(Metric.PERIODIC_UPDATE, at)

    def handed_over(self, at: datetime) -> None:
        """People take over: a first reply measured from the handover starts now, unless a
        reply that counts has already come or the ticket is done."""
        if not self.awaiting_handover:
            return
        self.awaiting_handover = False
        target = self.targets.get(Metric.FIRST_REPLY)
        if target is not None and self.starts_now(Metric.FIRST_REPLY, target):
            self.activate(Metric.FIRST_REPLY, at)

    def target_changed(self, targets: dict[Metric, MetricTarget], at: datetime) -> None:
        self.targets = targets
        for metric in Metric:
            clock = self.current(metric)
            target = targets.get(metric)
            if clock is not None and target is None:
                self.stop(clock, at, ClockEventKind.CANCELLED)
            elif clock is not None and target is not None and target != clock.target:
                if clock.segments.running:
                    clock.segments.close(at)
                    clock.segments.open(at, self.axis(target))
                clock.target = target
                clock.log(at, ClockEventKind.RECOMPUTED)
                self.sync_pause(clock, at)
            elif clock is None and target is not None and self.starts_now(metric, target):
                self.activate(metric, at)

    def starts_now(self, metric: Metric, target: MetricTarget) -> bool:
        """Whether a metric that just gained a target has something to measure already."""
        if self.status in _STOPPING:
            return False
        if metric is Metric.RESOLUTION:
            return not self.clocks[metric]
        if metric is Metric.FIRST_REPLY:
            replied = self.last_human_reply is not None or (
                target.bots_fulfil and self.last_bot_reply is not None
            )
            held = self.awaiting_handover and target.from_handover  # the bot still has it
            return self.by_customer and not replied and not held and not self.clocks[metric]
        if metric is Metric.NEXT_REPLY:
            return self.current(Metric.FIRST_REPLY) is None and self.waiting(target)
        return self.last_human_reply is not None or (
            target.bots_fulfil and self.last_bot_reply is not None
        )

"""Event subscribers and jobs: every change to a ticket re-evaluates its clocks in a unit of work
of its own, then arms an exact wake-up; a periodic indexed pass catches anything a lost
wake-up would have done.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from helpdesk import events
from helpdesk.domain import OPEN_STATUSES
from helpdesk.runtime import Job, Parts, Periodic, Runtime, Subscriber
from helpdesk.store import DISPATCHING
from helpdesk.tables import ticket_t
from sla._config import CalendarCache, ConfigMemo, SharedConfig
from sla._load import load
from sla._writes import Writes
from sla.batcher import Batcher
from sla.evaluation import Outcome, evaluate_ticket
from sla.tables import clock_t, escalation_t, sla_ticket_t
from sla.webhooks import post_webhook

log = logging.getLogger(__name__)

RECONCILE_EVERY = timedelta(seconds=30)
EVALUATE_JOB = "sla_evaluate"
WAKEUP_JOB = "sla_wakeup"
RECONCILE_JOB = "sla_reconcile"
WEBHOOK_JOB = "sla_webhook"
REEVALUATE_OPEN_JOB = "sla_reevaluate_open"
# Each pass arms the wake-ups due before the pass after next, so one late pass loses nothing.
LOOKAHEAD = 2 * RECONCILE_EVERY
RECONCILE_BATCH = 1000
REEVALUATE_BATCH = 200
BATCH = 50  # tickets per unit of work in passes
_FIELDS = frozenset({"priority", "category_id", "tags", "handed_over_at"})
_REMEMBERED = 10_000  # tickets whose latest evaluation a runner remembers (see `on_event`)


class SlaRunner:
    """The SLA side of one runtime: re-evaluation plus what happens after its commit."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.calendars = CalendarCache()
        self.config = SharedConfig()
        self.batcher: Batcher[Outcome | None] = Batcher(self._batch, BATCH)
        # Per ticket, `stores.commits` when this process' latest evaluation of it began.
        self._evaluated: dict[int, int] = {}
        # The batch running now, if any: its number (`batcher.mark()`) and `stores.commits`
        # when it began.
        self._running: tuple[int, int] | None = None
        # Names this runner in the jobs it queues: a mark means nothing to another process.
        self.token = secrets.token_hex(8)

    async def reevaluate(self, ticket_id: int, *, rearm: bool = False) -> Outcome | None:
        """Evaluate one ticket now, then arm its wake-up and post its webhooks."""
        async with self.rt.stores() as store:
            outcome = await evaluate_ticket(
                store, ticket_id, self.calendars, rearm=rearm, memo=ConfigMemo(self.config)
            )
        if outcome is not None:
            await self._after_commit(outcome)
        return outcome

    async def reevaluate_batch(self, ticket_ids: list[int], *, rearm: bool) -> int:
        """Evaluate several tickets in one unit of work (one commit, so one fsync on SQLite);
        a ticket whose evaluation fails writes nothing and cannot hold back the others."""
        results = await self._evaluate_many(lambda: ticket_ids, rearm=rearm)
        return sum(1 for result in results.values() if isinstance(result, Outcome))

    async def _batch(self, take: Callable[[], list[int]]) -> dict[int, Outcome | Exception | None]:
        def take_and_note() -> list[int]:
            tickets = take()
            self._running = (self.batcher.mark(), self.rt.stores.commits)
            return tickets

        try:
            return await self._evaluate_many(take_and_note, rearm=False)
        finally:
            self._running = None

    async def _evaluate_many(
        self, take: Callable[[], list[int]], *, rearm: bool
    ) -> dict[int, Outcome | Exception | None]:
        """Per ticket taken, once the write slot is ours: its outcome, None for no such
        ticket, or the error its evaluation raised (logged; it wrote nothing)."""
        results: dict[int, Outcome | Exception | None] = {}
        memo = ConfigMemo(self.config)
        writes = Writes()
        async with self.rt.stores() as store:
            began = self.rt.stores.commits
            ticket_ids = take()
            # One lock statement and one read per table for the whole batch.
            loaded = await load(store, ticket_ids, store.now(), escalations=True)
            for ticket_id in ticket_ids:
                if ticket_id not in loaded:
                    results[ticket_id] = None
                    continue
                try:
                    results[ticket_id] = await evaluate_ticket(
                        store,
                        ticket_id,
                        self.calendars,
                        rearm=rearm,
                        memo=memo,
                        loaded=loaded[ticket_id],
                        writes=writes,
                    )
                except Exception as error:
                    log.exception("SLA evaluation failed for ticket %s", ticket_id)
                    results[ticket_id] = error
            await writes.flush(store)
        for ticket_id, result in results.items():
            if not isinstance(result, Exception):
                self._remember(ticket_id, began)
            if isinstance(result, Outcome):
                await self._after_commit(result)
        return results

    def _remember(self, ticket_id: int, began: int) -> None:
        self._evaluated.pop(ticket_id, None)  # to the end: the oldest are forgotten first
        self._evaluated[ticket_id] = began
        if len(self._evaluated) > _REMEMBERED:
            del self._evaluated[next(iter(self._evaluated))]

    async def _after_commit(self, outcome: Outcome) -> None:
        ticket_id = outcome.ticket_id
        if outcome.arm and outcome.wakeup is not None:
            await self.rt.scheduler.enqueue(
                WAKEUP_JOB,
                ticket_id,
                at=outcome.wakeup,
                key=wakeup_key(ticket_id, outcome.version),
            )
        for escalation_id in outcome.webhooks:
            await self.rt.scheduler.enqueue(
                WEBHOOK_JOB, escalation_id, key=f"sla-webhook:{escalation_id}:0"
            )

    async def on_event(self, event: events.Event) -> None:
        """Queue a re-evaluation: it runs as a job, off the committing request's path."""
        if isinstance(event, events.TicketUpdated) and not _FIELDS.intersection(event.fields):
            return
        committed = DISPATCHING.get()
        if committed is not None and self._evaluated.get(event.ticket_id, -1) >= committed:
            # An evaluation that began after this change committed has already seen it (a new
            # ticket's acknowledgement evaluates before the ticket's own events are all told).
            return
        running = self._running
        if committed is not None and running is not None and running[1] >= committed:
            # The batch running now began after this change committed: the job may share its
            # answer (if it took this ticket) instead of waiting for another.
            await self.rt.scheduler.enqueue(
                EVALUATE_JOB, event.ticket_id, running[0] - 1, self.token
            )
            return
        # No key: a change committed while an evaluation runs must still get its own turn.
        await self.rt.scheduler.enqueue(EVALUATE_JOB, event.ticket_id)

    async def evaluate(
        self, rt: Runtime, ticket_id: int, since: int | None = None, runner: str | None = None
    ) -> str:
        """Job: re-evaluate one ticket after a change to it, in one transaction with the
        evaluations other jobs asked for meanwhile (see sla.batcher). `since` is a mark of
        the runner named `runner`: any batch after it saw the change."""
        outcome = await self.batcher.evaluate(ticket_id, since if runner == self.token else None)
        return "no such ticket" if outcome is None else "evaluated"

    async def wakeup(self, rt: Runtime, ticket_id: int) -> str:
        """Job: re-evaluate at now (record warnings and breaches, fire due escalations)."""
        outcome = await self.reevaluate(ticket_id, rearm=True)
        if outcome is None:
            return "no such ticket"
        return f"next wake-up {outcome.wakeup.isoformat() if outcome.wakeup else 'none'}"

    async def reconcile(self, rt: Runtime) -> int:
        """Job: handle every clock whose next due instant has passed, arm every wake-up due
        before the next pass, and post pending webhooks.

        Uses the `next_due` index, so a pass over many open tickets costs what is due.
        """
        now = rt.clock.now()
        async with rt.stores() as store:
            # A wake-up armed by a process that died (in-process timers die with it; an arq
            # job can die between the commit that armed it and its enqueue) would otherwise
            # wait for the pass after it fell due. Arming it again under its own key is a
            # no-op when it is still queued.
            upcoming = (
                await store.execute(
                    select(
                        sla_ticket_t.c.ticket_id, sla_ticket_t.c.version, sla_ticket_t.c.armed_at
                    )
                    .where(
                        sla_ticket_t.c.ticket_id.in_(
                            select(clock_t.c.ticket_id).where(
                                clock_t.c.next_due > now, clock_t.c.next_due <= now + LOOKAHEAD
                            )
                        ),
                        sla_ticket_t.c.armed_at > now,
                    )
                    .limit(RECONCILE_BATCH)
                )
            ).all()
            due = await store.execute(
                select(clock_t.c.ticket_id, clock_t.c.next_due)
                .where(clock_t.c.next_due <= now)
                .order_by(clock_t.c.next_due)
                .limit(RECONCILE_BATCH)
            )
            ticket_ids = list(dict.fromkeys(row.ticket_id for row in due))
            hooks = await store.execute(
                select(escalation_t.c.id, escalation_t.c.webhook_attempts).where(
                    escalation_t.c.webhook_state == "pending",
                    escalation_t.c.webhook_next_at <= now,
                )
            )
            webhooks = [(row.id, row.webhook_attempts) for row in hooks]
        for start in range(0, len(ticket_ids), BATCH):
            await self.reevaluate_batch(ticket_ids[start : start + BATCH], rearm=True)
        handled = set(ticket_ids)  # re-evaluated just now, so armed under a new version
        for row in upcoming:
            if row.ticket_id in handled:
                continue
            await rt.scheduler.enqueue(
                WAKEUP_JOB,
                row.ticket_id,
                at=row.armed_at,
                key=wakeup_key(row.ticket_id, row.version),
            )
        for escalation_id, attempts in webhooks:
            await rt.scheduler.enqueue(
                WEBHOOK_JOB, escalation_id, key=f"sla-webhook:{escalation_id}:{attempts}"
            )
        return len(ticket_ids)

    async def reevaluate_open(self, rt: Runtime, after_id: int = 0) -> int:
        """Job: re-evaluate every open ticket (after a policy, calendar or ladder change), in
        batches that each re-enqueue the next, so one job never runs for long."""
        async with rt.stores() as store:
            ids = list(
                (
                    await store.execute(
                        select(ticket_t.c.id)
                        .where(
                            ticket_t.c.id > after_id,
                            ticket_t.c.status.in_([s.value for s in OPEN_STATUSES]),
                        )
                        .order_by(ticket_t.c.id)
                        .limit(REEVALUATE_BATCH)
                    )
                ).scalars()
            )
        for start in range(0, len(ids), BATCH):
            await self.reevaluate_batch(ids[start : start + BATCH], rearm=False)
        if len(ids) == REEVALUATE_BATCH:
            await rt.scheduler.enqueue(
                REEVALUATE_OPEN_JOB, ids[-1], key=f"sla-reevaluate:{ids[-1]}:{now_key(rt)}"
            )
        return len(ids)


def wakeup_key(ticket_id: int, version: int) -> str:
    """One armed wake-up: a ticket's evaluation bumps `version` whenever it arms a new one."""
    return f"sla:{ticket_id}:{version}"


def now_key(rt: Runtime) -> int:
    return int(rt.clock.now().timestamp() * 1000)


async def reevaluate_later(rt: Runtime) -> None:
    """Re-evaluate open tickets in the background, after configuration changed."""
    await rt.scheduler.enqueue(REEVALUATE_OPEN_JOB, 0, key=f"sla-reevaluate:0:{now_key(rt)}")


def parts(runner: SlaRunner) -> Parts:
    """The SLA jobs, the periodic pass and the event subscribers of one runner."""
    # Not TicketCreated: a new ticket always comes with its first MessageAdded in the same
    # commit, and one evaluation is enough.
    return Parts(
        jobs=[
            Job(EVALUATE_JOB, runner.evaluate, short=True),  # batches of at most BATCH
            Job(WAKEUP_JOB, runner.wakeup),
            Job(RECONCILE_JOB, runner.reconcile),
            Job(WEBHOOK_JOB, post_webhook),
            Job(REEVALUATE_OPEN_JOB, runner.reevaluate_open),
        ],
        periodic=[Periodic(RECONCILE_JOB, RECONCILE_EVERY)],
        subscribers=[
            Subscriber(event_type, runner.on_event)
            for event_type in (events.MessageAdded, events.StatusChanged, events.TicketUpdated)
        ],
    )

"""Job functions of the core. Each reloads state, so running one twice or late is harmless."""

from __future__ import annotations

import logging
from datetime import timedelta

from helpdesk import liveness
from helpdesk.errors import DeliveryError
from helpdesk.events import OutboxQueued
from helpdesk.runtime import Job, Parts, Periodic, Runtime, Subscriber
from helpdesk.services import outbox

log = logging.getLogger(__name__)

RECONCILE_EVERY = timedelta(seconds=30)
STATISTICS_EVERY = timedelta(hours=6)
# What keeps the query planners' statistics current, so they keep choosing the view indexes as
# the tables grow. SQLite: ANALYZE with analysis_limit reads about that many rows per index, so
# it stays quick at any size (`PRAGMA optimize` before 3.46 only looks at tables the same
# connection queried, which a job's fresh connection has not). PostgreSQL's autovacuum
# analyses too, but only after a fraction of a table changed.
_STATISTICS = {
    "sqlite": ("PRAGMA analysis_limit=1000", "ANALYZE"),
    "postgresql": ("ANALYZE ticket", "ANALYZE ticket_search"),
}


async def deliver_outbox(rt: Runtime, outbox_id: int) -> str:
    """Deliver one outbox entry through its channel; returns what happened, for the job log."""
    async with rt.stores() as store:
        message = await outbox.claim(store, outbox_id, reaches=rt.reaches, owner=rt.process.id)
    if message is None:
        return "not due or already taken"
    sender = rt.sender_for(message.channel)
    try:
        receipt = await sender.send(message)
    except DeliveryError as exc:
        error = exc
    except Exception as exc:
        # An unexpected sender failure is treated as transient; its bug is in the log.
        log.exception("sender for %s failed on outbox %s", message.channel, outbox_id)
        error = DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False)
    else:
        async with rt.stores() as store:
            await outbox.complete(store, outbox_id, receipt)
        return "sent" if receipt.not_sent is None else f"not sent: {receipt.not_sent}"
    async with rt.stores() as store:
        retry_at = await outbox.fail(store, outbox_id, error, rt.settings.outbox_max_attempts)
    if retry_at is None:
        return f"failed: {error}"
    await rt.scheduler.enqueue(
        "deliver_outbox", outbox_id, at=retry_at, key=f"deliver:{outbox_id}:{retry_at.timestamp()}"
    )
    return f"retry at {retry_at.isoformat()}: {error}"


async def reconcile_outbox(rt: Runtime) -> int:
    """Re-arm every entry that is due, whose lease ran out, or whose process is dead."""
    await liveness.sweep(rt)
    now = rt.clock.now()
    async with rt.stores() as store:
        due = await outbox.due(store, now)
    # One key per pass and process: arq drops a job whose key it still remembers (a pass of
    # the same period before a crash, a dead worker's job "in progress"), and a restarted
    # process must re-arm at once, not one period later. An extra job is harmless: the claim
    # lets one delivery through.
    bucket = int(now.timestamp() // RECONCILE_EVERY.total_seconds())
    for entry in due:
        await rt.scheduler.enqueue(
            "deliver_outbox",
            entry.outbox_id,
            key=f"deliver:{entry.outbox_id}:r{bucket}:{rt.process.id}",
        )
    return len(due)


async def refresh_planner_statistics(rt: Runtime) -> str:
    """Bring the planner's statistics up to date (no rows change)."""
    async with rt.stores() as store:  # ANALYZE writes its statistics tables: a writer's turn
        for statement in _STATISTICS[store.dialect]:
            await store.conn.exec_driver_sql(statement)
    return "statistics refreshed"


def parts(rt: Runtime) -> Parts:
    """The core's jobs and wake-ups: outbox delivery and its reconciliation pass, the planner
    statistics refresh; at shutdown the access log's last batch is written."""

    async def on_outbox_queued(event: OutboxQueued) -> None:
        await rt.scheduler.enqueue(
            "deliver_outbox",
            event.outbox_id,
            at=event.deliver_at,
            key=f"deliver:{event.outbox_id}:queued",
        )

    return Parts(
        jobs=[
            Job("deliver_outbox", deliver_outbox, short=True),
            Job("reconcile_outbox", reconcile_outbox),
            Job("refresh_planner_statistics", refresh_planner_statistics),
        ],
        periodic=[
            Periodic("reconcile_outbox", RECONCILE_EVERY),
            Periodic("refresh_planner_statistics", STATISTICS_EVERY),
        ],
        subscribers=[Subscriber(OutboxQueued, on_outbox_queued)],
        closers=[rt.access_recorder.close] if rt.access_recorder is not None else [],
    )

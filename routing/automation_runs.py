"""Running the time-based automations: a periodic pass finds the open tickets whose clocks
may have run long enough, and fires each due automation once per episode.

The claim (a row keyed by automation, ticket and episode) is written in the same unit of work
as the automation's actions: if the worker dies before the commit nothing happened and the
next pass fires it; if two workers race, the second's insert finds the first's row (on
PostgreSQL it waits for the first to commit) and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpdesk import services
from helpdesk.domain import AuditKind, Direction, Status
from helpdesk.store import Store
from helpdesk.tables import audit_t, message_t, ticket_t
from routing import context
from routing import store as routing_store
from routing.automations import Anchor, Automation, due, episode
from routing.engine import SYSTEM, Routing
from routing.rules import Firing
from routing.tables import routing_automation_run_t

Stores = Callable[[], AbstractAsyncContextManager[Store]]
LIMIT = 10_000  # tickets per pass; a larger backlog is worked through over several passes


async def run(stores: Stores) -> int:
    """Fire every due automation; returns how many fired."""
    async with stores() as store:
        config = await routing_store.load_config(store)
        active = [a for a in config.automations if a.active]
        if not active:
            return 0
        found = await context.directory(store)
        now = store.now()
        # No anchor is older than the ticket, so a ticket younger than the shortest
        # threshold cannot be due yet.
        shortest = min(a.minutes for a in active)
        candidates = list(
            (
                await store.execute(
                    select(ticket_t.c.id)
                    .where(
                        ticket_t.c.status != Status.CLOSED.value,
                        ticket_t.c.merged_into_id.is_(None),
                        ticket_t.c.created_at <= now - timedelta(minutes=shortest),
                    )
                    .order_by(ticket_t.c.id)
                    .limit(LIMIT)
                )
            ).scalars()
        )
    fired = 0
    for ticket_id in candidates:
        async with stores() as store:
            fired += await _ticket(Routing(store, config, found), int(ticket_id), active)
    return fired


async def _ticket(routing: Routing, ticket_id: int, automations: list[Automation]) -> int:
    store = routing.store
    now = store.now()
    anchors: dict[Anchor, datetime] = {}
    fired = 0
    for automation in automations:
        facts = await routing.facts(ticket_id)
        if facts is None or facts.get("ticket.status") == Status.CLOSED.value:
            return fired
        if automation.since not in anchors:
            anchors[automation.since] = await anchor(store, ticket_id, automation.since)
        start = anchors[automation.since]
        if not due(
            automation,
            start,
            now,
            facts,
            tz=routing.config.timezone,
            hours=routing.config.hours,
        ):
            continue
        if not await _claim(store, automation.name, ticket_id, episode(start)):
            continue  # already fired in this episode (here or in another worker)
        await services.record_decision(
            store,
            ticket_id,
            SYSTEM,
            AuditKind.RULE_FIRED,
            f"automation '{automation.name}' fired: {automation.describe()}",
            rule=f"automation:{automation.name}",
            episode=episode(start),
        )
        await routing.apply(
            ticket_id, Firing(automation.name, tuple(automation.actions)), by="automation"
        )
        fired += 1
    return fired


async def _claim(store: Store, name: str, ticket_id: int, key: str) -> bool:
    inserted = await store.execute(
        store.insert_ignoring_duplicates(routing_automation_run_t).values(
            automation=name, ticket_id=ticket_id, episode=key, at=store.now()
        )
    )
    return bool(getattr(inserted, "rowcount", 0))


async def anchor(store: Store, ticket_id: int, since: Anchor) -> datetime:
    """When the ticket's clock for `since` started."""
    row = (
        await store.execute(
            select(ticket_t.c.created_at, ticket_t.c.updated_at).where(ticket_t.c.id == ticket_id)
        )
    ).one()
    created: datetime = row.created_at
    if since == "created":
        return created
    if since == "updated":
        return row.updated_at or created
    if since == "customer_replied":
        latest = select(func.max(message_t.c.created_at)).where(
            message_t.c.ticket_id == ticket_id,
            message_t.c.direction == Direction.INBOUND.value,
        )
    else:
        kind = "status_changed" if since == "status_changed" else "assignee_changed"
        latest = select(func.max(audit_t.c.at)).where(
            audit_t.c.ticket_id == ticket_id, audit_t.c.kind == kind
        )
    found: datetime | None = (await store.execute(latest)).scalar_one_or_none()
    return found or created

"""Two runtimes (two connection pools, as two worker processes have) routing and solving
tickets of one team at the same time never give an agent more than their capacity; the queue
drains in order as capacity frees. PostgreSQL, where writers really run concurrently."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import ticket_t
from tests.core.factory import email_in
from tests.routing.desk import make_desk

pytestmark = pytest.mark.postgres
CAPACITY = 2


async def _loads(rt: Runtime) -> Counter[int]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(ticket_t.c.assignee_id).where(
                ticket_t.c.assignee_id.is_not(None),
                ticket_t.c.status.in_([Status.NEW.value, Status.OPEN.value]),
            )
        )
        return Counter(int(r) for r in rows.scalars())


async def test_capacity_is_never_exceeded_by_two_concurrent_workers(
    two_runtimes: tuple[Runtime, Runtime], clock: FixedClock
) -> None:
    one, two = two_runtimes
    desk = await make_desk(one, clock)
    await desk.configure(
        teams=[{"team": "Billing", "strategy": "least_loaded", "capacity": CAPACITY}]
    )
    agents = {desk.users["ayse"], desk.users["mehmet"]}

    async def open_ticket(rt: Runtime, n: int) -> int:
        async with rt.stores() as store:
            result = await services.ingest(
                store, email_in(sender=f"c{n}@example.com", text=f"refund {n}", category="refunds")
            )
        assert result.ticket_id is not None
        return result.ticket_id

    tickets = await asyncio.gather(*(open_ticket((one, two)[n % 2], n) for n in range(12)))
    loads = await _loads(one)
    assert set(loads) == agents
    assert all(load == CAPACITY for load in loads.values())

    # Both workers solve everything assigned at once; the queue refills every free slot.
    async def solve(rt: Runtime, ticket_id: int) -> None:
        async with rt.stores() as store:
            row = (
                await store.execute(
                    select(ticket_t.c.assignee_id).where(ticket_t.c.id == ticket_id)
                )
            ).scalar_one()
            await services.update_ticket(
                store, ticket_id, Actor.user(int(row)), TicketChanges(status=Status.SOLVED)
            )

    solved: set[int] = set()
    for _round in range(3):
        async with one.stores() as store:
            held = [
                int(t)
                for t in (
                    await store.execute(
                        select(ticket_t.c.id).where(
                            ticket_t.c.assignee_id.is_not(None),
                            ticket_t.c.status == Status.NEW.value,
                        )
                    )
                ).scalars()
            ]
        await asyncio.gather(*(solve((one, two)[i % 2], t) for i, t in enumerate(held)))
        solved.update(held)
        loads = await _loads(one)
        assert all(load <= CAPACITY for load in loads.values()), loads
        assert sum(loads.values()) == min(2 * CAPACITY, len(tickets) - len(solved))
    # Every ticket was assigned exactly when a slot freed, none twice at once.
    assert len(solved) == 4 * 3


async def test_simultaneous_assignments_from_two_workers_respect_capacity(
    two_runtimes: tuple[Runtime, Runtime], clock: FixedClock
) -> None:
    """Ten queued tickets, each assigned in its own transaction, half by each worker, all at
    once: without serialising per team, every transaction would count the same free slots."""
    from routing.engine import Routing

    one, two = two_runtimes
    desk = await make_desk(one, clock)
    await desk.configure(teams=[{"team": "Billing", "strategy": "none"}])
    tickets = []
    for n in range(10):
        async with one.stores() as store:
            result = await services.ingest(
                store, email_in(sender=f"c{n}@example.com", text=f"refund {n}", category="refunds")
            )
        tickets.append(result.ticket_id)
    assert sum((await _loads(one)).values()) == 0
    await desk.configure(
        teams=[{"team": "Billing", "strategy": "least_loaded", "capacity": CAPACITY}]
    )

    async def assign(rt: Runtime, ticket_id: int) -> bool:
        async with rt.stores() as store:
            routing = await Routing.open(store)
            return await routing.assign(ticket_id, desk.teams["Billing"])

    results = await asyncio.gather(
        *(assign((one, two)[i % 2], t) for i, t in enumerate(tickets) if t is not None)
    )
    loads = await _loads(one)
    assert sorted(loads.values()) == [CAPACITY, CAPACITY]
    assert results.count(True) == 2 * CAPACITY

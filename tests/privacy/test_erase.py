"""Erasure: after it, no trace of the customer's name, addresses or message texts is left in
the database (the SQLite file and its WAL byte for byte, PostgreSQL row by row) or the blob
store, while ticket counts and SLA figures are what they were and the other customer is
untouched. The same address writing in again becomes a new customer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from channels.base import Identity, InboundMessage
from helpdesk import privacy, services
from helpdesk.domain import Role
from helpdesk.errors import Conflict
from helpdesk.privacy_tables import erasure_t
from helpdesk.runtime import Runtime
from helpdesk.tables import identity_t, ticket_t
from tests.fixtures_db import scheduler_of
from tests.privacy import seed as s
from tests.privacy.traces import found


async def _admin(rt: Runtime) -> int:
    async with rt.stores() as store:
        return await services.create_user(
            store, email="root@help.test", name="Root", role=Role.ADMIN
        )


async def test_erase_leaves_no_trace_and_keeps_the_figures(runtime: Runtime) -> None:
    admin = await _admin(runtime)
    seeded = await s.seed(runtime, agent_id=admin, csat=True)
    await scheduler_of(runtime).drain()
    before = await s.figures(runtime)
    assert before["clocks"], "the SLA policy gave the tickets clocks"
    assert [(c[1], c[2]) for c in before["csat"]] == [("rated", 2)]
    assert set(await found(runtime, s.SECRETS)) == set(s.SECRETS)

    erased = await privacy.erase(
        runtime, s.EMAIL, reason="Art. 17 request of 2026-11-20", actor_user_id=admin, via="api"
    )
    await scheduler_of(runtime).drain()

    assert erased.customer_id == seeded.customer_id
    assert await found(runtime, s.SECRETS) == {}
    assert set(await found(runtime, s.KEPT)) == set(s.KEPT)
    assert await s.figures(runtime) == before
    async with runtime.stores() as store:
        record = (await store.execute(select(erasure_t))).mappings().one()
        remaining = (
            await store.execute(
                select(identity_t.c.customer_id).where(
                    identity_t.c.customer_id == seeded.customer_id
                )
            )
        ).all()
    assert (record["actor_user_id"], record["via"]) == (admin, "api")
    assert record["reason"] == "Art. 17 request of 2026-11-20"
    assert record["customer_id"] == seeded.customer_id
    assert remaining == []


async def test_the_same_address_later_is_a_new_customer(runtime: Runtime) -> None:
    seeded = await s.seed(runtime)
    await privacy.erase(runtime, s.EMAIL, reason="request", actor_user_id=None, via="cli")
    async with runtime.stores() as store:
        again = await services.ingest(
            store,
            InboundMessage(
                channel="email",
                external_id="<later@mail.example.com>",
                sender=Identity("email", s.EMAIL, "Ayşe"),
                subject="Hello again",
                text="New question",
                full_text="New question",
                received_at=s.AT,
            ),
        )
        requester = (
            await store.execute(
                select(ticket_t.c.requester_id).where(ticket_t.c.id == again.ticket_id)
            )
        ).scalar_one()
    assert again.new and again.ticket_id not in seeded.tickets.values()
    assert requester != seeded.customer_id


async def test_an_erasure_is_not_repeated_and_needs_a_reason(runtime: Runtime) -> None:
    seeded = await s.seed(runtime)
    with pytest.raises(Conflict):
        await privacy.erase(runtime, s.EMAIL, reason="  ", actor_user_id=None, via="cli")
    await privacy.erase(
        runtime, str(seeded.customer_id), reason="asked", actor_user_id=None, via="cli"
    )
    with pytest.raises(Conflict):
        await privacy.erase(
            runtime, str(seeded.customer_id), reason="asked", actor_user_id=None, via="cli"
        )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_privacy_passes_a_request_starts_queue_behind_other_requests(
    runtime: Runtime,
) -> None:
    """An export, a retention run and an erasure read and write many rows: even started by a
    request they take SQLite's write slot as background work, behind agents' requests."""
    admin = await _admin(runtime)
    await s.seed(runtime, agent_id=admin)
    await scheduler_of(runtime).drain()
    gate = runtime.db.gate
    assert gate is not None
    grants: list[bool] = []
    gate.on_grant = grants.append
    try:
        await privacy.export(runtime, s.EMAIL, user_id=admin, via="api")
        await privacy.run_retention(runtime, dry_run=True)
        await privacy.erase(runtime, s.EMAIL, reason="request", actor_user_id=admin, via="api")
    finally:
        gate.on_grant = None
    assert len(grants) >= 3
    assert all(grants), "a privacy pass took the write slot as a request"

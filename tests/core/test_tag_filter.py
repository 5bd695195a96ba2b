"""The tag filter: a view narrowed to one tag, paged in the view's order, and the tag index
(`ticket_tag`) equal to every ticket's tags and sort keys after each service that changes them,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text, update

from helpdesk import queries, services, views
from helpdesk.domain import Actor, Principal, Role
from helpdesk.errors import ValidationFailed
from helpdesk.migrate import alembic_config
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import TicketChanges
from helpdesk.settings import Settings
from helpdesk.tables import ticket_t
from helpdesk.tag_tables import ticket_tag_t
from helpdesk.worker import assemble, start
from tests.core.factory import email_in
from tests.core.test_listing import Desk, _names, _walk
from tests.core.test_listing import desk as desk  # the fixture, re-exported for pytest
from tests.fixtures_db import _off_loop, scheduler_of

SUPERVISOR = Principal(999, Role.SUPERVISOR, frozenset())


async def _tag(rt: Runtime, ticket_id: int, *tags: str) -> None:
    async with rt.stores() as store:
        await services.update_ticket(
            store, ticket_id, Actor.system(), TicketChanges(tags=list(tags))
        )


async def _index_matches_tickets(rt: Runtime) -> int:
    """Assert the tag index holds exactly each ticket's tags with its sort keys; its size."""
    async with rt.stores() as store:
        tickets = (await store.execute(select(ticket_t))).mappings().all()
        rows = (await store.execute(select(ticket_tag_t))).mappings().all()
    expected = {
        (t["id"], tag, t["updated_at"], t["sla_next_due_at"]) for t in tickets for tag in t["tags"]
    }
    got = {(r["ticket_id"], r["tag"], r["updated_at"], r["sla_next_due_at"]) for r in rows}
    assert got == expected
    return len(got)


async def test_a_tag_narrows_every_view_in_its_order_page_after_page(
    runtime: Runtime, desk: Desk, clock: FixedClock
) -> None:
    t = desk.tickets
    for name in ("billing-new", "tech-alice", "tech-bob", "triage", "sales-open"):
        clock.advance(seconds=1)
        await _tag(runtime, t[name], "VIP customer", "refund")
    await _tag(runtime, t["billing-alice"], "refund")
    f = queries.TicketFilter
    for limit in (1, 2, 50):
        # Most recent activity first: the tagging itself was the latest activity.
        got = await _walk(runtime, desk.agent, f(tag="vip-customer"), limit)
        assert _names(desk, got) == ["sales-open", "triage", "tech-alice", "billing-new"]
        everyone = await _walk(runtime, SUPERVISOR, f(tag="vip-customer"), limit)
        assert _names(desk, everyone) == [
            "sales-open",
            "triage",
            "tech-bob",
            "tech-alice",
            "billing-new",
        ]
    assert _names(desk, await _walk(runtime, desk.agent, f(tag="vip", team_id=desk.tech), 2)) == []
    team = f(tag="vip-customer", team_id=desk.tech)
    assert _names(desk, await _walk(runtime, SUPERVISOR, team, 1)) == ["tech-bob", "tech-alice"]
    now = clock.now()
    # The SLA evaluations those changes queued run first: they would set the due times back.
    await scheduler_of(runtime).drain()
    async with runtime.stores() as store:
        await services.set_sla_next_due(
            store, {t["triage"]: now + timedelta(minutes=30), t["billing-new"]: now}
        )
    for limit in (1, 3, 50):
        due = views.resolve("all", desk.agent, now, f(tag="vip-customer", sort=queries.Sort.DUE))
        got = await _walk(runtime, desk.agent, due, limit)
        # Due first, soonest first; then no clock, oldest first.
        assert _names(desk, got) == ["billing-new", "triage", "tech-alice", "sales-open"]
    at_risk = views.resolve("at_risk", desk.agent, now + timedelta(minutes=1), f(tag="refund"))
    assert _names(desk, await _walk(runtime, desk.agent, at_risk, 1)) == ["billing-new", "triage"]
    async with runtime.stores() as store:
        counted = await queries.count_tickets(store, desk.agent, f(tag="refund"))
        capped = await queries.count_tickets(store, SUPERVISOR, f(tag="refund"), cap=3)
        none = await queries.count_tickets(store, SUPERVISOR, f(tag="nobody-uses-this"))
    assert (str(counted), str(capped), str(none)) == ("5", "3+", "0")
    # A search within a tag: the full-text index leads, the tag is checked per match.
    searched = await _walk(runtime, SUPERVISOR, f(tag="vip-customer", text="tech"), 1)
    assert _names(desk, searched) == ["tech-bob", "tech-alice"]
    assert await _index_matches_tickets(runtime) == 11


async def test_the_tag_index_follows_every_change_of_tags_and_sort_keys(
    runtime: Runtime, desk: Desk, clock: FixedClock
) -> None:
    t = desk.tickets
    agent = Actor.user(desk.alice)
    await _tag(runtime, t["billing-new"], "refund", "late")
    await _tag(runtime, t["billing-alice"], "refund")
    await _tag(runtime, t["sales-open"], "refund")
    assert await _index_matches_tickets(runtime) == 4
    clock.advance(minutes=5)
    async with runtime.stores() as store:  # activity: the ticket comes first again
        await services.reply(store, t["billing-new"], agent, "On it.")
    got = await _walk(runtime, desk.agent, queries.TicketFilter(tag="refund"), 1)
    assert _names(desk, got) == ["billing-new", "sales-open", "billing-alice"]
    clock.advance(minutes=1)
    async with runtime.stores() as store:  # a customer's message touches it through ingest
        await services.ingest(store, email_in(subject="Re: sales-open", text="any news?"))
        await services.set_sla_next_due(store, {t["sales-open"]: clock.now()})
    await _index_matches_tickets(runtime)
    await _tag(runtime, t["billing-new"], "late")  # refund removed, late kept
    async with runtime.stores() as store:
        await services.merge_tickets(store, t["billing-alice"], t["sales-open"], agent)
    assert await _index_matches_tickets(runtime) == 3
    got = await _walk(runtime, desk.agent, queries.TicketFilter(tag="refund"), 1)
    assert _names(desk, got) == ["sales-open"]  # the merged ticket is out of every view
    await _tag(runtime, t["sales-open"])
    assert await _index_matches_tickets(runtime) == 2
    with pytest.raises(ValidationFailed):
        await _tag(runtime, t["sales-open"], "x" * 101)


async def test_the_migration_back_fills_the_index_from_the_tickets_tags(
    settings: Settings, clock: FixedClock, db_url: str
) -> None:
    config = alembic_config(db_url)
    _off_loop(command.downgrade, config, "views_0001")
    try:
        rt = assemble(settings, clock=clock)
        await start(rt, periodic=False)
        try:
            async with rt.stores() as store:  # untagged tickets touch no index: there is none
                made: list[int] = []
                for i in range(3):
                    ticket_id = (await services.ingest(store, email_in(subject=f"t{i}"))).ticket_id
                    assert ticket_id is not None
                    made.append(ticket_id)
                tagged: list[Any] = [["refund", "vip"], [], ["refund", "refund"]]
                for ticket_id, tags in zip(made, tagged, strict=True):
                    await store.execute(
                        update(ticket_t).where(ticket_t.c.id == ticket_id).values(tags=tags)
                    )
        finally:
            await rt.close()
    finally:
        _off_loop(command.upgrade, config, "heads")
    rt = assemble(settings, clock=clock)
    await start(rt, periodic=False)
    try:
        async with rt.stores() as store:
            rows = await store.execute(text("SELECT ticket_id, tag FROM ticket_tag"))
            pairs = sorted((int(r.ticket_id), str(r.tag)) for r in rows)
        assert pairs == [
            (made[0], "refund"),
            (made[0], "vip"),
            (made[2], "refund"),
        ]
        found = await _walk(rt, SUPERVISOR, queries.TicketFilter(tag="refund"), 1)
        assert sorted(found) == sorted([made[0], made[2]])
        assert await _index_matches_tickets(rt) == 3
    finally:
        await rt.close()

"""Every inbox view is an index seek: the plans of each view's first page and its capped count
read the ticket table through an index in the page's order, never a full scan or a sort of
what they read, on SQLite and PostgreSQL (bench/inbox.py prints the same at 100k+ rows)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bench.plans import explain, problems, render
from helpdesk import listing, views
from helpdesk.domain import Principal, Role
from helpdesk.inbox import lists, queries
from helpdesk.runtime import Runtime
from helpdesk.services import saved_views
from tests.inbox.support import Directory


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_each_view_reads_an_index_in_page_order(
    runtime: Runtime, directory: Directory, role: str
) -> None:
    if role == "agent":
        who = Principal(
            directory.users["ayse"], Role.AGENT, frozenset({directory.teams["Support"]})
        )
    else:
        who = Principal(directory.users["sam"], Role.SUPERVISOR, frozenset())
    async with runtime.stores() as store:
        await saved_views.save_view(store, who, "Urgent email", "mine",
                                    "priority=urgent&channel=email&sort=updated")  # fmt: skip
    async with runtime.stores() as store:
        teams = await queries.teams(store)
        available = lists.views(who, teams, await queries.saved_views_for(store, who))
    assert {"mine", "unassigned", "pending", "triage", "at-risk", "breached"} <= {
        v.key for v in available
    }
    now = runtime.clock.now()
    dialect = runtime.db.engine.dialect.name
    checked = 0
    for view in available:
        for sort in ("", "due", "updated"):
            filt = lists.resolve(view, who, now, lists.Filters(sort=sort or None), teams)
            assert filt is not None
            async with runtime.stores() as store:
                plans = await explain(runtime.db.engine, store, who, filt, cap=lists.COUNT_CAP)
            assert plans, view.key
            *pages, count = plans
            for plan in pages:
                assert any("ix_ticket_" in d for _i, _p, d in plan), render(plan)
                assert problems(dialect, plan) == [], f"{view.key} {sort}:\n{render(plan)}"
                checked += 1
            if view.key != "all":  # everything: any cap+1 rows will do, however read
                assert any("ix_ticket_" in d for _i, _p, d in count), render(count)
                assert problems(dialect, count) == [], f"{view.key} count:\n{render(count)}"
    assert checked >= len(available) * 3


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_due_bounded_view_is_planned_once_on_postgresql(
    runtime: Runtime, directory: Directory
) -> None:
    """At risk and breached reuse their prepared statement's plan instead of planning each
    page for its values, which at 1M tickets took longer than running it (helpdesk.listing).
    In a read unit of work, as the inbox and the API list; the connection goes back to the
    pool planning as usual."""
    who = Principal(directory.users["ayse"], Role.AGENT, frozenset({directory.teams["Support"]}))
    now = runtime.clock.now()
    for name in ("at_risk", "breached"):
        filt = views.resolve(name, who, now)
        async with runtime.stores.read() as store:
            await listing.list_tickets(store, who, filt)
            await listing.count_tickets(store, who, filt)
            plans = (
                await store.execute(
                    text(
                        "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                        "WHERE statement LIKE '%sla_next_due_at < %' "
                        "AND statement NOT LIKE '%pg_prepared_statements%'"
                    )
                )
            ).all()
            mode = (await store.execute(text("SHOW plan_cache_mode"))).scalar_one()
        assert len(plans) == 2, name  # the page and its count
        assert [tuple(row) for row in plans] == [(1, 0), (1, 0)], name
        assert mode == "auto", name


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_page_on_sqlite_reads_its_arms_only_as_far_as_it_needs(
    runtime: Runtime, directory: Directory
) -> None:
    """SQLite merges a compound SELECT's ordered arms lazily, so a page of a many-arm view
    reads about a page in all. Arms cut at a page each in subqueries were each read whole and
    sorted again: at 1M tickets the 20 arms of an agent's at-risk view took 8 ms instead of 1.
    Only her own tickets outside her teams stay a sorted page of their own, one per status."""
    who = Principal(directory.users["ayse"], Role.AGENT, frozenset({directory.teams["Support"]}))
    filt = views.resolve("at_risk", who, runtime.clock.now())
    async with runtime.stores() as store:
        page, _count = await explain(runtime.db.engine, store, who, filt, cap=lists.COUNT_CAP)
    details = [d for _i, _p, d in page]
    seeks = [d for d in details if d.startswith("SEARCH ticket")]
    sorts = [d for d in details if d.startswith("USE TEMP B-TREE")]
    assert "MERGE (UNION ALL)" in details, render(page)
    # team, no team and her own elsewhere, for each of the four unsolved statuses
    assert len(seeks) == 12, render(page)
    assert len(sorts) == 4, render(page)

"""A tag filter on every inbox view is an index seek: the page and the capped count read the tag
index (`ticket_tag`) in the page's order and each ticket by its key; never a scan of either table
or a sort of what they read, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bench.plans import explain, problems, render
from helpdesk.domain import Principal, Role
from helpdesk.inbox import lists, queries
from helpdesk.runtime import Runtime
from tests.inbox.support import Directory

# A whole-table read or a sort of either table's rows, in either database's words.
_BAD = re.compile(
    r"SCAN ticket(_tag)?\b(?! USING)|USE TEMP B-TREE|Seq Scan on ticket|Sort  \(|Bitmap Heap Scan"
)


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_each_view_with_a_tag_seeks_the_tag_index_in_page_order(
    runtime: Runtime, directory: Directory, role: str
) -> None:
    if role == "agent":
        who = Principal(
            directory.users["ayse"], Role.AGENT, frozenset({directory.teams["Support"]})
        )
    else:
        who = Principal(directory.users["sam"], Role.SUPERVISOR, frozenset())
    async with runtime.stores() as store:
        teams = await queries.teams(store)
        available = lists.views(who, teams, [])
    now = runtime.clock.now()
    dialect = runtime.db.engine.dialect.name
    checked = 0
    for view in available:
        for sort in ("due", "updated"):
            f = lists.Filters(sort=sort, tag="refund")
            filt = lists.resolve(view, who, now, f, teams)
            assert filt is not None and filt.tag == "refund"
            async with runtime.stores() as store:
                plans = await explain(runtime.db.engine, store, who, filt, cap=lists.COUNT_CAP)
            for plan in plans:  # each page phase, then the count
                text = render(plan)
                assert "ix_ticket_tag_" in text, f"{view.key} {sort}:\n{text}"
                assert not _BAD.search(text), f"{view.key} {sort}:\n{text}"
                assert problems(dialect, plan) == [], f"{view.key} {sort}:\n{text}"
                checked += 1
            # A search within a tag reads the full-text index and probes the tag per match.
            searched = replace(filt, text="printer")
            async with runtime.stores() as store:
                plans = await explain(runtime.db.engine, store, who, searched, cap=99)
            for plan in plans:
                assert problems(dialect, plan) == [], f"{view.key} search:\n{render(plan)}"
    assert checked >= len(available) * 4

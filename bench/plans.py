"""Query plans of the inbox's views: which index each statement reads, on SQLite and
PostgreSQL. Used by the plan tests and printed by `bench/inbox.py`."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk import listing
from helpdesk.domain import Principal
from helpdesk.listing import TicketFilter
from helpdesk.store import Store


async def explain(
    engine: AsyncEngine,
    store: Store,
    who: Principal,
    filters: TicketFilter,
    *,
    cap: int,
    discourage: bool = True,
    analyse: bool = False,
) -> list[list[tuple[int, int, str]]]:
    """The plan of each statement a first page and a count of `filters` run: per statement,
    (node id, parent id, text) rows (SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN lines
    numbered, with their indentation as the parent link left in the text).

    PostgreSQL is told to avoid sequential scans and sorts: on a test database's few rows (or
    without statistics) they are the cheapest, and the question asked is whether an index path
    that reads rows in the page's order exists at all. With them only discouraged, a statement
    that has no such path still shows its scan or sort. `discourage=False` (a benchmark's
    analysed tables) shows the plan the planner picks by itself. `analyse` (PostgreSQL only)
    runs the statements and adds what each node read: its rows, those its filter removed (of
    the plan `discourage` leaves, which may not be the one the planner would pick)."""
    dialect = engine.dialect.name
    if analyse and dialect != "postgresql":
        raise ValueError("only PostgreSQL's plans tell the rows each node read")
    targets = await listing.statements(store, who, filters, cap=cap)
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    if analyse:
        prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "

    def explained(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> Any:
        return prefix + sql, params

    captured: list[list[Any]] = []

    def fetched(_conn: Any, cursor: Any, *_rest: Any) -> None:
        # Read the plan off the driver's cursor: SQLAlchemy would match its rows against the
        # statement's own columns (and a cached compilation of it).
        captured.append(list(cursor.fetchall()))

    plans = []
    async with engine.connect() as conn:
        if dialect == "postgresql" and discourage:
            for knob in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                await conn.exec_driver_sql(f"SET {knob} = off")
        sync = conn.sync_connection
        assert sync is not None
        event.listen(sync, "before_cursor_execute", explained, retval=True)
        event.listen(sync, "after_cursor_execute", fetched)
        try:
            for statement, params in targets:
                plain = await conn.execution_options(compiled_cache=None)
                (await plain.execute(statement, params)).close()
                rows = captured.pop()
                if dialect == "sqlite":
                    plans.append([(int(r[0]), int(r[1]), str(r[3])) for r in rows])
                else:
                    plans.append([(i, -1, str(r[0])) for i, r in enumerate(rows)])
        finally:
            event.remove(sync, "before_cursor_execute", explained)
            event.remove(sync, "after_cursor_execute", fetched)
        await conn.rollback()
    return plans


PAGE_ROWS = 51  # a page and the row that says there is another
_TICKET_READ = re.compile(r"^(SCAN|SEARCH) ticket\b")


def problems(
    dialect: str, plan: list[tuple[int, int, str]], *, small_sorts_ok: bool = False
) -> list[str]:
    """What in a plan reads the whole ticket table or sorts rows read from it (a sort of the
    few rows a UNION of page-sized index seeks returns is fine). With `small_sorts_ok`, so is a
    PostgreSQL sort of a seek the planner expects a page or less from (analysed tables only:
    on a test database every estimate is small)."""
    if dialect == "sqlite":
        bad = [d for _i, _p, d in plan if re.match(r"SCAN ticket\b(?! USING)", d)]
        for _node, parent, detail in plan:
            if detail.startswith("USE TEMP B-TREE"):
                siblings = [d for _i, p, d in plan if p == parent and _TICKET_READ.match(d)]
                bad += [f"{detail} after {s}" for s in siblings]
        return bad
    lines = [d for _i, _p, d in plan]
    bad = [line.strip() for line in lines if "Seq Scan on ticket " in line + " "]
    for i, line in enumerate(lines):
        if line.strip().removeprefix("->").strip().startswith("Sort  "):
            child = next((c for c in lines[i + 1 :] if c.strip().startswith("->")), "")
            if not re.search(r"Scan.* on ticket\b", child):
                continue  # sorts what page-sized branches returned
            rows = re.search(r"rows=(\d+)", child)
            if small_sorts_ok and rows and int(rows.group(1)) <= PAGE_ROWS:
                continue  # the planner expects a page or less from the seek: sorting it is fine
            bad.append(f"{line.strip()} over {child.strip()}")
    return bad


def render(plan: list[tuple[int, int, str]]) -> str:
    return "\n".join(detail for _i, _p, detail in plan)

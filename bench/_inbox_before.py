"""The inbox benchmark's `--before`: the list query as it was before the search_0001 work (an
OR of the visibility rules, the cursor as `a < ? OR (a = ? AND b < ?)`, LIKE search), timed on
the same data with the indexes that work added dropped, and put back afterwards."""

from __future__ import annotations

import statistics
import time as clock
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import and_, exists, or_, select, text

from bench._inbox_seed import MANY_WORD, NO_WORD, Shape, sql_names
from helpdesk import queries
from helpdesk.runtime import Runtime
from helpdesk.tables import message_t, ticket_t


def legacy_cases(shape: Shape) -> list[tuple[str, Callable[[Runtime], Awaitable[int]]]]:
    """The list query as it was before search_0001 (helpdesk/queries.py at 84ccd73)."""
    agent = shape.agent
    cols = [ticket_t.c[c] for c in ("id", "number", "subject", "status", "priority",
            "category_id", "team_id", "assignee_id", "requester_id", "channel", "language",
            "tags", "created_at", "updated_at", "merged_into_id", "follow_up_of_id")]  # fmt: skip

    def old(
        team_id: int | None = None, textual: str | None = None, cursor: str | None = None,
        status: tuple[str, ...] = (),
    ) -> Callable[[Runtime], Awaitable[int]]:  # fmt: skip
        stmt = select(*cols).where(ticket_t.c.merged_into_id.is_(None))
        if status:
            stmt = stmt.where(ticket_t.c.status.in_(status))
        if team_id is not None:
            stmt = stmt.where(ticket_t.c.team_id == team_id)
        if textual:
            pattern = f"%{textual}%"
            in_messages = exists().where(
                message_t.c.ticket_id == ticket_t.c.id, message_t.c.full_text.ilike(pattern)
            )
            stmt = stmt.where(or_(ticket_t.c.subject.ilike(pattern), in_messages))
        stmt = stmt.where(
            or_(
                ticket_t.c.team_id.is_(None),
                ticket_t.c.team_id.in_(agent.team_ids),
                ticket_t.c.assignee_id == agent.user_id,
            )
        )
        if cursor is not None:
            u, i = queries.decode_cursor(cursor)
            stmt = stmt.where(
                or_(ticket_t.c.updated_at < u, and_(ticket_t.c.updated_at == u, ticket_t.c.id < i))
            )
        stmt = stmt.order_by(ticket_t.c.updated_at.desc(), ticket_t.c.id.desc()).limit(51)

        async def run(rt: Runtime) -> int:
            async with rt.stores() as store:
                return len((await store.execute(stmt)).all())

        return run

    return [
        ("agent default view", old()),
        ("team view (team_id filter)", old(team_id=shape.team)),
        ("pending", old(status=("pending",))),
        ("deep page (cursor)", old(cursor=shape.deep_cursor)),
        (f"search, many hits ({MANY_WORD})", old(textual=MANY_WORD)),
        ("search, no hits", old(textual=NO_WORD)),
    ]


NEW_INDEXES = ("ix_ticket_team_updated", "ix_ticket_assignee_updated", "ix_ticket_status_due",
               "ix_ticket_team_status_due", "ix_ticket_assignee_status_due")  # fmt: skip


async def time_before(rt: Runtime, shape: Shape, dialect: str) -> dict[str, float]:
    """The old query on the old indexes; the new ones are put back afterwards."""
    if dialect == "sqlite":
        ddl = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name IN ({})"
    else:
        ddl = "SELECT indexdef FROM pg_indexes WHERE indexname IN ({})"
    stats: list[Any] = []
    async with rt.stores() as store:
        saved = list((await store.execute(text(ddl.format(sql_names(NEW_INDEXES))))).scalars())
        for index in NEW_INDEXES:
            await store.execute(text(f"DROP INDEX {index}"))
        if dialect == "sqlite":
            # Nothing ran ANALYZE before: without statistics the planner picked the plans the
            # issue measured (a multi-index OR and a temporary B-tree sort).
            stats = list(await store.execute(text("SELECT tbl, idx, stat FROM sqlite_stat1")))
            await store.execute(text("DELETE FROM sqlite_stat1"))
            await store.execute(text("ANALYZE sqlite_master"))
    old = {}
    try:
        for name, fn in legacy_cases(shape):
            samples = []
            for _ in range(3):
                began = clock.perf_counter()
                await fn(rt)
                samples.append(clock.perf_counter() - began)
            old[name] = statistics.median(samples) * 1000
    finally:
        async with rt.stores() as store:
            for statement in saved:
                await store.execute(text(statement))
            for row in stats:
                await store.execute(
                    text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                    {"t": row.tbl, "i": row.idx, "s": row.stat},
                )
            if stats:
                await store.execute(text("ANALYZE sqlite_master"))
    return old

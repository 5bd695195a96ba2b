"""Many tickets at once for a test that needs a crowd (setting up, not behaviour under test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select

from helpdesk.store import Store
from helpdesk.tables import ticket_t


async def copy_ticket(
    store: Store, ticket_id: int, count: int, vary: Callable[[int], dict[str, Any]]
) -> None:
    """`count` copies of a ticket's row in one statement; `vary(i)` gives the i-th copy's own
    values, at least its `number` and `token` (both unique)."""
    template = (
        (await store.execute(select(ticket_t).where(ticket_t.c.id == ticket_id))).mappings().one()
    )
    rows = []
    for i in range(count):
        row = {k: v for k, v in template.items() if k != "id"}
        row.update(vary(i))
        rows.append(row)
    await store.execute(insert(ticket_t), rows)

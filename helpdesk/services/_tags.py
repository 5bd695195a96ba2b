"""The one writer of the tag index (`ticket_tag`): its rows follow the ticket row.

Every change of a ticket's tags, `updated_at` or `sla_next_due_at` goes through `touch` or
`set_sla_next_due`, which call in here in the same transaction, so the index never disagrees
with the ticket (the listing's tag filter reads only the index for its order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from helpdesk.store import Store
from helpdesk.tables import ticket_t
from helpdesk.tag_tables import ticket_tag_t

_DROP = delete(ticket_tag_t).where(ticket_tag_t.c.ticket_id == bindparam("t_id"))
# The rows copy the ticket's sort keys as they are now, after the ticket's own update.
_ADD = insert(ticket_tag_t).from_select(
    ["ticket_id", "tag", "updated_at", "sla_next_due_at"],
    select(
        ticket_t.c.id,
        bindparam("t_tag", type_=ticket_tag_t.c.tag.type),
        ticket_t.c.updated_at,
        ticket_t.c.sla_next_due_at,
    ).where(ticket_t.c.id == bindparam("t_id")),
)
_UPDATED = (
    update(ticket_tag_t)
    .where(ticket_tag_t.c.ticket_id == bindparam("t_id"))
    .values(updated_at=bindparam("t_updated", type_=ticket_tag_t.c.updated_at.type))
)
_DUE = (
    update(ticket_tag_t)
    .where(ticket_tag_t.c.ticket_id == bindparam("k_id"))
    .values(sla_next_due_at=bindparam("due", type_=ticket_tag_t.c.sla_next_due_at.type))
)


async def ticket_written(
    store: Store, ticket_id: int, tags: Sequence[str] | None, values: dict[str, Any]
) -> None:
    """After an update of ticket `ticket_id` that set `values` (always `updated_at`): `tags` is
    the ticket's tag list after it, as the update returned it."""
    if "tags" in values:
        await store.execute(_DROP, {"t_id": ticket_id})
        if tags:
            await store.execute(_ADD, [{"t_id": ticket_id, "t_tag": t} for t in tags])
    elif tags:  # an untagged ticket has no rows: its every message costs nothing here
        await store.execute(_UPDATED, {"t_id": ticket_id, "t_updated": values["updated_at"]})


async def dues_written(store: Store, rows: Iterable[dict[str, Any]]) -> None:
    """After `set_sla_next_due` wrote these {"k_id", "due"} rows to the tickets."""
    batch = list(rows)
    if batch:
        await store.execute(_DUE, batch)

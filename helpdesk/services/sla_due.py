"""The SLA due time the core keeps on each ticket, so views can sort and filter by it.

The core knows nothing about SLA policies: the SLA engine computes each ticket's soonest due
time and hands it over here whenever it writes clocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, update

from helpdesk.services import _tags
from helpdesk.store import Store
from helpdesk.tables import ticket_t

_SET_DUE = (
    update(ticket_t)
    .where(ticket_t.c.id == bindparam("k_id"))
    .values(sla_next_due_at=bindparam("due", type_=ticket_t.c.sla_next_due_at.type))
)


async def set_sla_next_due(store: Store, dues: Mapping[int, datetime | None]) -> None:
    """Record each ticket's soonest SLA due time (None: no running clock).

    Not an activity on the ticket: updated_at and the audit trail are left alone, and no event
    is recorded, because nothing a person did changed.
    """
    if dues:
        rows = [{"k_id": ticket_id, "due": due} for ticket_id, due in sorted(dues.items())]
        await store.execute(_SET_DUE, rows)
        await _tags.dues_written(store, rows)

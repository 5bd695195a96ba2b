"""The access audit: every time staff look at a customer's data, one row says who, what,
when and through which door (API, inbox, CLI).

Rows are written in the reading request's own unit of work: one small INSERT (or one
multi-row INSERT for a page that shows several customers) next to the reads, so a view that
was served is never missing from the log and the log costs no extra transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert

from helpdesk.privacy_tables import access_log_t
from helpdesk.store import Store

_INSERT = insert(access_log_t)


@dataclass(frozen=True, slots=True)
class Access:
    action: str  # ticket.view, attachment.read, customer.view, customer.export, ...
    customer_id: int | None = None
    ticket_id: int | None = None
    attachment_id: int | None = None


async def record_access(
    store: Store,
    user_id: int | None,
    via: str,
    accesses: Sequence[Access],
) -> None:
    """Log that `user_id` saw these items through `via` ("api", "inbox", "cli")."""
    if not accesses:
        return
    now = store.now()
    await store.execute(
        _INSERT,
        [
            {
                "at": now,
                "user_id": user_id,
                "via": via,
                "action": a.action,
                "customer_id": a.customer_id,
                "ticket_id": a.ticket_id,
                "attachment_id": a.attachment_id,
            }
            for a in accesses
        ],
    )

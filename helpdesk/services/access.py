"""The access audit: every time staff look at a customer's data, one row says who, what,
when and through which door (API, inbox, CLI).

`record_access` writes rows in the caller's unit of work. Request handlers use the batching
`helpdesk.access_recorder.AccessRecorder` instead, which collects views in memory and writes
them with one multi-row INSERT per batch, so a view costs no commit of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True, slots=True)
class Viewed:
    """One logged view: who, through which door, what, and when it happened."""

    user_id: int | None
    via: str
    access: Access
    at: datetime


async def record_access(
    store: Store,
    user_id: int | None,
    via: str,
    accesses: Sequence[Access],
) -> None:
    """Log that `user_id` saw these items through `via` ("api", "inbox", "cli"), now."""
    now = store.now()
    await record_views(store, [Viewed(user_id, via, a, now) for a in accesses])


async def record_views(store: Store, views: Sequence[Viewed]) -> None:
    """Write views collected earlier (each with its own time) in one statement."""
    if not views:
        return
    await store.execute(
        _INSERT,
        [
            {
                "at": v.at,
                "user_id": v.user_id,
                "via": v.via,
                "action": v.access.action,
                "customer_id": v.access.customer_id,
                "ticket_id": v.access.ticket_id,
                "attachment_id": v.access.attachment_id,
            }
            for v in views
        ],
    )

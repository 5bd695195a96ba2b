"""Helpers the service modules share: who is acting, audit rows, loading a ticket for update."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.engine import RowMapping

from helpdesk.domain import Actor, AuditKind
from helpdesk.errors import Inconsistent, NotFound
from helpdesk.services import _tags
from helpdesk.store import Store
from helpdesk.tables import audit_t, counter_t, ticket_t

_INSERT_AUDIT = insert(audit_t)
_NEXT_NUMBER = (
    update(counter_t)
    .where(counter_t.c.name == bindparam("counter_name"))
    .values(value=counter_t.c.value + 1)
    .returning(counter_t.c.value)
)
_NEXT_TICKET_NUMBER = text("SELECT nextval('ticket_number')")


async def audit(
    store: Store, ticket_id: int, actor: Actor, kind: AuditKind, /, **data: Any
) -> None:
    await store.execute(
        _INSERT_AUDIT,
        {
            "ticket_id": ticket_id,
            "at": store.now(),
            "actor_kind": actor.kind.value,
            "actor_user_id": actor.user_id,
            "actor_customer_id": actor.customer_id,
            "kind": kind.value,
            "data": data,
        },
    )


async def audit_config(
    store: Store, actor: Actor, kind: AuditKind, /, via: str | None = None, **data: Any
) -> None:
    """An audit entry for a change of configuration (a team, a user, a macro, a text): no
    ticket; the audit log lists these next to the tickets' entries. `via` names the way in
    when it was not the admin pages ("api", "cli"); the CLI's actor is the system."""
    if via is not None:
        data["via"] = via
    await store.execute(
        _INSERT_AUDIT,
        {
            "ticket_id": None,
            "at": store.now(),
            "actor_kind": actor.kind.value,
            "actor_user_id": actor.user_id,
            "actor_customer_id": None,
            "kind": kind.value,
            "data": data,
            "item": None if data.get("item") is None else str(data["item"])[:200],
        },
    )


# Built once: a ticket is loaded several times per request and job, and building the statement
# costs more than running it.
_TICKET_ROW = select(ticket_t).where(ticket_t.c.id == bindparam("k_id"))
_TICKET_ROW_LOCKED = _TICKET_ROW.with_for_update()


async def ticket_row(store: Store, ticket_id: int, *, for_update: bool = False) -> RowMapping:
    stmt = _TICKET_ROW_LOCKED if for_update and store.dialect == "postgresql" else _TICKET_ROW
    row = (await store.execute(stmt, {"k_id": ticket_id})).mappings().first()
    if row is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return row


async def next_ticket_number(store: Store) -> int:
    """The next ticket number. On PostgreSQL from a sequence, which holds no lock: the counter
    row's lock lasted until the creating transaction committed and queued every concurrent
    create behind it (tickets_0001). On SQLite from the counter row, under the write lock that
    serialises writers anyway. A rolled-back create skips its number on PostgreSQL."""
    if store.dialect == "postgresql":
        return int((await store.execute(_NEXT_TICKET_NUMBER)).scalar_one())
    result = await store.execute(_NEXT_NUMBER, {"counter_name": "ticket"})
    value = result.scalar_one_or_none()
    if value is None:
        raise Inconsistent("the ticket counter is missing: run `helpdesk db upgrade`")
    return int(value)


async def touch(store: Store, ticket_id: int, **values: Any) -> dict[str, Any]:
    """Update a ticket's fields and its last activity; returns the values written. Every
    change of a ticket's tags or `updated_at` comes through here, which keeps the tag index
    (`_tags`) in step with it."""
    values = {"updated_at": store.now(), **values}
    stmt = update(ticket_t).where(ticket_t.c.id == ticket_id).values(**values)
    tags = (await store.execute(stmt.returning(ticket_t.c.tags))).scalar_one_or_none()
    await _tags.ticket_written(store, ticket_id, tags, values)
    return values

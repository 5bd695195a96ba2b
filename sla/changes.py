"""SLA configuration changed by anyone (the admin pages, the API, the CLI): the one way each
save goes, each change recorded in the same unit of work twice: in `sla_change`, the SLA pages'
own history (by row, with how many open tickets the change re-evaluates), and in the core's
audit log (`audit_event`), where every configuration change is found in one place. (A
category's save is audited by the core's `save_category`; here it only gets its history row.)

A change is saved in two steps on the pages: `preview` runs the whole save (every check the API
makes, the references to other rows included) and rolls it back, answering how many open
tickets the real save will re-evaluate; the confirmed save then goes through `save`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, func, select, update

from helpdesk.domain import OPEN_STATUSES, Actor, AuditKind
from helpdesk.errors import NotFound
from helpdesk.services._common import audit_config
from helpdesk.store import Store, Stores
from helpdesk.tables import ticket_t
from sla import admin
from sla._config import bump_version
from sla.schemas import CalendarIn, LadderIn, PolicyIn
from sla.tables import calendar_t, change_t, ladder_t, policy_t

__all__ = [
    "AUDIT_KINDS", "KINDS", "delete", "move_policy", "open_tickets", "preview", "record", "save",
]  # fmt: skip

Saver = Callable[[Store, Any, int | None], Awaitable[int]]
# kind -> (the API's body model, the API's saver)
KINDS: dict[str, tuple[type[BaseModel], Saver]] = {
    "calendar": (CalendarIn, admin.save_calendar),
    "policy": (PolicyIn, admin.save_policy),
    "ladder": (LadderIn, admin.save_ladder),
}
_TABLES: dict[str, Table] = {"calendar": calendar_t, "policy": policy_t, "ladder": ladder_t}


# What a change of each kind of row is called in the audit log.
AUDIT_KINDS = {
    "calendar": AuditKind.SLA_CALENDAR_CHANGED,
    "policy": AuditKind.SLA_POLICY_CHANGED,
    "ladder": AuditKind.SLA_LADDER_CHANGED,
}


async def open_tickets(store: Store) -> int:
    """How many tickets a configuration change re-evaluates: every open one, as the
    re-evaluation job (`sla_reevaluate_open`) that the API queues after a change does."""
    count = await store.execute(
        select(func.count())
        .select_from(ticket_t)
        .where(ticket_t.c.status.in_([s.value for s in OPEN_STATUSES]))
    )
    return int(count.scalar_one())


class _RolledBack(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


async def preview(stores: Stores, kind: str, data: BaseModel, row_id: int | None = None) -> int:
    """Save as `save` would, then roll back: raises what the save would raise (ValidationFailed
    with per-field messages, Conflict, NotFound); answers how many open tickets it would
    re-evaluate."""
    _, saver = KINDS[kind]
    try:
        async with stores() as store:
            await saver(store, data, row_id)
            raise _RolledBack(await open_tickets(store))
    except _RolledBack as done:
        return done.count


async def record(
    store: Store,
    actor: Actor,
    kind: str,
    row_id: int,
    action: str,
    data: dict[str, Any],
    *,
    recomputes: bool = True,
    via: str | None = None,
) -> None:
    """Write the history row (and, but for a category, the audit entry) of a change made in
    this unit of work; with `recomputes`, the count of open tickets the change re-evaluates
    goes with it (else 0: a category renamed changes no clock). `via` names the API or the
    CLI (whose actor is the system); None is the admin pages."""
    count = await open_tickets(store) if recomputes else 0
    await store.execute(
        change_t.insert().values(
            at=store.now(),
            user_id=actor.user_id,
            kind=kind,
            row_id=row_id,
            action=action,
            data=data,
            open_tickets=count,
        )
    )
    if kind in AUDIT_KINDS:
        await audit_config(
            store, actor, AUDIT_KINDS[kind], via=via,
            action=action, id=row_id, item=str(data.get("name") or row_id), open_tickets=count,
        )  # fmt: skip


async def save(
    store: Store,
    actor: Actor,
    kind: str,
    data: BaseModel,
    row_id: int | None = None,
    *,
    via: str | None = None,
) -> int:
    """Create (row_id None) or replace a calendar, policy or ladder, validated and saved as the
    API saves it, and audited; returns its id. The caller queues the re-evaluation after commit
    (`sla.handlers.reevaluate_later`)."""
    _, saver = KINDS[kind]
    saved = await saver(store, data, row_id)
    action = "created" if row_id is None else "updated"
    await record(store, actor, kind, saved, action, data.model_dump(mode="json"), via=via)
    return saved


async def delete(
    store: Store, actor: Actor, kind: str, row_id: int, *, via: str | None = None
) -> None:
    """Delete a calendar, policy or ladder (a calendar a policy uses is a Conflict), audited
    under its name. The caller queues the re-evaluation after commit."""
    table = _TABLES[kind]
    name = (
        await store.execute(select(table.c.name).where(table.c.id == row_id))
    ).scalar_one_or_none()
    await admin.delete_row(store, table, row_id)  # NotFound when there was none
    await record(store, actor, kind, row_id, "deleted", {"name": name}, via=via)


async def move_policy(store: Store, actor: Actor, policy_id: int, step: int) -> None:
    """Move a policy `step` places earlier (negative) or later in the order policies are tried
    in; positions are renumbered ten apart. Moving past either end leaves it there."""
    rows = await store.execute(select(policy_t.c.id).order_by(policy_t.c.position, policy_t.c.id))
    order = [int(r) for r in rows.scalars()]
    if policy_id not in order:
        raise NotFound(f"no such policy: {policy_id}")
    at = order.index(policy_id)
    to = max(0, min(len(order) - 1, at + step))
    order.insert(to, order.pop(at))
    for position, row_id in enumerate(order):
        await store.execute(
            update(policy_t).where(policy_t.c.id == row_id).values(position=position * 10)
        )
    await bump_version(store)
    await record(store, actor, "policy", policy_id, "moved", {"from": at, "to": to})

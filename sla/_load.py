"""Loads what evaluations need in a few statements, for one ticket or a whole batch.

A pass over many tickets costs one statement per table for the batch instead of a dozen round
trips per ticket: the lock is one upsert, then tickets, target logs, messages, audit rows and
stored clocks are each read with one `IN` query. Statements are built once and take their
values as parameters, so SQLAlchemy reuses their compiled form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row, RowMapping
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter

from helpdesk.domain import AuditKind
from helpdesk.store import Store
from helpdesk.tables import audit_t, customer_t, message_t, ticket_t
from sla._config import CONFIG_VERSION
from sla.tables import clock_event_t, clock_t, escalation_t, sla_ticket_t, target_log_t

_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_STATUS_KINDS = (AuditKind.STATUS_CHANGED, AuditKind.REOPENED, AuditKind.MERGED_INTO)

_TICKETS = (
    select(
        ticket_t.c.id,
        ticket_t.c.number,
        ticket_t.c.subject,
        ticket_t.c.status,
        ticket_t.c.priority,
        ticket_t.c.requester_id,
        ticket_t.c.category_id,
        ticket_t.c.channel,
        ticket_t.c.tags,
        ticket_t.c.assignee_id,
        ticket_t.c.team_id,
        ticket_t.c.created_at,
        ticket_t.c.bot_id,
        ticket_t.c.handed_over_at,
        ticket_t.c.sla_next_due_at,
        customer_t.c.tier,
        CONFIG_VERSION,
    )
    .outerjoin(customer_t, customer_t.c.id == ticket_t.c.requester_id)
    .where(ticket_t.c.id.in_(_IDS))
)
_LOGS = (
    select(target_log_t)
    .where(target_log_t.c.ticket_id.in_(_IDS))
    .order_by(target_log_t.c.ticket_id, target_log_t.c.id)
)
_MESSAGES = (
    select(
        message_t.c.ticket_id,
        message_t.c.id,
        message_t.c.direction,
        message_t.c.author_kind,
        message_t.c.machine,
        message_t.c.created_at,
    )
    .where(message_t.c.ticket_id.in_(_IDS))
    .order_by(message_t.c.ticket_id, message_t.c.created_at, message_t.c.id)
)
_AUDITS = (
    select(audit_t.c.ticket_id, audit_t.c.id, audit_t.c.at, audit_t.c.kind, audit_t.c.data)
    .where(audit_t.c.ticket_id.in_(_IDS), audit_t.c.kind.in_(_STATUS_KINDS))
    .order_by(audit_t.c.ticket_id, audit_t.c.id)
)
# Events are append-only and numbered from 0 per instance, so their count says which of a
# fresh evaluation's events are new.
_EVENT_COUNT = (
    select(func.count())
    .where(
        clock_event_t.c.ticket_id == clock_t.c.ticket_id,
        clock_event_t.c.metric == clock_t.c.metric,
        clock_event_t.c.cycle == clock_t.c.cycle,
    )
    .scalar_subquery()
    .label("event_count")
)
_CLOCKS = select(clock_t, _EVENT_COUNT).where(clock_t.c.ticket_id.in_(_IDS))
_ESCALATIONS = select(
    escalation_t.c.ticket_id,
    escalation_t.c.metric,
    escalation_t.c.cycle,
    escalation_t.c.level,
    escalation_t.c.acknowledged_at,
).where(escalation_t.c.ticket_id.in_(_IDS))


@dataclass
class Loaded:
    """One ticket's rows as read at the start of its evaluation."""

    state: RowMapping
    ticket: RowMapping | None = None
    log: list[RowMapping] = field(default_factory=list)
    messages: list[Row[Any]] = field(default_factory=list)
    audits: list[Row[Any]] = field(default_factory=list)
    clocks: dict[tuple[str, int], RowMapping] = field(default_factory=dict)
    fired: dict[tuple[str, int], set[int]] | None = None
    acked: set[tuple[str, int]] = field(default_factory=set)


@cache
def _lock_statement(dialect: str) -> Executable:
    """Insert-or-touch the tickets' SLA rows, in id order, returning their state.

    The upsert takes SQLite's write lock at once, and PostgreSQL's row locks hold concurrent
    evaluators until this one commits; taking them in id order keeps passes from deadlocking.
    Selecting from `ticket` skips ids whose ticket does not exist.
    """
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    source = (
        select(
            ticket_t.c.id,
            literal(0, sla_ticket_t.c.version.type),
            bindparam("now", type_=sla_ticket_t.c.evaluated_at.type),
        )
        .where(ticket_t.c.id.in_(_IDS))
        .order_by(ticket_t.c.id)
    )
    stmt = dialect_insert(sla_ticket_t).from_select(
        ["ticket_id", "version", "evaluated_at"], source
    )
    return stmt.on_conflict_do_update(
        index_elements=["ticket_id"], set_={"evaluated_at": stmt.excluded.evaluated_at}
    ).returning(
        sla_ticket_t.c.ticket_id,
        sla_ticket_t.c.version,
        sla_ticket_t.c.armed_at,
        sla_ticket_t.c.policy_id,
        sla_ticket_t.c.calendar_id,
    )


async def load(
    store: Store, ids: Sequence[int], now: datetime, *, escalations: bool
) -> dict[int, Loaded]:
    """Lock and read `ids`; tickets that do not exist are absent from the result.

    `escalations`: also read fired escalation levels (only needed when a ladder exists).
    """
    if not ids:
        return {}
    locked = await store.execute(
        _lock_statement(store.dialect), {"ids": sorted(set(ids)), "now": now}
    )
    found = {int(row["ticket_id"]): Loaded(state=row) for row in locked.mappings()}
    if not found:
        return {}
    params = {"ids": sorted(found)}
    for row in (await store.execute(_TICKETS, params)).mappings():
        found[int(row["id"])].ticket = row
    for row in (await store.execute(_LOGS, params)).mappings():
        found[int(row["ticket_id"])].log.append(row)
    for message in await store.execute(_MESSAGES, params):
        found[int(message.ticket_id)].messages.append(message)
    for audit in await store.execute(_AUDITS, params):
        found[int(audit.ticket_id)].audits.append(audit)
    for row in (await store.execute(_CLOCKS, params)).mappings():
        found[int(row["ticket_id"])].clocks[(row["metric"], row["cycle"])] = row
    if escalations:
        for loaded in found.values():
            loaded.fired = {}
        for esc in await store.execute(_ESCALATIONS, params):
            entry = found[int(esc.ticket_id)]
            key = (esc.metric, esc.cycle)
            assert entry.fired is not None
            entry.fired.setdefault(key, set()).add(esc.level)
            if esc.acknowledged_at is not None:
                entry.acked.add(key)
    return {ticket_id: entry for ticket_id, entry in found.items() if entry.ticket is not None}

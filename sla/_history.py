"""Rebuilds a ticket's clock facts from the core's own records (messages and audit events).

The core's rows are the source of truth and are written in the same transaction as the change,
so a lost or failed event handler can never leave the SLA history incomplete: the next
evaluation reads the same facts. Only target changes are ours (`sla_target_log`), because which
policy applied when is an SLA decision the core does not record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from helpdesk.domain import AuditKind, AuthorKind, Direction, Status
from sla.facts import (
    AgentReply,
    Created,
    CustomerMessage,
    HandedOver,
    StatusChanged,
    TargetChanged,
    TicketFact,
)
from sla.policies import targets_from_json

# Within one instant: the message first, then the status move it caused, then target changes.
_MESSAGE, _STATUS, _TARGET = 0, 1, 2


def ticket_facts(
    ticket: Any, target_log: Sequence[Any], messages: Iterable[Any], audits: Iterable[Any]
) -> list[TicketFact]:
    """Chronological facts for `ticket` from its rows (`sla._load` reads them): messages in
    (created_at, id) order, status audit rows in id order, and the target log, whose entries
    after the first become TargetChanged."""
    keyed: list[tuple[datetime, int, int, TicketFact]] = []
    created_by = AuthorKind.CUSTOMER
    first = True
    for row in messages:
        kind = AuthorKind(row.author_kind)
        if first:
            first = False
            created_by = kind if row.direction == Direction.INBOUND.value else AuthorKind.AGENT
            if row.direction == Direction.INBOUND.value:
                continue  # the message that opened the ticket is the Created fact
        fact = _message_fact(row.direction, kind, row.machine, row.created_at)
        if fact is not None:
            keyed.append((row.created_at, _MESSAGE, row.id, fact))
    for row in audits:
        data = row.data or {}
        if row.kind == AuditKind.MERGED_INTO:
            fact_s: TicketFact = StatusChanged(row.at, Status.OPEN, Status.CLOSED)
        else:
            fact_s = StatusChanged(row.at, Status(data["old"]), Status(data["new"]))
        keyed.append((row.at, _STATUS, row.id, fact_s))
    for entry in target_log[1:]:
        change = TargetChanged(entry["at"], targets_from_json(entry["targets"]))
        keyed.append((entry["at"], _TARGET, int(entry["id"]), change))
    if ticket["handed_over_at"] is not None:
        keyed.append((ticket["handed_over_at"], _STATUS, 0, HandedOver(ticket["handed_over_at"])))
    keyed.sort(key=lambda item: item[:3])
    bot_owned = ticket["bot_id"] is not None
    created = Created(ticket["created_at"], Status.NEW, created_by, bot_owned=bot_owned)
    return [created, *(item[3] for item in keyed)]


def _message_fact(
    direction: str, kind: AuthorKind, machine: str | None, at: datetime
) -> TicketFact | None:
    if direction == Direction.INBOUND.value:
        # Auto-replies and bounces from the customer's side are nobody waiting for us.
        return CustomerMessage(at) if machine is None else None
    if kind is AuthorKind.CUSTOMER:
        return None  # not a reply from our side, whatever its direction says
    return AgentReply(at, public=direction == Direction.OUTBOUND.value, author_kind=kind)

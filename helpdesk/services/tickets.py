"""Ticket changes by agents: create on behalf of a customer, update fields, merge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, select, update

from helpdesk import events
from helpdesk.domain import (
    FIELD_AUDIT_KINDS,
    TAG_MAX,
    Actor,
    AuditKind,
    Role,
    Status,
    can_transition,
    normalise_tag,
)
from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.inbound import Identity, InboundMessage, IngestResult
from helpdesk.services import customers, notifications
from helpdesk.services._common import audit, ticket_row, touch
from helpdesk.services.ingest import ingest
from helpdesk.store import Store
from helpdesk.tables import (
    category_t,
    message_t,
    participant_t,
    team_member_t,
    team_t,
    thread_key_t,
    user_t,
)


class _Unset(Enum):
    UNSET = 0


UNSET = _Unset.UNSET


@dataclass(frozen=True, slots=True)
class TicketChanges:
    """Fields to change; a field left UNSET is not touched, None clears it."""

    status: Status | _Unset = UNSET
    priority: str | _Unset = UNSET
    category_id: int | _Unset | None = UNSET
    team_id: int | _Unset | None = UNSET
    assignee_id: int | _Unset | None = UNSET
    tags: Sequence[str] | _Unset = UNSET
    language: str | _Unset | None = UNSET


async def create_ticket(
    store: Store,
    actor: Actor,
    *,
    requester: Identity,
    subject: str,
    text: str,
    channel: str = "phone",
    external_id: str,
    priority: str | None = None,
    category: str | None = None,
) -> IngestResult:
    """Open a ticket on a customer's behalf (an agent logging a phone call).

    It goes through `ingest` so the customer, numbering and threading rules are the same as
    for any channel; `external_id` makes a retried API call create one ticket, not two.
    """
    result = await ingest(
        store,
        InboundMessage(
            channel=channel,
            external_id=external_id,
            sender=requester,
            subject=subject,
            text=text,
            full_text=text,
            received_at=store.now(),
            category=category,
            priority=priority,
            start_new=True,
        ),
    )
    if result.new and result.ticket_id is not None:
        await audit(store, result.ticket_id, actor, AuditKind.LOGGED_BY_AGENT, channel=channel)
    return result


async def update_ticket(
    store: Store,
    ticket_id: int,
    actor: Actor,
    changes: TicketChanges,
    *,
    reason: str | None = None,
    row: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Apply `changes` with the domain's transition rules; each change is an audit event.
    Returns the ticket's row as it now stands.

    `reason` (why an automatic decision was made: "category Billing by classifier,
    confidence 0.93") is kept on each audit event so the timeline can show it. `row`: the
    ticket's row as this transaction already read it, locked (routing's), not read again.
    """
    ticket = row if row is not None else await ticket_row(store, ticket_id, for_update=True)
    if ticket["merged_into_id"] is not None:
        raise Conflict(f"ticket #{ticket['number']} was merged and can no longer change")
    values: dict[str, Any] = {}
    changed: list[str] = []

    if changes.status is not UNSET and changes.status.value != ticket["status"]:
        await _change_status(store, ticket, actor, changes.status, values, reason)
    if changes.priority is not UNSET and changes.priority != ticket["priority"]:
        _require_open(ticket)
        values["priority"] = changes.priority
        changed.append("priority")
    if changes.category_id is not UNSET and changes.category_id != ticket["category_id"]:
        _require_open(ticket)
        await _require_exists(store, category_t, changes.category_id, "category_id")
        values["category_id"] = changes.category_id
        changed.append("category_id")
    team_id = ticket["team_id"] if changes.team_id is UNSET else changes.team_id
    if changes.team_id is not UNSET and changes.team_id != ticket["team_id"]:
        _require_open(ticket)
        await _require_exists(store, team_t, changes.team_id, "team_id")
        values["team_id"] = changes.team_id
        changed.append("team_id")
    if changes.assignee_id is not UNSET and changes.assignee_id != ticket["assignee_id"]:
        _require_open(ticket)
        if changes.assignee_id is not None:
            await _require_assignable(store, changes.assignee_id, team_id)
        values["assignee_id"] = changes.assignee_id
        changed.append("assignee_id")
    elif (
        changes.team_id is not UNSET
        and ticket["assignee_id"] is not None
        and team_id is not None
        and not await _is_member(store, ticket["assignee_id"], team_id)
    ):
        # Moving a ticket to another team takes it away from an assignee outside that team.
        values["assignee_id"] = None
        changed.append("assignee_id")
    if changes.tags is not UNSET:
        tags = sorted({normalise_tag(t) for t in changes.tags if normalise_tag(t)})
        if any(len(t) > TAG_MAX for t in tags):
            raise ValidationFailed({"tags": f"a tag has at most {TAG_MAX} characters"})
        if tags != sorted(ticket["tags"] or []):
            values["tags"] = tags
            changed.append("tags")

    if changes.language is not UNSET and changes.language != ticket["language"]:
        values["language"] = changes.language
        changed.append("language")

    if not values:
        return dict(ticket)
    written = await touch(store, ticket_id, **values)
    why = {"reason": reason} if reason else {}
    for name in changed:
        await audit(
            store,
            ticket_id,
            actor,
            FIELD_AUDIT_KINDS[name],
            old=_plain(ticket[name]),
            new=_plain(values[name]),
            **why,
        )
    if "assignee_id" in changed and values["assignee_id"] is not None:
        await notifications.notify(
            store,
            values["assignee_id"],
            kind="assignment",
            text=f"#{ticket['number']} {ticket['subject'] or '(no subject)'} is assigned to you",
            ticket_id=ticket_id,
            actor=actor,
        )
    if changed:
        store.record(
            events.TicketUpdated(ticket_id=ticket_id, at=store.now(), fields=tuple(changed))
        )
    return {**ticket, **written}


async def _change_status(
    store: Store,
    ticket: Any,
    actor: Actor,
    new: Status,
    values: dict[str, Any],
    reason: str | None = None,
) -> None:
    old = Status(ticket["status"])
    if not can_transition(old, new):
        raise Conflict(f"a {old.value} ticket cannot become {new.value}")
    values["status"] = new.value
    now = store.now()
    if new is Status.SOLVED:
        values["solved_at"] = now
    elif new is Status.CLOSED:
        values["closed_at"] = now
        values["solved_at"] = ticket["solved_at"] or now
    elif old is Status.SOLVED:
        values["solved_at"] = None
    why = {"reason": reason} if reason else {}
    await audit(
        store, ticket["id"], actor, AuditKind.STATUS_CHANGED, old=old.value, new=new.value, **why
    )
    store.record(events.StatusChanged(ticket_id=ticket["id"], at=now, old=old, new=new))


async def record_decision(
    store: Store, ticket_id: int, actor: Actor, kind: AuditKind, reason: str, **data: Any
) -> None:
    """Write an automatic decision that changed no field on the timeline ("triage: classifier
    unsure", "no agent has capacity: waiting"), so a person can see why nothing happened."""
    await ticket_row(store, ticket_id)
    await audit(store, ticket_id, actor, kind, reason=reason, **data)


# Built once: routing records the language of every new message.
_MESSAGE_META = select(message_t.c.meta).where(message_t.c.id == bindparam("k_id"))
_SET_MESSAGE_META = (
    update(message_t).where(message_t.c.id == bindparam("k_id")).values(meta=bindparam("k_meta"))
)


async def set_message_language(store: Store, message_id: int, language: str | None) -> None:
    """Record the language a message was written in (detected from its text)."""
    row = (await store.execute(_MESSAGE_META, {"k_id": message_id})).first()
    if row is None:
        return
    meta = dict(row.meta or {})
    if meta.get("language") == language:
        return
    meta["language"] = language
    await store.execute(_SET_MESSAGE_META, {"k_id": message_id, "k_meta": meta})


def _require_open(ticket: Any) -> None:
    if ticket["status"] == Status.CLOSED.value:
        raise Conflict(f"ticket #{ticket['number']} is closed")


async def _require_exists(store: Store, table: Any, row_id: int | None, field: str) -> None:
    if row_id is None:
        return
    found = (await store.execute(select(table.c.id).where(table.c.id == row_id))).first()
    if found is None:
        raise ValidationFailed({field: f"no such {field.removesuffix('_id')}: {row_id}"})


async def _require_assignable(store: Store, user_id: int, team_id: int | None) -> None:
    user = (
        await store.execute(select(user_t.c.role, user_t.c.active).where(user_t.c.id == user_id))
    ).first()
    if user is None or not user.active:
        raise ValidationFailed({"assignee_id": f"no active user {user_id}"})
    if user.role == Role.BOT.value:
        raise ValidationFailed({"assignee_id": "tickets are assigned to people, not bots"})
    if team_id is not None and not await _is_member(store, user_id, team_id):
        raise ValidationFailed({"assignee_id": f"user {user_id} is not a member of team {team_id}"})


async def _is_member(store: Store, user_id: int, team_id: int) -> bool:
    row = (
        await store.execute(
            select(team_member_t.c.user_id).where(
                team_member_t.c.user_id == user_id, team_member_t.c.team_id == team_id
            )
        )
    ).first()
    return row is not None


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


async def merge_tickets(store: Store, source_id: int, target_id: int, actor: Actor) -> None:
    """Merge `source` into `target`: the source closes, its participants and thread keys move
    over so later replies land in the target, and both keep their own messages and history."""
    if source_id == target_id:
        raise ValidationFailed({"target_id": "a ticket cannot be merged into itself"})
    # Both rows locked in id order, as batched SLA writes lock tickets: in any other order a
    # merge and an evaluation of the same two tickets could deadlock on PostgreSQL.
    locked = {
        i: await ticket_row(store, i, for_update=True) for i in sorted((source_id, target_id))
    }
    source, target = locked[source_id], locked[target_id]
    if source["merged_into_id"] is not None:
        raise Conflict(f"ticket #{source['number']} is already merged")
    if target["merged_into_id"] is not None or target["status"] == Status.CLOSED.value:
        raise Conflict(f"ticket #{target['number']} cannot take a merge: it is closed or merged")
    for customer_id in await _participant_ids(store, source_id):
        await customers.add_participant(store, target_id, customer_id)
    await store.execute(
        update(thread_key_t)
        .where(thread_key_t.c.ticket_id == source_id)
        .values(ticket_id=target_id)
    )
    now = store.now()
    await touch(
        store,
        source_id,
        status=Status.CLOSED.value,
        merged_into_id=target_id,
        closed_at=now,
        solved_at=source["solved_at"] or now,
    )
    await touch(store, target_id)
    await audit(
        store, source_id, actor, AuditKind.MERGED_INTO, ticket_id=target_id, number=target["number"]
    )
    await audit(
        store, target_id, actor, AuditKind.MERGED_FROM, ticket_id=source_id, number=source["number"]
    )
    store.record(
        events.StatusChanged(
            ticket_id=source_id, at=now, old=Status(source["status"]), new=Status.CLOSED
        ),
        events.TicketMerged(ticket_id=source_id, at=now, into_ticket_id=target_id),
    )


async def _participant_ids(store: Store, ticket_id: int) -> list[int]:
    rows = await store.execute(
        select(participant_t.c.customer_id).where(participant_t.c.ticket_id == ticket_id)
    )
    return [int(r) for r in rows.scalars()]

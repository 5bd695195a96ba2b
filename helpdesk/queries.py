"""Read models: what the API and the inbox show. Column selects on indexed paths, no ORM objects.

Reads change nothing, so they live beside the services rather than in them.

Ticket lists live in helpdesk.listing and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from helpdesk.domain import Principal, Role, SurveyStatus, may_access_ticket
from helpdesk.errors import Forbidden, NotFound
from helpdesk.listing import (
    COUNT_CAP,
    LIST_COLUMNS,
    MAX_PAGE,
    Count,
    Page,
    Sort,
    TicketFilter,
    check_cursor,
    count_tickets,
    decode_cursor,
    encode_cursor,
    list_tickets,
)
from helpdesk.store import Store
from helpdesk.tables import (
    attachment_t,
    audit_t,
    category_t,
    customer_t,
    identity_t,
    message_t,
    participant_t,
    survey_t,
    team_member_t,
    team_t,
    ticket_t,
    user_t,
)

__all__ = [
    "COUNT_CAP",
    "MAX_PAGE",
    "Count",
    "Page",
    "Sort",
    "TicketDetail",
    "TicketFilter",
    "check_cursor",
    "count_tickets",
    "decode_cursor",
    "encode_cursor",
    "list_tickets",
]

_LIST_COLUMNS = LIST_COLUMNS


@dataclass(frozen=True, slots=True)
class TicketDetail:
    ticket: dict[str, Any]
    requester: dict[str, Any]
    participants: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    merged_from: list[int] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)


async def ticket_access(store: Store, who: Principal, ticket_id: int) -> RowMapping:
    """The ticket row if it exists and `who` may see it: NotFound or Forbidden otherwise."""
    row = (
        (await store.execute(select(*_LIST_COLUMNS).where(ticket_t.c.id == ticket_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    own_bot_ticket = who.role is Role.BOT and row["bot_id"] == who.user_id
    if not own_bot_ticket and not may_access_ticket(who, row["team_id"], row["assignee_id"]):
        raise Forbidden(f"ticket {ticket_id} belongs to a team you are not in")
    return row


async def ticket_detail(store: Store, who: Principal, ticket_id: int) -> TicketDetail:
    """One ticket with its requester, participants, messages (its own and those of tickets
    merged into it) and audit trail, oldest first."""
    row = await ticket_access(store, who, ticket_id)
    merged_from = [
        int(i)
        for i in (
            await store.execute(select(ticket_t.c.id).where(ticket_t.c.merged_into_id == ticket_id))
        ).scalars()
    ]
    ids = [ticket_id, *merged_from]
    messages = [
        dict(m)
        for m in (
            await store.execute(
                select(
                    message_t.c.id,
                    message_t.c.ticket_id,
                    message_t.c.direction,
                    message_t.c.author_kind,
                    message_t.c.author_customer_id,
                    message_t.c.author_user_id,
                    message_t.c.channel,
                    message_t.c.external_id,
                    message_t.c.subject,
                    message_t.c.text,
                    message_t.c.full_text,
                    message_t.c.html,
                    message_t.c.machine,
                    message_t.c.delivery_state,
                    message_t.c.delivery_error,
                    message_t.c.created_at,
                )
                .where(message_t.c.ticket_id.in_(ids))
                .order_by(message_t.c.created_at, message_t.c.id)
            )
        ).mappings()
    ]
    attachments = await _attachments_by_message(store, [m["id"] for m in messages])
    for message in messages:
        message["attachments"] = attachments.get(message["id"], [])
    audit = [
        dict(a)
        for a in (
            await store.execute(
                select(
                    audit_t.c.id,
                    audit_t.c.ticket_id,
                    audit_t.c.at,
                    audit_t.c.actor_kind,
                    audit_t.c.actor_user_id,
                    audit_t.c.actor_customer_id,
                    audit_t.c.kind,
                    audit_t.c.data,
                )
                .where(audit_t.c.ticket_id == ticket_id)
                .order_by(audit_t.c.id)
            )
        ).mappings()
    ]
    participants = await _participants(store, ticket_id)
    requester = next(
        (p for p in participants if p["customer_id"] == row["requester_id"]),
        {"customer_id": row["requester_id"], "name": "", "role": "requester", "identities": []},
    )
    surveys = await _surveys(store, ticket_id)
    return TicketDetail(dict(row), requester, participants, messages, audit, merged_from, surveys)


async def _surveys(store: Store, ticket_id: int) -> list[dict[str, Any]]:
    """The CSAT surveys that went out for the ticket, one per resolution, oldest first."""
    rows = await store.execute(
        select(
            survey_t.c.id,
            survey_t.c.status,
            survey_t.c.channel,
            survey_t.c.sent_at,
            survey_t.c.expires_at,
            survey_t.c.rating,
            survey_t.c.comment,
            survey_t.c.rated_at,
            survey_t.c.agent_id,
            survey_t.c.team_id,
        )
        .where(
            survey_t.c.ticket_id == ticket_id,
            survey_t.c.status.in_(
                [SurveyStatus.SENT.value, SurveyStatus.RATED.value, SurveyStatus.EXPIRED.value]
            ),
        )
        .order_by(survey_t.c.id)
    )
    return [dict(r) for r in rows.mappings()]


async def _attachments_by_message(
    store: Store, message_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    if not message_ids:
        return {}
    rows = await store.execute(
        select(
            attachment_t.c.id,
            attachment_t.c.message_id,
            attachment_t.c.filename,
            attachment_t.c.content_type,
            attachment_t.c.size,
            attachment_t.c.sha256,
            attachment_t.c.content_id,
            attachment_t.c.inline,
        )
        .where(attachment_t.c.message_id.in_(message_ids))
        .order_by(attachment_t.c.id)
    )
    result: dict[int, list[dict[str, Any]]] = {}
    for r in rows.mappings():
        result.setdefault(r["message_id"], []).append(dict(r))
    return result


async def _participants(store: Store, ticket_id: int) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(
            participant_t.c.customer_id,
            participant_t.c.role,
            customer_t.c.name,
            identity_t.c.kind,
            identity_t.c.address,
        )
        .join(customer_t, customer_t.c.id == participant_t.c.customer_id)
        .join(identity_t, identity_t.c.customer_id == customer_t.c.id, isouter=True)
        .where(participant_t.c.ticket_id == ticket_id)
        .order_by(participant_t.c.role.desc(), participant_t.c.customer_id, identity_t.c.id)
    )
    people: dict[int, dict[str, Any]] = {}
    for r in rows:
        person = people.setdefault(
            r.customer_id,
            {"customer_id": r.customer_id, "name": r.name, "role": r.role, "identities": []},
        )
        if r.kind is not None:
            person["identities"].append({"kind": r.kind, "address": r.address})
    return list(people.values())


async def list_teams(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(team_t.c.id, team_t.c.name, team_t.c.email, team_t.c.supervisor_id).order_by(
            team_t.c.name
        )
    )
    teams = [dict(r) for r in rows.mappings()]
    members = await store.execute(select(team_member_t.c.team_id, team_member_t.c.user_id))
    by_team: dict[int, list[int]] = {}
    for m in members:
        by_team.setdefault(m.team_id, []).append(m.user_id)
    for team in teams:
        team["member_ids"] = sorted(by_team.get(team["id"], []))
    return teams


async def list_categories(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(
            category_t.c.id,
            category_t.c.slug,
            category_t.c.name,
            category_t.c.parent_id,
            category_t.c.default_team_id,
            category_t.c.default_priority,
        ).order_by(category_t.c.slug)
    )
    return [dict(r) for r in rows.mappings()]


async def list_users(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(user_t.c.id, user_t.c.email, user_t.c.name, user_t.c.role, user_t.c.active).order_by(
            user_t.c.id
        )
    )
    users = [dict(r) for r in rows.mappings()]
    members = await store.execute(select(team_member_t.c.team_id, team_member_t.c.user_id))
    by_user: dict[int, list[int]] = {}
    for m in members:
        by_user.setdefault(m.user_id, []).append(m.team_id)
    for user in users:
        user["team_ids"] = sorted(by_user.get(user["id"], []))
    return users


async def attachment(store: Store, attachment_id: int) -> dict[str, Any] | None:
    """An attachment's metadata with the ticket it belongs to, for access checks."""
    row = (
        (
            await store.execute(
                select(
                    attachment_t.c.id,
                    attachment_t.c.filename,
                    attachment_t.c.content_type,
                    attachment_t.c.size,
                    attachment_t.c.sha256,
                    message_t.c.ticket_id,
                )
                .join(message_t, message_t.c.id == attachment_t.c.message_id)
                .where(attachment_t.c.id == attachment_id)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def ticket_id_by_number(store: Store, number: int) -> int | None:
    """The internal id of the ticket people know as `number`."""
    found = (
        await store.execute(select(ticket_t.c.id).where(ticket_t.c.number == number))
    ).scalar_one_or_none()
    return None if found is None else int(found)


async def ticket_subjects(store: Store, ticket_ids: list[int]) -> dict[int, str]:
    """Each ticket's subject by id, for lists that name tickets (the rules' dry-run)."""
    if not ticket_ids:
        return {}
    rows = await store.execute(
        select(ticket_t.c.id, ticket_t.c.subject).where(ticket_t.c.id.in_(ticket_ids))
    )
    return {int(r.id): str(r.subject or "") for r in rows}

"""Read models: what the API and the inbox show. Column selects on indexed paths, no ORM objects.

Reads change nothing, so they live beside the services rather than in them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.engine import RowMapping

from helpdesk.domain import Principal, Role, Status, SurveyStatus, may_access_ticket
from helpdesk.errors import Forbidden, NotFound, ValidationFailed
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

MAX_PAGE = 200

_LIST_COLUMNS = (
    ticket_t.c.id,
    ticket_t.c.number,
    ticket_t.c.subject,
    ticket_t.c.status,
    ticket_t.c.priority,
    ticket_t.c.category_id,
    ticket_t.c.team_id,
    ticket_t.c.assignee_id,
    ticket_t.c.requester_id,
    ticket_t.c.channel,
    ticket_t.c.language,
    ticket_t.c.tags,
    ticket_t.c.created_at,
    ticket_t.c.updated_at,
    ticket_t.c.merged_into_id,
    ticket_t.c.follow_up_of_id,
    ticket_t.c.bot_id,
    ticket_t.c.handed_over_at,
)


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: tuple[Status, ...] = ()
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    category_id: int | None = None
    priority: str | None = None
    text: str | None = None
    updated_since: datetime | None = None
    include_merged: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class TicketDetail:
    ticket: dict[str, Any]
    requester: dict[str, Any]
    participants: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    merged_from: list[int] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)


def encode_cursor(updated_at: datetime, ticket_id: int) -> str:
    raw = f"{updated_at.isoformat()}|{ticket_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed({"cursor": "not a cursor this API returned"}) from None


async def list_tickets(
    store: Store,
    who: Principal,
    filters: TicketFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Tickets the caller may see, most recently updated first, one keyset page at a time.

    Keyset (updated_at, id) instead of OFFSET keeps page 1,000 as fast as page 1 and stable
    while tickets change underneath.
    """
    limit = max(1, min(limit, MAX_PAGE))
    stmt: Select[Any] = select(*_LIST_COLUMNS)
    stmt = _apply_filters(stmt, filters)
    if who.role is Role.BOT:
        stmt = stmt.where(ticket_t.c.bot_id == who.user_id)  # a bot's queue is its own tickets
    else:
        # People's queues skip what a bot still owns; it appears when the bot hands it over.
        stmt = stmt.where(or_(ticket_t.c.bot_id.is_(None), ticket_t.c.handed_over_at.is_not(None)))
    if not who.sees_everything and who.role is not Role.BOT:
        stmt = stmt.where(
            or_(
                ticket_t.c.team_id.is_(None),
                ticket_t.c.team_id.in_(who.team_ids or {-1}),
                ticket_t.c.assignee_id == who.user_id,
            )
        )
    if cursor is not None:
        updated_at, ticket_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                ticket_t.c.updated_at < updated_at,
                and_(ticket_t.c.updated_at == updated_at, ticket_t.c.id < ticket_id),
            )
        )
    stmt = stmt.order_by(ticket_t.c.updated_at.desc(), ticket_t.c.id.desc()).limit(limit + 1)
    rows = [dict(r) for r in (await store.execute(stmt)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["updated_at"], rows[-1]["id"]) if more and rows else None
    return Page(rows, next_cursor)


def _apply_filters(stmt: Select[Any], f: TicketFilter) -> Select[Any]:
    if f.status:
        stmt = stmt.where(ticket_t.c.status.in_([s.value for s in f.status]))
    if f.team_id is not None:
        stmt = stmt.where(ticket_t.c.team_id == f.team_id)
    if f.unassigned:
        stmt = stmt.where(ticket_t.c.assignee_id.is_(None))
    elif f.assignee_id is not None:
        stmt = stmt.where(ticket_t.c.assignee_id == f.assignee_id)
    if f.category_id is not None:
        stmt = stmt.where(ticket_t.c.category_id == f.category_id)
    if f.priority is not None:
        stmt = stmt.where(ticket_t.c.priority == f.priority)
    if f.updated_since is not None:
        stmt = stmt.where(ticket_t.c.updated_at >= f.updated_since)
    if not f.include_merged:
        stmt = stmt.where(ticket_t.c.merged_into_id.is_(None))
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_messages = exists().where(
            message_t.c.ticket_id == ticket_t.c.id,
            message_t.c.full_text.ilike(pattern, escape="\\"),
        )
        matches = [ticket_t.c.subject.ilike(pattern, escape="\\"), in_messages]
        if f.text.lstrip("#").isdigit():
            matches.append(ticket_t.c.number == int(f.text.lstrip("#")))
        stmt = stmt.where(or_(*matches))
    return stmt


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

"""Ticket endpoints: list, read, create, change, reply, note, merge, attachments."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

import nh3
from starlette.requests import Request
from starlette.responses import Response

from helpdesk import queries, services, views
from helpdesk.api.schemas import MergeRequest, NoteCreate, ReplyCreate, TicketCreate, TicketPatch
from helpdesk.domain import Principal, Role, Status
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import ok, parse_body, query_int
from helpdesk.inbound import Identity
from helpdesk.privacy import note_access
from helpdesk.runtime import Runtime
from helpdesk.services import UNSET, Actor, TicketChanges
from helpdesk.services.access import Access


def actor_of(who: Principal) -> Actor:
    return Actor.user(who.user_id, bot=who.role is Role.BOT)


def _ticket_id(request: Request) -> int:
    value: int = request.path_params["ticket_id"]
    return value


async def list_tickets(rt: Runtime, request: Request, who: Principal) -> Response:
    filters, limit, cursor = _list_params(request, who, rt.clock.now())
    async with rt.stores.read() as store:  # a read never waits behind writers
        page = await queries.list_tickets(store, who, filters, limit=limit, cursor=cursor)
    return ok({"items": page.items, "next_cursor": page.next_cursor})


def _list_params(
    request: Request, who: Principal, now: datetime
) -> tuple[queries.TicketFilter, int, str | None]:
    q = request.query_params
    errors: dict[str, str] = {}
    statuses: list[Status] = []
    for name in filter(None, (q.get("status") or "").split(",")):
        try:
            statuses.append(Status(name.strip()))
        except ValueError:
            errors["status"] = f"unknown status {name!r}; use {', '.join(s.value for s in Status)}"

    def integer(name: str, low: int = 1, high: int = 2**31) -> int | None:
        return query_int(request, name, errors, low=low, high=high)

    assignee = q.get("assignee_id")
    unassigned = assignee == "none"
    assignee_id = who.user_id if assignee == "me" else None
    if assignee not in (None, "", "me", "none"):
        assignee_id = integer("assignee_id")
    priority = q.get("priority") or None
    if priority is not None and priority not in ("low", "normal", "high", "urgent"):
        errors["priority"] = "must be low, normal, high or urgent"
    since = None
    if q.get("updated_since"):
        try:
            since = datetime.fromisoformat(q["updated_since"])
        except ValueError:
            errors["updated_since"] = "must be an ISO 8601 date-time"
        else:
            if since.tzinfo is None:
                errors["updated_since"] = "must include a time zone, e.g. 2026-11-22T10:00:00Z"
    limit = integer("limit", 1, queries.MAX_PAGE) or 50
    sort = queries.Sort.UPDATED
    if q.get("sort"):
        try:
            sort = queries.Sort(q["sort"])
        except ValueError:
            errors["sort"] = "must be updated or due"
    filters = queries.TicketFilter(
        sort=sort,
        channel=(q.get("channel") or "").strip()[:32] or None,
        status=tuple(statuses),
        team_id=integer("team_id"),
        assignee_id=assignee_id,
        unassigned=unassigned,
        category_id=integer("category_id"),
        priority=priority,
        text=(q.get("q") or "").strip()[:200] or None,
        updated_since=since,
    )
    if q.get("view") and not errors:
        try:
            filters = views.resolve(q["view"], who, now, filters)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        else:
            if q.get("sort"):
                filters = replace(filters, sort=sort)
    if errors:
        raise ValidationFailed(errors)
    cursor = q.get("cursor") or None
    if cursor is not None:
        queries.check_cursor(cursor)  # a bad cursor is the caller's error: 422 before querying
    return filters, limit, cursor


async def get_ticket(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        detail = await queries.ticket_detail(store, who, _ticket_id(request))
    await note_access(
        rt,
        who.user_id,
        "api",
        [Access("ticket.view", detail.ticket["requester_id"], detail.ticket["id"])],
    )
    return ok(
        {
            **detail.ticket,
            "requester": detail.requester,
            "participants": detail.participants,
            "messages": detail.messages,
            "audit": detail.audit,
            "merged_from": detail.merged_from,
            "surveys": detail.surveys,
        }
    )


async def create_ticket(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, TicketCreate)
    if body.requester.email:
        identity = Identity("email", str(body.requester.email), body.requester.name)
    elif body.requester.phone:
        identity = Identity("phone", body.requester.phone.replace(" ", ""), body.requester.name)
    else:
        raise ValidationFailed({"requester": "give an email or a phone number"})
    # A client retrying after a timeout sends the same key and gets the same ticket back.
    key = request.headers.get("idempotency-key") or uuid.uuid4().hex
    async with rt.stores() as store:
        result = await services.create_ticket(
            store,
            actor_of(who),
            requester=identity,
            subject=body.subject,
            text=body.text,
            channel=body.channel,
            external_id=f"api:{who.user_id}:{key[:200]}",
            priority=body.priority.value if body.priority else None,
            category=body.category,
        )
    return ok(
        {"id": result.ticket_id, "number": result.ticket_number, "created": result.new},
        status=201 if result.new else 200,
    )


async def patch_ticket(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, TicketPatch)
    given = body.model_fields_set
    changes = TicketChanges(
        status=body.status if body.status is not None else UNSET,
        priority=body.priority.value if body.priority is not None else UNSET,
        category_id=body.category_id if "category_id" in given else UNSET,
        team_id=body.team_id if "team_id" in given else UNSET,
        assignee_id=body.assignee_id if "assignee_id" in given else UNSET,
        tags=body.tags if body.tags is not None else UNSET,
    )
    ticket_id = _ticket_id(request)
    async with rt.stores() as store:
        await queries.ticket_access(store, who, ticket_id)
        await services.update_ticket(store, ticket_id, actor_of(who), changes)
    async with rt.stores() as store:
        row = await queries.ticket_access(store, who, ticket_id)
    return ok(dict(row))


async def post_reply(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, ReplyCreate)
    ticket_id = _ticket_id(request)
    async with rt.stores() as store:
        await queries.ticket_access(store, who, ticket_id)
        posted = await services.reply(
            store,
            ticket_id,
            actor_of(who),
            body.text,
            html=nh3.clean(body.html) if body.html else None,
            status=body.status,
        )
    return ok({"message_id": posted.message_id, "outbox_id": posted.outbox_id}, status=201)


async def post_note(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, NoteCreate)
    ticket_id = _ticket_id(request)
    async with rt.stores() as store:
        await queries.ticket_access(store, who, ticket_id)
        posted = await services.add_note(store, ticket_id, actor_of(who), body.text)
    return ok({"message_id": posted.message_id}, status=201)


async def merge(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, MergeRequest)
    ticket_id = _ticket_id(request)
    async with rt.stores() as store:
        await queries.ticket_access(store, who, ticket_id)
        try:
            await queries.ticket_access(store, who, body.into_ticket_id)
        except NotFound:
            raise ValidationFailed({"into_ticket_id": "no such ticket"}) from None
        await services.merge_tickets(store, ticket_id, body.into_ticket_id, actor_of(who))
    return ok({"merged": ticket_id, "into": body.into_ticket_id})


async def get_attachment(rt: Runtime, request: Request, who: Principal) -> Response:
    attachment_id: int = request.path_params["attachment_id"]
    async with rt.stores() as store:
        found = await queries.attachment(store, attachment_id)
        if found is None:
            raise NotFound(f"attachment {attachment_id} does not exist")
        ticket = await queries.ticket_access(store, who, found["ticket_id"])
    await note_access(
        rt,
        who.user_id,
        "api",
        [Access("attachment.read", ticket["requester_id"], ticket["id"], attachment_id)],
    )
    content = await rt.blobs.get(found["sha256"])
    headers: dict[str, Any] = {
        # Never rendered inline from our origin: an uploaded HTML file must not run as our page.
        "Content-Disposition": _attachment_disposition(found["filename"]),
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type=found["content_type"], headers=headers)


def _attachment_disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"

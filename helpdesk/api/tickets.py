"""Ticket endpoints: list, read, create, change, reply, note, merge, attachments."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import nh3
from starlette.requests import Request
from starlette.responses import Response

from helpdesk import queries, services, views
from helpdesk.api.schemas import (
    MergeRequest,
    NoteCreate,
    ReplyCreate,
    TicketCreate,
    TicketListQuery,
    TicketPatch,
)
from helpdesk.domain import Principal, Role, Status, normalise_tag
from helpdesk.endpoints import query
from helpdesk.errors import Forbidden, NotFound, ValidationFailed
from helpdesk.http import ok, parse_body
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
    q = query(request, TicketListQuery)
    filters = queries.TicketFilter(
        status=tuple(Status(name) for name in q.status.split(",")) if q.status else (),
        team_id=q.team_id,
        assignee_id=who.user_id
        if q.assignee_id == "me"
        else (q.assignee_id if isinstance(q.assignee_id, int) else None),
        unassigned=q.assignee_id == "none",
        category_id=q.category_id,
        priority=q.priority.value if q.priority else None,
        text=(q.q or "").strip() or None,
        updated_since=q.updated_since,
        channel=q.channel,
        tag=normalise_tag(q.tag) if q.tag else None,
        sort=queries.Sort(q.sort) if q.sort else queries.Sort.UPDATED,
    )
    if q.view:  # a named view; the caller's own filters narrow it, their sort wins
        filters = views.resolve(q.view, who, rt.clock.now(), filters)
        if q.sort:
            filters = replace(filters, sort=queries.Sort(q.sort))
    if q.cursor is not None:
        queries.check_cursor(q.cursor)  # a bad cursor is the caller's error: 422 before querying
    async with rt.stores.read() as store:  # a read never waits behind writers
        page = await queries.list_tickets(store, who, filters, limit=q.limit, cursor=q.cursor)
    return ok({"items": page.items, "next_cursor": page.next_cursor})


async def get_ticket(rt: Runtime, request: Request, who: Principal) -> Response:
    return await _detail(rt, who, _ticket_id(request))


async def get_ticket_by_number(rt: Runtime, request: Request, who: Principal) -> Response:
    number: int = request.path_params["number"]
    async with rt.stores.read() as store:
        ticket_id = await queries.ticket_id_by_number(store, number)
    if ticket_id is None:
        raise NotFound(f"no ticket number {number}")
    return await _detail(rt, who, ticket_id)


async def _detail(rt: Runtime, who: Principal, ticket_id: int) -> Response:
    async with rt.stores.read() as store:  # a read never waits behind writers
        detail = await queries.ticket_detail(store, who, ticket_id)
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
        # Decided before the commit: a change that takes the ticket out of the caller's sight
        # (another team, another assignee) raises Forbidden here and rolls back whole.
        try:
            row = await queries.ticket_access(store, who, ticket_id)
        except Forbidden:
            raise Forbidden(
                "this change would move the ticket out of your teams; nothing was changed"
            ) from None
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

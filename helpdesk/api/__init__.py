"""The JSON API under /api/v1: one table of endpoints drives both the routes and the OpenAPI
document, so the document cannot drift from what is served."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from helpdesk.api import directory, tickets
from helpdesk.api.schemas import MergeRequest, NoteCreate, ReplyCreate, TicketCreate, TicketPatch
from helpdesk.auth import principal, require_role
from helpdesk.domain import Principal, Role
from helpdesk.runtime import Runtime

Handler = Callable[[Runtime, Request, Principal], Awaitable[Response]]
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.BOT)
PREFIX = "/api/v1"


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    query: tuple[Query, ...] = ()
    status: int = 200
    roles: tuple[Role, ...] = STAFF


_INT = {"type": "integer", "minimum": 1}
LIST_QUERY = (
    Query("status", "Comma-separated statuses", {"type": "string", "example": "new,open"}),
    Query("team_id", "Owning team", _INT),
    Query("assignee_id", "An agent id, `me` or `none`", {"type": "string"}),
    Query("category_id", "Category", _INT),
    Query("priority", "Priority", {"enum": ["low", "normal", "high", "urgent"]}),
    Query("q", "Text in the subject or any message, or a ticket number", {"type": "string"}),
    Query(
        "updated_since", "ISO 8601 date-time with zone", {"type": "string", "format": "date-time"}
    ),
    Query("limit", "Page size (1-200, default 50)", {"type": "integer", "maximum": 200}),
    Query("cursor", "`next_cursor` of the previous page", {"type": "string"}),
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/tickets", tickets.list_tickets, "List tickets", query=LIST_QUERY),
    Endpoint("POST", "/tickets", tickets.create_ticket, "Log a ticket for a customer",
             body=TicketCreate, status=201),
    Endpoint("GET", "/tickets/{ticket_id:int}", tickets.get_ticket,
             "A ticket with its messages and audit trail"),
    Endpoint("PATCH", "/tickets/{ticket_id:int}", tickets.patch_ticket,
             "Change status, priority, category, team, assignee or tags", body=TicketPatch),
    Endpoint("POST", "/tickets/{ticket_id:int}/replies", tickets.post_reply,
             "Reply to the customer", body=ReplyCreate, status=201),
    Endpoint("POST", "/tickets/{ticket_id:int}/notes", tickets.post_note, "Add an internal note",
             body=NoteCreate, status=201),
    Endpoint("POST", "/tickets/{ticket_id:int}/merge", tickets.merge,
             "Merge this ticket into another", body=MergeRequest),
    Endpoint("GET", "/attachments/{attachment_id:int}", tickets.get_attachment,
             "Download an attachment"),
    Endpoint("GET", "/teams", directory.list_teams, "List teams"),
    Endpoint("GET", "/categories", directory.list_categories, "List categories"),
    Endpoint("GET", "/users", directory.list_users, "List users"),
)  # fmt: skip


def routes(rt: Runtime) -> list[BaseRoute]:
    """Starlette routes for the API, mounted at /api/v1 by the app."""
    result: list[BaseRoute] = [
        Route(e.path, _guarded(rt, e), methods=[e.method], name=e.handler.__name__)
        for e in ENDPOINTS
    ]
    result.append(Route("/openapi.json", _serve_openapi, methods=["GET"]))
    return result


def _guarded(rt: Runtime, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        who = await principal(rt, request)
        require_role(who, *endpoint.roles)
        return await endpoint.handler(rt, request, who)

    return handle


async def _serve_openapi(request: Request) -> Response:
    from helpdesk.api.openapi import document

    return JSONResponse(document(ENDPOINTS, PREFIX))

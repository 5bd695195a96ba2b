"""The core JSON API under /api/v1: tickets, replies, notes, merges, attachments, directory.

The OpenAPI document at /api/v1/openapi.json is built from the app's routes, so it lists
exactly what is served, components' endpoints (and the webhook and form posts) included."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from helpdesk.api import directory, reports, tickets
from helpdesk.api import schemas as s
from helpdesk.api.openapi import document
from helpdesk.endpoints import MANAGERS, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.report_http import CSV_TOO, ReportAnswer, ZonedPeriodQuery
from helpdesk.runtime import Runtime

PREFIX = "/api/v1"
_ATTACHMENT = {
    "description": "The file, as stored (Content-Disposition: attachment)",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/tickets", tickets.list_tickets, "List tickets", "listTickets",
             query=s.TicketListQuery, response=s.TicketPage),
    Endpoint("POST", "/tickets", tickets.create_ticket, "Log a ticket for a customer",
             "createTicket", body=s.TicketCreate, response=s.TicketCreated, status=201,
             description="Send an `Idempotency-Key` header to make retries safe: the same key "
             "returns the first ticket with 200."),
    Endpoint("GET", "/tickets/{ticket_id:int}", tickets.get_ticket,
             "A ticket with its messages and audit trail", "getTicket",
             response=s.TicketDetailOut),
    Endpoint("GET", "/tickets/by-number/{number:int}", tickets.get_ticket_by_number,
             "A ticket by the number people see (e.g. 1001)", "getTicketByNumber",
             response=s.TicketDetailOut),
    Endpoint("PATCH", "/tickets/{ticket_id:int}", tickets.patch_ticket,
             "Change status, priority, category, team, assignee or tags", "updateTicket",
             body=s.TicketPatch, response=s.TicketOut,
             description="A change that would move the ticket out of your teams is refused "
             "with 403 and changes nothing."),
    Endpoint("POST", "/tickets/{ticket_id:int}/replies", tickets.post_reply,
             "Reply to the customer", "replyToTicket", body=s.ReplyCreate,
             response=s.ReplyPosted, status=201),
    Endpoint("POST", "/tickets/{ticket_id:int}/notes", tickets.post_note,
             "Add an internal note", "addNote", body=s.NoteCreate, response=s.NotePosted,
             status=201),
    Endpoint("POST", "/tickets/{ticket_id:int}/merge", tickets.merge,
             "Merge this ticket into another", "mergeTicket", body=s.MergeRequest,
             response=s.Merged),
    Endpoint("GET", "/attachments/{attachment_id:int}", tickets.get_attachment,
             "Download an attachment", "getAttachment", success=_ATTACHMENT),
    Endpoint("GET", "/teams", directory.list_teams, "List teams", "listTeams",
             response=s.Teams),
    Endpoint("GET", "/categories", directory.list_categories, "List categories",
             "listCategories", response=s.Categories),
    Endpoint("GET", "/users", directory.list_users, "List users", "listUsers",
             response=s.Users),
    Endpoint("GET", "/reports/csat", reports.csat,
             "CSAT by agent, team, category or channel over surveys sent in a period",
             "getCsatReport", query=reports.CsatQuery, response=ReportAnswer, success=CSV_TOO,
             roles=MANAGERS),
    Endpoint("GET", "/reports/volume", reports.volume,
             "Tickets created (per channel) and resolved per local day, and the backlog",
             "getVolumeReport", query=ZonedPeriodQuery, response=ReportAnswer,
             success=CSV_TOO, roles=MANAGERS),
)  # fmt: skip


def routes(rt: Runtime) -> list[BaseRoute]:
    """Starlette routes for the core API, with absolute paths under /api/v1."""
    # Absolute paths, not a Mount: a mount matches every method under its prefix, so a TRACE
    # to a component's /api/v1/... route would end in the mount's 404 instead of its 405.
    absolute = [replace(e, path=PREFIX + e.path) for e in ENDPOINTS]
    result: list[BaseRoute] = list(endpoint_routes(rt, absolute))
    result.append(Route(PREFIX + "/openapi.json", _serve_openapi, methods=["GET"], name="openapi"))
    return result


def openapi_document(app: Starlette) -> dict[str, Any]:
    """The OpenAPI document of every JSON route the app serves."""
    return document(app.routes)


async def _serve_openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(request.app))

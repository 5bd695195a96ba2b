"""The core JSON API under /api/v1: tickets, replies, notes, merges, attachments, directory.

The OpenAPI document at /api/v1/openapi.json is built from the app's routes, so it lists
exactly what is served, components' endpoints included."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from helpdesk.api import directory, reports, tickets
from helpdesk.api.openapi import document
from helpdesk.api.schemas import MergeRequest, NoteCreate, ReplyCreate, TicketCreate, TicketPatch
from helpdesk.endpoints import MANAGERS, Endpoint, Query
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.runtime import Runtime

PREFIX = "/api/v1"


_INT = {"type": "integer", "minimum": 1}
LIST_QUERY = (
    Query("status", "Comma-separated statuses", {"type": "string", "example": "new,open"}),
    Query("team_id", "Owning team", _INT),
    Query("assignee_id", "An agent id, `me` or `none`", {"type": "string"}),
    Query("category_id", "Category", _INT),
    Query("priority", "Priority", {"enum": ["low", "normal", "high", "urgent"]}),
    Query(
        "q",
        "Words in the subject, the messages or the customers' names and addresses (full-text, "
        "all words must match), or a ticket number",
        {"type": "string"},
    ),
    Query(
        "view",
        "A named view: mine, unassigned, team:<id>, pending, triage, at_risk, all",
        {"type": "string"},
    ),
    Query(
        "sort", "`updated` (default) or `due` (soonest SLA due first)", {"enum": ["updated", "due"]}
    ),
    Query("channel", "Channel the ticket came in on", {"type": "string"}),
    Query(
        "updated_since", "ISO 8601 date-time with zone", {"type": "string", "format": "date-time"}
    ),
    Query("limit", "Page size (1-200, default 50)", {"type": "integer", "maximum": 200}),
    Query("cursor", "`next_cursor` of the previous page", {"type": "string"}),
)

_FORMAT = Query("format", "`csv` for a CSV download", {"enum": ["json", "csv"]})
VOLUME_QUERY = (
    Query("from", "Start (ISO 8601 with zone; default 30 days before `to`)",
          {"type": "string", "format": "date-time"}),
    Query("to", "End, exclusive (ISO 8601 with zone; default now)",
          {"type": "string", "format": "date-time"}),
    Query("tz", "IANA zone whose local days are counted (default the installation's)",
          {"type": "string"}),
    _FORMAT,
)  # fmt: skip
CSAT_QUERY = (
    Query("group_by", "Group by",
          {"enum": ["agent", "team", "category", "channel"], "default": "team"}),
    Query("from", "Surveys sent at or after (ISO 8601 with zone)",
          {"type": "string", "format": "date-time"}),
    Query("to", "Surveys sent before (ISO 8601 with zone)",
          {"type": "string", "format": "date-time"}),
    _FORMAT,
)  # fmt: skip

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
    Endpoint("GET", "/reports/csat", reports.csat,
             "CSAT by agent, team, category or channel over surveys sent in a period",
             query=CSAT_QUERY, roles=MANAGERS),
    Endpoint("GET", "/reports/volume", reports.volume,
             "Tickets created (per channel) and resolved per local day, and the backlog",
             query=VOLUME_QUERY, roles=MANAGERS),
)  # fmt: skip


def routes(rt: Runtime) -> list[BaseRoute]:
    """Starlette routes for the core API, mounted at /api/v1 by the app."""
    result: list[BaseRoute] = list(endpoint_routes(rt, ENDPOINTS))
    result.append(Route("/openapi.json", _serve_openapi, methods=["GET"]))
    return result


def openapi_document(app: Starlette) -> dict[str, Any]:
    """The OpenAPI document of every route the app serves under /api/v1."""
    return document(app.routes, PREFIX)


async def _serve_openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(request.app))

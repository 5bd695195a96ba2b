"""Merge this ticket into another (after a confirmation page) and split a customer's message
off into a new ticket. Both go through the core services; the viewer must be allowed to open
every ticket involved."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import lookups, services
from helpdesk import queries as core_queries
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.inbox.ticket import actor_of
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services import Store


async def _ticket_by_number(store: Store, raw: str) -> int:
    digits = raw.strip().lstrip("#")
    if not digits.isdigit() or len(digits) > 12:
        raise ValidationFailed({"number": "enter a ticket number such as 1042"})
    ticket_id = await lookups.ticket_id_by_number(store, int(digits))
    if ticket_id is None:
        raise NotFound(f"there is no ticket #{digits}")
    return ticket_id


def routes(web: Web) -> list[Route]:
    rt = web.rt

    @page(web)
    async def merge(request: Request, viewer: Viewer) -> Response:
        source_id: int = request.path_params["ticket_id"]
        form = form_of(request)
        who = viewer.who
        if form.get("confirm") != "1":
            async with rt.stores.read() as store:
                source = await core_queries.ticket_access(store, who, source_id)
                target_id = await _ticket_by_number(store, str(form.get("number") or ""))
                target = await core_queries.ticket_access(store, who, target_id)
            if target_id == source_id:
                raise ValidationFailed({"number": "a ticket cannot be merged into itself"})
            context = {"source": dict(source), "target": dict(target)}
            return web.render(request, "merge_confirm.html", context, viewer=viewer)
        target_id = _id(form.get("target_id"))
        async with rt.stores() as store:
            await core_queries.ticket_access(store, who, source_id)
            await core_queries.ticket_access(store, who, target_id)
            await services.merge_tickets(store, source_id, target_id, actor_of(who))
        return RedirectResponse(f"/inbox/tickets/{target_id}", status_code=303)

    @page(web)
    async def split(request: Request, viewer: Viewer) -> Response:
        ticket_id: int = request.path_params["ticket_id"]
        message_id: int = request.path_params["message_id"]
        async with rt.stores() as store:
            await core_queries.ticket_access(store, viewer.who, ticket_id)
            if await lookups.message_ticket(store, message_id) != ticket_id:
                raise NotFound("this message is not part of this ticket")
            result = await services.split_message(store, message_id, actor_of(viewer.who))
        return RedirectResponse(f"/inbox/tickets/{result.ticket_id}", status_code=303)

    return [
        Route("/inbox/tickets/{ticket_id:int}/merge", merge, methods=["POST"]),
        Route(
            "/inbox/tickets/{ticket_id:int}/messages/{message_id:int}/split",
            split,
            methods=["POST"],
        ),
    ]


def _id(value: object) -> int:
    raw = str(value or "")
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed({"target_id": "must be a number"})
    return int(raw)

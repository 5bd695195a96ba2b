"""Collision presence: who else has this ticket open, and who is typing a reply.

Nothing is stored: each browser announces itself (on opening the page, every half minute, when
typing, when leaving) and the announcement travels over the live hub, so it reaches the other
web workers through Redis like any change. A browser that hears a colleague it did not know
answers once with its own state, so the newcomer learns who was already there.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import queries as core_queries
from helpdesk.errors import ValidationFailed
from helpdesk.inbox.live import Hub
from helpdesk.inbox.web import Viewer, Web, form_of, page

STATES = ("viewing", "typing", "left")


def routes(web: Web, hub: Hub) -> list[Route]:
    @page(web)
    async def announce(request: Request, viewer: Viewer) -> Response:
        ticket_id: int = request.path_params["ticket_id"]
        state = str(form_of(request).get("state") or "")
        if state not in STATES:
            raise ValidationFailed({"state": "one of viewing, typing, left"})
        async with web.rt.stores.read() as store:
            row = await core_queries.ticket_access(store, viewer.who, ticket_id)
        await hub.publish(
            {
                "type": "Presence",
                "ticket_id": ticket_id,
                "team_id": row["team_id"],
                "assignee_id": row["assignee_id"],
                "who_id": viewer.who.user_id,
                "name": viewer.who.name,
                "state": state,
            }
        )
        return Response(status_code=204)

    return [Route("/inbox/tickets/{ticket_id:int}/presence", announce, methods=["POST"])]

"""The escalation feed: every level that fired in a period, and who acknowledged it when."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.inbox.web import Viewer, Web, page
from helpdesk.supervisor.reports import escalations
from helpdesk.supervisor.web import MANAGERS, names, period_of


def routes(web: Web) -> list[Route]:
    rt = web.rt

    @page(web, *MANAGERS)
    async def show(request: Request, viewer: Viewer) -> Response:
        p = period_of(rt, request, viewer)
        items = await escalations(rt, viewer.who, p, "team")
        context = {**(await names(rt)), "section": "escalations", "period": p, "items": items}
        return web.render(request, "escalations.html", context, viewer=viewer)

    return [Route("/supervisor/escalations", show, methods=["GET"])]

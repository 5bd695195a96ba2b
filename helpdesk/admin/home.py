"""The admin home page: the sections this viewer may open, each with what it is for."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.admin.nav import MANAGERS
from helpdesk.admin.web import rail
from helpdesk.inbox.web import Viewer, Web, page


def routes(web: Web) -> list[Route]:
    @page(web, *MANAGERS)
    async def home(request: Request, viewer: Viewer) -> Response:
        return web.render(request, "admin_home.html", rail(viewer, "home"), viewer=viewer)

    return [Route("/admin", home, methods=["GET"])]

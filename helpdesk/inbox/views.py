"""The inbox page: views, filters, search and the ticket list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import services
from helpdesk.inbox import queries
from helpdesk.inbox.layout import shell
from helpdesk.inbox.web import Viewer, Web, form_of, page


def routes(web: Web) -> list[Route]:
    @page(web)
    async def inbox(request: Request, viewer: Viewer) -> Response:
        context = await shell(web.rt, request, viewer)
        return web.render(request, "inbox.html", context, viewer=viewer)

    @page(web)
    async def notifications(request: Request, viewer: Viewer) -> Response:
        context = await shell(web.rt, request, viewer, with_list=False)
        async with web.rt.stores.read() as store:
            context["items"] = await queries.notifications(store, viewer.who.user_id)
        return web.render(request, "notifications.html", context, viewer=viewer)

    @page(web)
    async def mark_read(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        raw = str(form.get("id") or "")
        async with web.rt.stores() as store:
            await services.mark_read(
                store, viewer.who.user_id, [int(raw)] if raw.isdigit() else None
            )
        target = str(form.get("next") or "")
        if not target.startswith("/inbox") or target.startswith("//"):
            target = "/inbox/notifications"
        return RedirectResponse(target, status_code=303)

    return [
        Route("/inbox", inbox, methods=["GET"]),
        Route("/inbox/notifications", notifications, methods=["GET"]),
        Route("/inbox/notifications/read", mark_read, methods=["POST"]),
    ]

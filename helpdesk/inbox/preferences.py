"""A staff member's own settings: language, time zone, and signing out everywhere."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import services
from helpdesk.inbox.i18n import LANGUAGES
from helpdesk.inbox.layout import shell
from helpdesk.inbox.web import Viewer, Web, form_of, page

ZONES = ("UTC", "Europe/Istanbul", "Europe/London", "Europe/Berlin", "America/New_York",
         "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney")  # fmt: skip
LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}


def routes(web: Web) -> list[Route]:
    @page(web)
    async def show(request: Request, viewer: Viewer) -> Response:
        context = await shell(web.rt, request, viewer, with_list=False)
        zones = ZONES if viewer.session.timezone in ZONES else (viewer.session.timezone, *ZONES)
        context.update(
            languages=LANGUAGES, language_names=LANGUAGE_NAMES, zones=zones,
            saved=request.query_params.get("saved") == "1",
        )  # fmt: skip
        return web.render(request, "preferences.html", context, viewer=viewer)

    @page(web)
    async def save(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        async with web.rt.stores() as store:
            await services.update_preferences(
                store, viewer.who.user_id,
                language=str(form.get("language") or ""),
                timezone=str(form.get("timezone") or ""),
            )  # fmt: skip
        return RedirectResponse("/inbox/preferences?saved=1", status_code=303)

    return [
        Route("/inbox/preferences", show, methods=["GET"]),
        Route("/inbox/preferences", save, methods=["POST"]),
    ]

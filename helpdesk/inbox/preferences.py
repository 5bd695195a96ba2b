"""A staff member's own settings: language, time zone, and signing out everywhere."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import services
from helpdesk.crypto import SecretBox
from helpdesk.inbox.i18n import LANGUAGES
from helpdesk.inbox.layout import shell
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page

ZONES = ("UTC", "Europe/Istanbul", "Europe/London", "Europe/Berlin", "America/New_York",
         "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney")  # fmt: skip
LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}


def routes(web: Web) -> list[Route]:
    box = SecretBox(web.rt.settings.secret_key)

    async def render(
        request: Request, viewer: Viewer, *, status: int = 200, **extra: Any
    ) -> Response:
        context = await shell(web.rt, request, viewer, with_list=False)
        async with web.rt.stores.read() as store:
            context["totp_on"] = await services.totp_enabled(store, viewer.who.user_id)
        zones = ZONES if viewer.session.timezone in ZONES else (viewer.session.timezone, *ZONES)
        context.update(
            languages=LANGUAGES, language_names=LANGUAGE_NAMES, zones=zones,
            saved=request.query_params.get("saved") == "1", **extra,
        )  # fmt: skip
        return web.render(request, "preferences.html", context, viewer=viewer, status=status)

    @page(web)
    async def show(request: Request, viewer: Viewer) -> Response:
        return await render(request, viewer)

    @page(web)
    async def totp_start(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores() as store:
            secret, uri = await services.start_totp(store, box, viewer.who.user_id)
        return await render(request, viewer, totp_secret=secret, totp_uri=uri)

    @page(web)
    async def totp_confirm(request: Request, viewer: Viewer) -> Response:
        code = str(form_of(request).get("code") or "")[:20]
        async with web.rt.stores() as store:
            ok = await services.confirm_totp(store, box, viewer.who.user_id, code)
        if ok:
            return RedirectResponse("/inbox/preferences?saved=1", status_code=303)
        async with web.rt.stores() as store:
            secret, uri = await services.start_totp(store, box, viewer.who.user_id)
        return await render(
            request, viewer, status=422, totp_secret=secret, totp_uri=uri,
            totp_error=N_("That code is not right. Add the new key and try again."),
        )  # fmt: skip

    @page(web)
    async def totp_disable(request: Request, viewer: Viewer) -> Response:
        code = str(form_of(request).get("code") or "")[:20]
        async with web.rt.stores() as store:
            ok = await services.disable_totp(store, box, viewer.who.user_id, code)
        if ok:
            return RedirectResponse("/inbox/preferences?saved=1", status_code=303)
        return await render(
            request, viewer, status=422,
            totp_error=N_("That code is not right. Enter the current code from your app."),
        )  # fmt: skip

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
        Route("/inbox/preferences/totp/start", totp_start, methods=["POST"]),
        Route("/inbox/preferences/totp/confirm", totp_confirm, methods=["POST"]),
        Route("/inbox/preferences/totp/disable", totp_disable, methods=["POST"]),
    ]

"""The survey page: GET shows the rating form (and records nothing, so link scanners cannot
vote); POST records the rating. Public: the signed token in the URL is the customer's key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.runtime import Runtime
from helpdesk.security import same_secret
from helpdesk.services import surveys
from helpdesk.surveys.texts import LANGUAGES, texts

_HERE = Path(__file__).parent
_env = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
MAX_FORM_BYTES = 64 * 1024


def _page(status: int, **context: Any) -> HTMLResponse:
    return HTMLResponse(
        _env.get_template("page.html").render(**context), status_code=status, headers=_HEADERS
    )


def routes(rt: Runtime) -> list[BaseRoute]:
    def csrf_for(token: str) -> str:
        return rt.signer.mac(token, "csat-form", 24)

    def language(request: Request, ticket_language: str | None) -> str:
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            return asked
        if ticket_language in LANGUAGES:
            return str(ticket_language)
        header = request.headers.get("accept-language", "").lower()
        return "tr" if header.startswith("tr") else "en"

    def form_page(
        request: Request,
        survey: Any,
        lang: str,
        *,
        status: int = 200,
        chosen: int | None = None,
        comment: str = "",
        error: str | None = None,
    ) -> HTMLResponse:
        t = texts(lang)
        token = request.path_params["token"]
        return _page(
            status,
            lang=lang,
            t=t,
            title=t["page_title"],
            ticket=t["ticket"].format(number=survey["number"], subject=survey["subject"]),
            form=True,
            action=f"/survey/{token}?lang={lang}",
            csrf=csrf_for(token),
            chosen=chosen,
            comment=comment,
            error=error,
        )

    def notice(lang: str, status: int, key: str, **values: Any) -> HTMLResponse:
        t = texts(lang)
        title = t["thanks_title"] if key in ("thanks", "already") else t["page_title"]
        return _page(status, lang=lang, t=t, title=title, message=t[key].format(**values))

    async def load(request: Request) -> tuple[Any, str] | Response:
        try:
            async with rt.stores.read() as store:  # a link scanner takes no write slot
                survey = await surveys.survey_for_token(
                    store, rt.signer, request.path_params["token"]
                )
                lang = language(request, await surveys.language_of(store, survey["ticket_id"]))
        except NotFound:
            return notice(language(request, None), 404, "invalid")
        return survey, lang

    async def show(request: Request) -> Response:
        found = await load(request)
        if isinstance(found, Response):
            return found
        survey, lang = found
        if survey["status"] == "rated":
            return notice(lang, 200, "already")
        now = rt.clock.now()
        if survey["status"] == "expired" or (survey["expires_at"] and survey["expires_at"] <= now):
            return notice(lang, 410, "expired")
        if survey["status"] != "sent":
            return notice(lang, 404, "invalid")
        wanted = request.query_params.get("rating", "")
        chosen = int(wanted) if wanted in ("1", "2", "3", "4", "5") else None
        return form_page(request, survey, lang, chosen=chosen)

    async def answer(request: Request) -> Response:
        found = await load(request)
        if isinstance(found, Response):
            return found
        survey, lang = found
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            return notice(lang, 413, "invalid")
        async with request.form(max_files=0, max_fields=10) as data:
            rating_text = str(data.get("rating") or "")
            comment = str(data.get("comment") or "")[:5000]
            csrf = str(data.get("csrf") or "")
        t = texts(lang)
        token = request.path_params["token"]
        if not same_secret(csrf, csrf_for(token)):
            return form_page(
                request, survey, lang, status=403, comment=comment, error=t["form_error"]
            )
        if rating_text not in ("1", "2", "3", "4", "5"):
            return form_page(request, survey, lang, status=422, comment=comment, error=t["choose"])
        try:
            async with rt.stores() as store:
                rated = await surveys.rate(
                    store, survey, int(rating_text), comment, rt.settings.csat_delay
                )
        except Conflict as exc:
            if "answered" in str(exc):
                return notice(lang, 409, "already")
            return notice(lang, 410, "expired")
        except ValidationFailed:
            return form_page(request, survey, lang, status=422, comment=comment, error=t["choose"])
        except NotFound:
            return notice(lang, 404, "invalid")
        return notice(lang, 200, "thanks", number=survey["number"], rating=rated.rating)

    return [
        Mount("/survey/_static", StaticFiles(directory=_HERE / "static"), name="survey-static"),
        Route("/survey/{token}", show, methods=["GET"]),
        Route("/survey/{token}", answer, methods=["POST"]),
    ]

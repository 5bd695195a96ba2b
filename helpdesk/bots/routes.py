"""The FAQ bot's "did this help?" page for mail: a GET shows the question and records nothing
(link scanners open links), a POST with the form's CSRF field records the answer."""

from __future__ import annotations

from jinja2 import Environment, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from helpdesk.bots import faq
from helpdesk.bots.texts import texts
from helpdesk.errors import NotFound
from helpdesk.runtime import Runtime
from helpdesk.security import same_secret
from helpdesk.services import knowledge

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_PAGE = _env.from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.page_title }}</title></head>
<body><main>
<h1>{{ t.page_title }}</h1>
{% if message %}<p role="status">{{ message }}</p>{% else %}
<p>{{ question }}</p>
<form method="post" action="{{ action }}">
<input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit" name="answer" value="yes"{% if chosen == "yes" %} autofocus{% endif %}>
{{ t.page_yes }}</button>
<button type="submit" name="answer" value="no"{% if chosen == "no" %} autofocus{% endif %}>
{{ t.page_no }}</button>
</form>{% endif %}
</main></body></html>
"""
)
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
}


def routes(rt: Runtime) -> list[BaseRoute]:
    def csrf_for(key: str) -> str:
        return rt.signer.mac(key, "faq-form", 24)

    async def load(request: Request) -> tuple[int, knowledge.FaqTicket, str] | Response:
        ticket_id = faq.ticket_of(rt, request.path_params["token"])
        try:
            if ticket_id is None:
                raise NotFound("forged FAQ link")
            async with rt.stores.read() as store:  # a link scanner takes no write slot
                ticket = await knowledge.faq_ticket(store, ticket_id)
                attempt = await knowledge.attempt(store, ticket_id)
            if attempt is None:
                raise NotFound("nothing was asked")
        except NotFound:
            t = texts(None)
            return _render(404, lang="en", t=t, message=t["page_invalid"])
        lang = (ticket.language or "en").split("-")[0]
        lang = lang if lang in ("en", "tr") else "en"
        if attempt["status"] != knowledge.ASKED:
            t = texts(lang)
            return _render(200, lang=lang, t=t, message=t["page_done"])
        return ticket_id, ticket, lang

    async def show(request: Request) -> Response:
        found = await load(request)
        if isinstance(found, Response):
            return found
        _, ticket, lang = found
        key = request.path_params["token"]
        t = texts(lang)
        return _render(
            200,
            lang=lang,
            t=t,
            question=t["page_question"].format(number=ticket.number),
            action=f"/faq/{key}",
            csrf=csrf_for(key),
            chosen=request.query_params.get("answer"),
        )

    async def post(request: Request) -> Response:
        found = await load(request)
        if isinstance(found, Response):
            return found
        ticket_id, _, lang = found
        async with request.form(max_files=0, max_fields=5) as data:
            csrf = str(data.get("csrf") or "")
            choice = str(data.get("answer") or "")
        key = request.path_params["token"]
        if not same_secret(csrf, csrf_for(key)) or choice not in ("yes", "no"):
            return _render(403, lang=lang, t=texts(lang), message=texts(lang)["page_invalid"])
        await faq.settle(rt, ticket_id, helped=choice == "yes")
        return _render(200, lang=lang, t=texts(lang), message=texts(lang)["page_done"])

    return [
        Route("/faq/{token}", show, methods=["GET"]),
        Route("/faq/{token}", post, methods=["POST"]),
    ]


def _render(status: int, **context: object) -> HTMLResponse:
    return HTMLResponse(_PAGE.render(**context), status_code=status, headers=_HEADERS)

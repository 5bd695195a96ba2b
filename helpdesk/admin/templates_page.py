"""Automatic-message texts: the acknowledgement (with its first-reply promise) and the CSAT
survey's opening, per channel and language. Each shows the built-in default; an edited text
replaces it until reset. Placeholders are checked field by field. Admins only."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk.admin.forms import actor, attempt, text
from helpdesk.admin.message_catalog import BY_KIND, CHANNELS, KINDS, LANGUAGES, MessageKind
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.errors import NotFound
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services import Store, autoreplies, message_texts

SECTIONS.append(
    Section("templates", "/admin/templates", N_("Automatic messages"),
            N_("Reword the acknowledgement, the satisfaction survey and the FAQ bot's messages "
               "per language and channel."),
            ADMINS, order=60)
)  # fmt: skip


def _key(request: Request) -> tuple[MessageKind, str, str]:
    kind = BY_KIND.get(request.path_params["kind"])
    channel = request.path_params["channel"]
    language = request.path_params["language"]
    if kind is None or channel not in CHANNELS or language not in LANGUAGES:
        raise NotFound("no such automatic message")
    return kind, channel, language


def routes(web: Web) -> list[Route]:
    @page(web, *ADMINS)
    async def index(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores.read() as store:
            edited = await _edited(store)
        rows = [
            {"kind": k, "channel": c, "language": lang, "edited": (k.kind, c, lang) in edited}
            for k in KINDS for c in CHANNELS for lang in LANGUAGES
        ]  # fmt: skip
        return web.render(
            request, "admin_templates.html", {"rows": rows, **rail(viewer, "templates")},
            viewer=viewer,
        )  # fmt: skip

    async def detail(
        request: Request, viewer: Viewer, errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        kind, channel, language = _key(request)
        async with web.rt.stores.read() as store:
            effective = await autoreplies.template(store, kind.kind, channel, language)
            own = (kind.kind, channel, language) in await _edited(store)
        default = kind.default(channel, language)
        current = effective or default
        state = "edited" if own else "inherited" if effective else "default"
        context: dict[str, Any] = {
            "kind": kind, "channel": channel, "language": language, "default": default,
            "state": state, "errors": errors or {}, "placeholders": sorted(kind.placeholders),
            "values": values or {"subject": current.subject, "text": current.text},
            "uses_subject": kind.uses_subject(channel),
        }  # fmt: skip
        return web.render(
            request, "admin_template.html", {**context, **rail(viewer, "templates")},
            status=status, viewer=viewer,
        )  # fmt: skip

    @page(web, *ADMINS)
    async def show(request: Request, viewer: Viewer) -> Response:
        return await detail(request, viewer)

    @page(web, *ADMINS)
    async def save(request: Request, viewer: Viewer) -> Response:
        kind, channel, language = _key(request)
        form = form_of(request)
        subject = text(form, "subject") if kind.uses_subject(channel) else ""

        async def change() -> None:
            async with web.rt.stores() as store:
                await message_texts.save(
                    store, actor(viewer), kind=kind.kind, channel=channel, language=language,
                    subject=subject, text=text(form, "text"), allowed=kind.placeholders,
                )  # fmt: skip

        _, errors, status = await attempt(change)
        if errors:
            values = {"subject": subject, "text": text(form, "text")}
            return await detail(request, viewer, errors, values, status)
        return RedirectResponse(f"{request.url.path}?saved=1", status_code=303)

    @page(web, *ADMINS)
    async def reset(request: Request, viewer: Viewer) -> Response:
        kind, channel, language = _key(request)
        async with web.rt.stores() as store:
            await message_texts.reset(
                store, actor(viewer), kind=kind.kind, channel=channel, language=language
            )
        path = request.url.path.removesuffix("/reset")
        return RedirectResponse(f"{path}?reset=1", status_code=303)

    base = "/admin/templates/{kind}/{channel}/{language}"
    return [
        Route("/admin/templates", index, methods=["GET"]),
        Route(base, show, methods=["GET"]),
        Route(base, save, methods=["POST"]),
        Route(base + "/reset", reset, methods=["POST"]),
    ]


async def _edited(store: Store) -> set[tuple[str, str, str]]:
    return {(t["kind"], t["channel"], t["language"]) for t in await autoreplies.templates(store)}

"""Admin pages for Telegram bots: the list, adding one (its token is checked with getMe before
it is stored, encrypted), and setting its webhook, each showing what the Bot API answered."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.chat import bots, webhook_setup
from channels.chat.tables import DEFAULT_API_URL
from helpdesk.admin.forms import actor
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.audit_queries import recent_changes
from helpdesk.crypto import SecretBox
from helpdesk.domain import AuditKind
from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page

SECTIONS.append(
    Section(
        "bots", "/admin/bots", N_("Telegram bots"),
        N_("Bots customers write to on Telegram: token check and webhook."), ADMINS, order=71,
    )
)  # fmt: skip

_WEBHOOK = (AuditKind.BOT_WEBHOOK_SET, AuditKind.BOT_WEBHOOK_FAILED)


def _file_url(api_url: str) -> str | None:
    # A self-hosted Bot API server serves files beside its methods, as Telegram's does.
    base = api_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else None


def routes(web: Web) -> list[Route]:
    box = SecretBox(web.rt.settings.secret_key)

    async def _page(
        request: Request,
        viewer: Viewer,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        outcome: webhook_setup.Outcome | None = None,
        outcome_bot: str = "",
        status: int = 200,
    ) -> Response:
        async with web.rt.stores.read() as store:
            items = await bots.list_bots(store)
            hooks: dict[str, Any] = {}
            for info in items:
                # The last webhook attempt, from the audit log: its outcome is what it says.
                for entry in await recent_changes(store, _WEBHOOK, item=info.name, limit=1):
                    hooks[info.name] = entry
        return web.render(
            request, "admin_bots.html",
            {**rail(viewer, "bots"), "items": items, "hooks": hooks,
             "values": values or {"mode": "webhook", "api_url": DEFAULT_API_URL},
             "errors": errors or {}, "outcome": outcome, "outcome_bot": outcome_bot,
             "saved": request.query_params.get("saved", ""),
             "base_url": web.rt.settings.base_url.rstrip("/"), "webhook_path": bots.webhook_path},
            viewer=viewer, status=status,
        )  # fmt: skip

    @page(web, *ADMINS)
    async def list_bots(request: Request, viewer: Viewer) -> Response:
        return await _page(request, viewer)

    @page(web, *ADMINS)
    async def add(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        values = {
            "name": str(form.get("name") or "").strip()[:100],
            "mode": str(form.get("mode") or "webhook"),
            "api_url": str(form.get("api_url") or "").strip()[:500] or DEFAULT_API_URL,
        }
        token = str(form.get("token") or "").strip()[:300]
        errors: dict[str, str] = {}
        if not bots.NAME_RE.fullmatch(values["name"]):
            errors["name"] = "use 1-64 lower-case letters, digits, '-' or '_'"
        if values["mode"] not in bots.MODES:
            errors["mode"] = "must be webhook or polling"
        if not values["api_url"].startswith(("https://", "http://")):
            errors["api_url"] = "must be an http(s) URL"
        if not errors:
            # getMe before anything is stored: a typo fails here, not at the first customer.
            try:
                username = await bots.who_is(token, values["api_url"], _file_url(values["api_url"]))
            except ValidationFailed as exc:
                errors.update(exc.errors)
            except bots.BotApiUnreachable as exc:
                errors["token"] = f"could not be checked: {exc}"
        if errors:
            return await _page(request, viewer, values=values, errors=errors, status=422)
        try:
            async with web.rt.stores() as store:
                info = await bots.add_bot(
                    store, box, name=values["name"], token=token, mode=values["mode"],
                    api_url=values["api_url"], file_url=_file_url(values["api_url"]),
                    username=username, actor=actor(viewer),
                )  # fmt: skip
        except ValidationFailed as exc:
            return await _page(request, viewer, values=values, errors=exc.errors, status=422)
        except Conflict:
            errors = {"name": "a bot with this name already exists"}
            return await _page(request, viewer, values=values, errors=errors, status=422)
        return RedirectResponse(f"/admin/bots?saved={info.name}", status_code=303)

    @page(web, *ADMINS)
    async def set_webhook(request: Request, viewer: Viewer) -> Response:
        name = request.path_params["name"]
        async with web.rt.stores.read() as store:
            await bots.get_bot_info(store, name)  # 404 for an unknown name
            config = await bots.load_bot(store, box, name)
        assert config is not None
        url = web.rt.settings.base_url.rstrip("/") + bots.webhook_path(name)
        outcome = await webhook_setup.connect(config, url)
        async with web.rt.stores() as store:
            await bots.record_webhook(
                store, config.id, name, ok=outcome.ok, username=outcome.username,
                detail=outcome.detail, actor=actor(viewer),
            )  # fmt: skip
        return await _page(request, viewer, outcome=outcome, outcome_bot=name)

    return [
        Route("/admin/bots", list_bots, methods=["GET"]),
        Route("/admin/bots", add, methods=["POST"]),
        Route("/admin/bots/{name}/webhook", set_webhook, methods=["POST"]),
    ]

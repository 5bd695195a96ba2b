"""Admin pages for mailboxes: the list with each one's health and last error, add and edit
(passwords are write-only: stored encrypted, never shown back), and "Test connection", which
logs in to IMAP and SMTP now and shows what the servers answered."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.email import probe, queries
from channels.email import services as email_services
from channels.email.config import MailboxCreate, MailboxPatch
from helpdesk.admin.forms import actor
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.crypto import SecretBox
from helpdesk.errors import ValidationFailed
from helpdesk.http import pydantic_fields
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page

SECTIONS.append(
    Section(
        "mailboxes", "/admin/mailboxes", N_("Mailboxes"),
        N_("Support addresses read over IMAP and sent from over SMTP, with a connection test."),
        ADMINS, order=70,
    )
)  # fmt: skip

TLS_MODES = ("implicit", "starttls", "none")
_TEXT = (
    "address", "display_name", "imap_host", "imap_user", "imap_folder", "after_import",
    "smtp_host", "smtp_user",
)  # fmt: skip
_PORTS = ("imap_port", "smtp_port")
_SECRETS = ("imap_password", "smtp_password")
_BLANK = {
    "name": "", "address": "", "display_name": "", "imap_host": "", "imap_port": 993,
    "imap_tls": "implicit", "imap_user": "", "imap_folder": "INBOX", "after_import": "seen",
    "smtp_host": "", "smtp_port": 587, "smtp_tls": "starttls", "smtp_user": "", "active": True,
}  # fmt: skip


def _values(form: Any, *, new: bool) -> dict[str, Any]:
    """The form as the mailbox models take it; an empty password on edit keeps the old one."""
    data: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in _TEXT}
    if new:
        data["name"] = str(form.get("name") or "").strip()
    for name in _PORTS:
        raw = str(form.get(name) or "").strip()
        # ASCII digits only ("²".isdigit() is true); anything else the model refuses by name.
        data[name] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else raw
    for name in ("imap_tls", "smtp_tls"):
        data[name] = str(form.get(name) or "")
    for name in _SECRETS:
        secret = str(form.get(name) or "")
        if new or secret:
            data[name] = secret
    data["active"] = form.get("active") == "on"
    return data


def routes(web: Web) -> list[Route]:
    box = SecretBox(web.rt.settings.secret_key)

    async def _list_page(
        request: Request, viewer: Viewer, *, tested: str = "", report: probe.Report | None = None
    ) -> Response:
        async with web.rt.stores.read() as store:
            items = await queries.list_mailboxes(store)
        return web.render(
            request, "admin_mailboxes.html",
            {**rail(viewer, "mailboxes"), "items": items, "tested": tested, "report": report,
             "saved": request.query_params.get("saved", "")},
            viewer=viewer,
        )  # fmt: skip

    def _form_page(
        request: Request,
        viewer: Viewer,
        values: dict[str, Any],
        *,
        new: bool,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        return web.render(
            request, "admin_mailbox_form.html",
            {**rail(viewer, "mailboxes"), "values": values, "new": new, "errors": errors or {},
             "tls_modes": TLS_MODES},
            viewer=viewer, status=status,
        )  # fmt: skip

    @page(web, *ADMINS)
    async def list_mailboxes(request: Request, viewer: Viewer) -> Response:
        return await _list_page(request, viewer)

    @page(web, *ADMINS)
    async def new_form(request: Request, viewer: Viewer) -> Response:
        return _form_page(request, viewer, dict(_BLANK), new=True)

    @page(web, *ADMINS)
    async def create(request: Request, viewer: Viewer) -> Response:
        values = _values(form_of(request), new=True)
        try:
            data = MailboxCreate.model_validate(values)
        except ValidationError as exc:
            return _form_page(
                request, viewer, values, new=True, errors=pydantic_fields(exc), status=422
            )
        try:
            async with web.rt.stores() as store:
                await email_services.add_mailbox(store, box, data, actor=actor(viewer))
        except ValidationFailed as exc:
            return _form_page(request, viewer, values, new=True, errors=exc.errors, status=422)
        return RedirectResponse(f"/admin/mailboxes?saved={data.name}", status_code=303)

    @page(web, *ADMINS)
    async def edit_form(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores.read() as store:
            current = await queries.get_mailbox(store, request.path_params["name"])
        return _form_page(request, viewer, current, new=False)

    @page(web, *ADMINS)
    async def update(request: Request, viewer: Viewer) -> Response:
        name = request.path_params["name"]
        async with web.rt.stores.read() as store:
            current = await queries.get_mailbox(store, name)  # 404 for an unknown name
        values = _values(form_of(request), new=False)
        shown = {**current, **{k: v for k, v in values.items() if k not in _SECRETS}}
        try:
            patch = MailboxPatch.model_validate(values)
        except ValidationError as exc:
            return _form_page(
                request, viewer, shown, new=False, errors=pydantic_fields(exc), status=422
            )
        try:
            async with web.rt.stores() as store:
                await email_services.update_mailbox(store, box, name, patch, actor=actor(viewer))
        except ValidationFailed as exc:
            return _form_page(request, viewer, shown, new=False, errors=exc.errors, status=422)
        return RedirectResponse(f"/admin/mailboxes?saved={name}", status_code=303)

    @page(web, *ADMINS)
    async def test(request: Request, viewer: Viewer) -> Response:
        name = request.path_params["name"]
        # Read, then let the transaction go: the logins may take seconds.
        async with web.rt.stores.read() as store:
            mailbox = queries.decrypt(await queries.mailbox_row(store, name), box)
        report = await probe.try_connection(mailbox)
        async with web.rt.stores() as store:
            await email_services.record_test(store, name, report, actor=actor(viewer))
        return await _list_page(request, viewer, tested=name, report=report)

    return [
        Route("/admin/mailboxes", list_mailboxes, methods=["GET"]),
        Route("/admin/mailboxes", create, methods=["POST"]),
        Route("/admin/mailboxes/new", new_form, methods=["GET"]),
        Route("/admin/mailboxes/{name}", edit_form, methods=["GET"]),
        Route("/admin/mailboxes/{name}", update, methods=["POST"]),
        Route("/admin/mailboxes/{name}/test", test, methods=["POST"]),
    ]

"""Admin pages for staff accounts by email: invite a person (the account is created without a
password and they get a 7-day link to choose one) and send a user a password reset link (the
users page links to `POST /admin/users/{id}/reset-password`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import queries
from helpdesk.admin.forms import row_id
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.domain import Role
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.inbox.account_mail import queue_link_mail
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services import passwords

SECTIONS.append(
    Section(
        "invitations", "/admin/invitations", N_("Invitations"),
        N_("Invite people by email; they choose their own password."), ADMINS, order=12,
    )
)  # fmt: skip

ROLES = (
    (Role.AGENT.value, N_("Agent")),
    (Role.SUPERVISOR.value, N_("Supervisor")),
    (Role.ADMIN.value, N_("Admin")),
)


def _safe_back(value: str) -> str:
    # Only paths on this site: "//evil.example" and "https://..." would leave it, and so would
    # "/\t/evil.example", since browsers drop tabs and newlines from a URL before reading it.
    if (
        value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        return value
    return "/admin"


def _invited(request: Request, sent: list[dict[str, Any]]) -> str:
    # The address comes from the URL: confirm only an invitation that exists, so a crafted
    # link cannot make the page claim one was made.
    address = request.query_params.get("invited", "")
    return address if any(item["email"] == address for item in sent) else ""


def routes(web: Web) -> list[Route]:
    base_url = web.rt.settings.base_url

    async def _page(
        request: Request,
        viewer: Viewer,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        async with web.rt.stores.read() as store:
            teams = await queries.list_teams(store)
            sent = await passwords.invitations(store)
        return web.render(
            request, "admin_invitations.html",
            {**rail(viewer, "invitations"), "teams": teams, "sent": sent, "roles": ROLES,
             "values": values or {"role": Role.AGENT.value, "team_ids": []},
             "errors": errors or {}, "invited": _invited(request, sent)},
            viewer=viewer, status=status,
        )  # fmt: skip

    @page(web, *ADMINS)
    async def invitations(request: Request, viewer: Viewer) -> Response:
        return await _page(request, viewer)

    @page(web, *ADMINS)
    async def invite(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        chosen = [str(t) for t in form.getlist("team")]
        team_ids = [t for t in map(row_id, chosen) if t is not None]
        name = str(form.get("name") or "").strip()[:300]
        email = str(form.get("email") or "").strip()[:400]
        role = str(form.get("role") or "")
        values = {"name": name, "email": email, "role": role, "team_ids": team_ids}
        if role not in {key for key, _ in ROLES}:
            errors = {"role": "choose agent, supervisor or admin"}
            return await _page(request, viewer, values=values, errors=errors, status=422)
        try:
            async with web.rt.stores() as store:
                link = await passwords.invite_user(
                    store, viewer.who.user_id, email=email, name=name, role=Role(role),
                    team_ids=tuple(team_ids),
                )  # fmt: skip
                await queue_link_mail(store, link, base_url)
        except ValidationFailed as exc:
            return await _page(request, viewer, values=values, errors=exc.errors, status=422)
        return RedirectResponse(f"/admin/invitations?invited={link.email}", status_code=303)

    @page(web, *ADMINS)
    async def reset_password(request: Request, viewer: Viewer) -> Response:
        user_id = row_id(request.path_params["user_id"])
        if user_id is None:
            raise NotFound("no such user")
        back = _safe_back(str(form_of(request).get("next") or ""))
        async with web.rt.stores() as store:
            link = await passwords.send_reset(store, viewer.who.user_id, user_id)
            await queue_link_mail(store, link, base_url)
        return web.render(
            request, "admin_reset_sent.html",
            {**rail(viewer, "invitations"), "email": link.email, "back": back},
            viewer=viewer,
        )  # fmt: skip

    return [
        Route("/admin/invitations", invitations, methods=["GET"]),
        Route("/admin/invitations", invite, methods=["POST"]),
        Route("/admin/users/{user_id}/reset-password", reset_password, methods=["POST"]),
    ]

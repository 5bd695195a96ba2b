"""Users: the list (role, teams, active, last sign-in), create, change name, role and teams,
deactivate and reactivate, and API tokens (created and shown once, revoked). Admins only.

Inviting by email and resetting a password by email are built elsewhere; the user page
includes `admin_user_access.html` when it exists, so they slot in without touching this."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import staff_queries
from helpdesk.admin.forms import actor, attempt, check, ids, optional_date, text
from helpdesk.admin.labels import ACTOR_LABELS, ROLE_LABELS
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.errors import NotFound
from helpdesk.inbox.i18n import zone
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services import staff

SECTIONS.append(
    Section("users", "/admin/users", N_("Users"),
            N_("Add staff, set roles and teams, deactivate people and manage API tokens."),
            ADMINS, order=11)
)  # fmt: skip
ROLES = tuple(r.value for r in staff.STAFF_ROLES)


def routes(web: Web) -> list[Route]:
    web.env.globals.update(role_labels=ROLE_LABELS, actor_labels=ACTOR_LABELS)

    async def listing(
        request: Request, viewer: Viewer, errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        async with web.rt.stores.read() as store:
            people = await staff_queries.users(store)
            teams = await staff_queries.teams(store)
        context: dict[str, Any] = {
            "people": people, "teams": teams, "roles": ROLES,
            "errors": errors or {}, "values": values or {"team_ids": ()},
        }  # fmt: skip
        return web.render(
            request, "admin_users.html", {**context, **rail(viewer, "users")},
            status=status, viewer=viewer,
        )  # fmt: skip

    async def detail(
        request: Request, viewer: Viewer, user_id: int, errors: dict[str, str] | None = None,
        status: int = 200, new_token: str | None = None,
    ) -> Response:  # fmt: skip
        async with web.rt.stores.read() as store:
            person = await staff_queries.user(store, user_id)
            teams = await staff_queries.teams(store)
        if person is None:
            raise NotFound(f"no user with id {user_id}")
        context: dict[str, Any] = {
            "person": person, "teams": teams, "roles": ROLES, "errors": errors or {},
            "new_token": new_token, "now": web.rt.clock.now(),
        }  # fmt: skip
        return web.render(
            request, "admin_user.html", {**context, **rail(viewer, "users")},
            status=status, viewer=viewer,
        )  # fmt: skip

    @page(web, *ADMINS)
    async def index(request: Request, viewer: Viewer) -> Response:
        return await listing(request, viewer)

    @page(web, *ADMINS)
    async def create(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        errors: dict[str, str] = {}
        team_ids = ids(form, "team_ids", errors)
        password = text(form, "password")

        async def change() -> int:
            check(errors)
            async with web.rt.stores() as store:
                return await staff.add_user(
                    store, actor(viewer), email=text(form, "email"), name=text(form, "name"),
                    role=text(form, "role"), team_ids=team_ids, password=password or None,
                )  # fmt: skip

        user_id, errors, status = await attempt(change)
        if errors:
            values = {k: text(form, k) for k in ("name", "email", "role")}
            return await listing(request, viewer, errors, {**values, "team_ids": team_ids}, status)
        return RedirectResponse(f"/admin/users/{user_id}", status_code=303)

    @page(web, *ADMINS)
    async def show(request: Request, viewer: Viewer) -> Response:
        return await detail(request, viewer, request.path_params["user_id"])

    @page(web, *ADMINS)
    async def update(request: Request, viewer: Viewer) -> Response:
        user_id = request.path_params["user_id"]
        form = form_of(request)
        errors: dict[str, str] = {}
        team_ids = ids(form, "team_ids", errors)

        async def change() -> None:
            check(errors)
            async with web.rt.stores() as store:
                await staff.change_user(
                    store, actor(viewer), user_id, name=text(form, "name"),
                    role=text(form, "role"), team_ids=team_ids,
                )  # fmt: skip

        _, errors, status = await attempt(change)
        if errors:
            return await detail(request, viewer, user_id, errors, status)
        return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)

    @page(web, *ADMINS)
    async def activation(request: Request, viewer: Viewer) -> Response:
        user_id = request.path_params["user_id"]
        wanted = text(form_of(request), "active")

        async def change() -> None:
            if wanted not in ("0", "1"):
                check({"active": "must be 0 or 1"})
            async with web.rt.stores() as store:
                await staff.set_active(store, actor(viewer), user_id, wanted == "1")

        _, errors, status = await attempt(change)
        if errors:
            return await detail(request, viewer, user_id, errors, status)
        return RedirectResponse(f"/admin/users/{user_id}", status_code=303)

    @page(web, *ADMINS)
    async def new_token(request: Request, viewer: Viewer) -> Response:
        user_id = request.path_params["user_id"]
        form = form_of(request)
        errors: dict[str, str] = {}
        expires = optional_date(text(form, "expires_on"), "expires_on", errors)
        if expires is not None and expires >= date.max:  # the day after it has no date
            errors["expires_on"] = "must be a date before 9999-12-31"
            expires = None
        # A token expires at the end of the chosen day in the admin's time zone.
        expires_at = (
            datetime.combine(expires + timedelta(days=1), time(), zone(viewer.session.timezone))
            .astimezone(UTC) if expires else None
        )  # fmt: skip

        async def change() -> str:
            check(errors)
            async with web.rt.stores() as store:
                return await staff.issue_token(
                    store, actor(viewer), user_id, text(form, "token_name"), expires_at=expires_at
                )

        token, errors, status = await attempt(change)
        # The form's names for the service's fields (the page has another "name").
        for field, shown in (("expires_at", "expires_on"), ("name", "token_name")):
            if field in errors:
                errors[shown] = errors.pop(field)
        # Shown once, on this response: never stored, never in a redirect's URL.
        return await detail(request, viewer, user_id, errors, status, new_token=token)

    @page(web, *ADMINS)
    async def revoke(request: Request, viewer: Viewer) -> Response:
        user_id = request.path_params["user_id"]
        async with web.rt.stores() as store:
            await staff.revoke_user_token(
                store, actor(viewer), user_id, request.path_params["token_id"]
            )
        return RedirectResponse(f"/admin/users/{user_id}", status_code=303)

    base = "/admin/users/{user_id:int}"
    return [
        Route("/admin/users", index, methods=["GET"]),
        Route("/admin/users", create, methods=["POST"]),
        Route(base, show, methods=["GET"]),
        Route(base, update, methods=["POST"]),
        Route(base + "/active", activation, methods=["POST"]),
        Route(base + "/tokens", new_token, methods=["POST"]),
        Route(base + "/tokens/{token_id:int}/revoke", revoke, methods=["POST"]),
    ]

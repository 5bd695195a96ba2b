"""Macros: the canned responses of the inbox's composer. List, create, edit, delete; the body's
{{variables}} are checked as the inbox's service checks them. Admins only."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import staff_queries
from helpdesk.admin.forms import actor, attempt, check, optional_id, text
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.domain import Priority, Status
from helpdesk.errors import NotFound
from helpdesk.inbox.layout import PRIORITY_LABELS, STATUS_LABELS
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services import macros

SECTIONS.append(
    Section("macros", "/admin/macros", N_("Macros"),
            N_("Write the canned responses agents insert into replies."),
            ADMINS, order=40)
)  # fmt: skip
STATUSES = tuple(s.value for s in Status)
PRIORITIES = tuple(p.value for p in Priority)
FIELDS = ("name", "body", "team_id", "set_status", "set_priority")


def _fields(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The service's arguments from the form, and the fields that are not even well-formed."""
    errors: dict[str, str] = {}
    team_id = optional_id(form, "team_id", errors)
    status = priority = None
    if text(form, "set_status"):
        try:
            status = Status(text(form, "set_status"))
        except ValueError:
            errors["set_status"] = f"must be one of {', '.join(STATUSES)}"
    if text(form, "set_priority"):
        try:
            priority = Priority(text(form, "set_priority"))
        except ValueError:
            errors["set_priority"] = f"must be one of {', '.join(PRIORITIES)}"
    values = {
        "name": text(form, "name"), "body": text(form, "body"), "team_id": team_id,
        "set_status": status, "set_priority": priority,
    }  # fmt: skip
    return values, errors


def routes(web: Web) -> list[Route]:
    async def render(
        request: Request, viewer: Viewer, template: str, context: dict[str, Any],
        status: int = 200,
    ) -> Response:  # fmt: skip
        async with web.rt.stores.read() as store:
            teams = await staff_queries.teams(store)
        context = {
            "teams": teams, "statuses": STATUS_LABELS, "priorities": PRIORITY_LABELS,
            "variables": macros.VARIABLES, "errors": {}, **context,
        }  # fmt: skip
        return web.render(
            request, template, {**context, **rail(viewer, "macros")}, status=status, viewer=viewer
        )

    async def listing(
        request: Request, viewer: Viewer, errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        async with web.rt.stores.read() as store:
            found = await staff_queries.macros(store)
        context = {"macros": found, "errors": errors or {}, "values": values or {}}
        return await render(request, viewer, "admin_macros.html", context, status)

    async def detail(
        request: Request, viewer: Viewer, macro_id: int, errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        async with web.rt.stores.read() as store:
            macro = await staff_queries.macro(store, macro_id)
        if macro is None:
            raise NotFound(f"no macro with id {macro_id}")
        shown = values or {k: "" if macro[k] is None else str(macro[k]) for k in FIELDS}
        context = {"macro": macro, "values": shown, "errors": errors or {}}
        return await render(request, viewer, "admin_macro.html", context, status)

    @page(web, *ADMINS)
    async def index(request: Request, viewer: Viewer) -> Response:
        return await listing(request, viewer)

    @page(web, *ADMINS)
    async def create(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        values, errors = _fields(form)

        async def change() -> int:
            check(errors)
            async with web.rt.stores() as store:
                return await macros.create_macro(store, **values, actor=actor(viewer))

        macro_id, errors, status = await attempt(change)
        if errors:
            shown = {k: text(form, k) for k in FIELDS}
            return await listing(request, viewer, errors, shown, status)
        return RedirectResponse(f"/admin/macros/{macro_id}?saved=1", status_code=303)

    @page(web, *ADMINS)
    async def show(request: Request, viewer: Viewer) -> Response:
        return await detail(request, viewer, request.path_params["macro_id"])

    @page(web, *ADMINS)
    async def update(request: Request, viewer: Viewer) -> Response:
        macro_id = request.path_params["macro_id"]
        form = form_of(request)
        values, errors = _fields(form)

        async def change() -> None:
            check(errors)
            async with web.rt.stores() as store:
                await macros.update_macro(store, actor(viewer), macro_id, **values)

        _, errors, status = await attempt(change)
        if errors:
            shown = {k: text(form, k) for k in FIELDS}
            return await detail(request, viewer, macro_id, errors, shown, status)
        return RedirectResponse(f"/admin/macros/{macro_id}?saved=1", status_code=303)

    @page(web, *ADMINS)
    async def remove(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores() as store:
            await macros.delete_macro(store, actor(viewer), request.path_params["macro_id"])
        return RedirectResponse("/admin/macros", status_code=303)

    base = "/admin/macros/{macro_id:int}"
    return [
        Route("/admin/macros", index, methods=["GET"]),
        Route("/admin/macros", create, methods=["POST"]),
        Route(base, show, methods=["GET"]),
        Route(base, update, methods=["POST"]),
        Route(base + "/delete", remove, methods=["POST"]),
    ]

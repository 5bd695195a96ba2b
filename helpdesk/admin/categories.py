"""The category tree in the admin pages: where each category sits, the team and priority new
tickets in it get, and the escalation ladder its tickets follow (set on the ladder's page).

A category moved in the tree changes which SLA policy and ladder its tickets follow, so its save
is audited with the SLA changes and queues the same re-evaluation of open tickets."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import queries
from helpdesk.admin import sla_labels as labels
from helpdesk.admin.forms import actor, row_id
from helpdesk.admin.nav import ADMINS, MANAGERS, SECTIONS, Section
from helpdesk.admin.sla_forms import PRIORITIES
from helpdesk.admin.web import rail
from helpdesk.errors import ValidationFailed
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services.categories import save_category
from sla import changes, config_reads
from sla.handlers import reevaluate_later

SECTIONS.append(Section(
    "categories", "/admin/categories", N_("Categories"),
    N_("The category tree with each category's default team, priority and escalation ladder."),
    MANAGERS, order=20,
))  # fmt: skip
_FIELDS = ("slug", "name", "parent_id", "default_team_id", "default_priority")


def _id(text: str) -> int | None:
    return row_id(text)


def routes(web: Web) -> list[Route]:
    rt = web.rt

    async def context(viewer: Viewer) -> dict[str, Any]:
        async with rt.stores.read() as store:
            found = labels.context({
                "categories": await queries.list_categories(store),
                "teams": await queries.list_teams(store),
                "users": await queries.list_users(store),
                "calendars": [],
            })  # fmt: skip
            ladders = await config_reads.ladders(store)
            found["trail"] = await config_reads.changes(store, "category")
        found["ladder_of"] = {lad["category_id"]: lad for lad in ladders}
        return {**rail(viewer, "categories"), **found, "priorities": PRIORITIES}

    async def show_form(
        request: Request, viewer: Viewer, row_id: int | None, v: dict[str, str],
        errors: dict[str, str], status: int = 200,
    ) -> Response:  # fmt: skip
        found = await context(viewer)
        if row_id is not None and row_id not in found["category_paths"]:
            return web.render(request, "error.html", {"title": N_("This page does not exist."),
                              "detail": "", "fields": {}, "status": 404}, status=404,
                              viewer=viewer)  # fmt: skip
        return web.render(request, "admin_category_form.html", {
            **found, "row_id": row_id, "v": v, "errors": errors,
            "action": f"/admin/categories/{row_id or 'new'}",
        }, viewer=viewer, status=status)  # fmt: skip

    @page(web, *MANAGERS)
    async def listing(request: Request, viewer: Viewer) -> Response:
        found = await context(viewer)
        return web.render(request, "admin_categories.html", {
            **found, "may_change": viewer.who.role in ADMINS,
            "saved": request.query_params.get("saved"),
        }, viewer=viewer)  # fmt: skip

    @page(web, *ADMINS)
    async def edit(request: Request, viewer: Viewer) -> Response:
        row_id: int | None = request.path_params.get("row_id")
        v = {"parent_id": request.query_params.get("parent_id", "")}
        if row_id is not None:
            async with rt.stores.read() as store:
                rows = await queries.list_categories(store)
            for row in rows:
                if row["id"] == row_id:
                    v = {k: "" if row[k] is None else str(row[k]) for k in _FIELDS}
        return await show_form(request, viewer, row_id, v, {})

    @page(web, *ADMINS)
    async def submit(request: Request, viewer: Viewer) -> Response:
        row_id: int | None = request.path_params.get("row_id")
        form = form_of(request)
        v = {k: str(form.get(k) or "").strip() for k in _FIELDS}
        errors = {k: "not a valid choice" for k in _FIELDS[2:4] if v[k] and _id(v[k]) is None}
        if errors:
            return await show_form(request, viewer, row_id, v, errors, 422)
        try:
            async with rt.stores() as store:
                saved = await save_category(
                    store, row_id, slug=v["slug"], name=v["name"],
                    parent_id=_id(v["parent_id"]), default_team_id=_id(v["default_team_id"]),
                    default_priority=v["default_priority"] or None, actor=actor(viewer),
                )  # fmt: skip
                # The audit entry is the service's; the SLA pages' history gets its row here.
                action = "created" if row_id is None else ("moved" if saved.moved else "updated")
                await changes.record(
                    store, actor(viewer), "category", saved.id, action, dict(v),
                    recomputes=saved.moved,
                )  # fmt: skip
        except ValidationFailed as exc:
            return await show_form(request, viewer, row_id, v, exc.errors, 422)
        if saved.moved:
            await reevaluate_later(rt)
        return RedirectResponse(f"/admin/categories?saved={saved.id}", status_code=303)

    return [
        Route("/admin/categories", listing, methods=["GET"]),
        Route("/admin/categories/new", edit, methods=["GET"]),
        Route("/admin/categories/new", submit, methods=["POST"]),
        Route("/admin/categories/{row_id:int}", edit, methods=["GET"]),
        Route("/admin/categories/{row_id:int}", submit, methods=["POST"]),
    ]

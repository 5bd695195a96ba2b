"""/admin/automations: the time-based automations ("pending 3 business days: remind") in words,
and turning one on or off or removing it. They are written through the API or the command
line (`PUT /api/v1/routing/config`); every change here is validated and logged as those are
(`routing.automation_edits`). Supervisors see the list; only admins change it, as for rules."""

from __future__ import annotations

from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk.admin.forms import text
from helpdesk.admin.nav import ADMINS, MANAGERS, SECTIONS, Section
from helpdesk.admin.rule_form import shown
from helpdesk.admin.web import rail
from helpdesk.audit_queries import recent_changes
from helpdesk.domain import Role
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from routing import automation_edits
from routing import store as routing_store
from routing.automations import Automation

SECTIONS.append(
    Section(
        "automations",
        "/admin/automations",
        N_("Automations"),
        N_("Time-based rules: what happens to a ticket left in a state for a while."),
        MANAGERS,
        order=37,
    )
)


def summary(automation: Automation) -> dict[str, Any]:
    """An automation in words for the list: its clock, conditions and actions, a line each."""
    return {
        "when": automation.describe(),
        "all": [f"{c.field} {c.op} {shown(c.value)}" for c in automation.all],
        "any": [f"{c.field} {c.op} {shown(c.value)}" for c in automation.any],
        "actions": [f"{a.kind} {shown(a.value)}" for a in automation.actions],
    }


def routes(web: Web) -> list[Route]:
    @page(web, *MANAGERS)
    async def listing(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores.read() as store:
            config = await routing_store.load_config(store)
            changes = await recent_changes(store, routing_store.KINDS, limit=10)
        return web.render(
            request,
            "admin_automations.html",
            {
                **rail(viewer, "automations"),
                "automations": [(a, summary(a)) for a in config.automations],
                "can_edit": viewer.who.role == Role.ADMIN,
                "changes": changes,
            },
            viewer=viewer,
        )

    def change(kind: Literal["enable", "disable", "remove"]) -> Any:
        @page(web, *ADMINS)
        async def handler(request: Request, viewer: Viewer) -> Response:
            name = text(form_of(request), "automation")
            async with web.rt.stores() as store:
                if kind == "remove":
                    await automation_edits.remove(store, name, user_id=viewer.who.user_id)
                else:
                    await automation_edits.set_enabled(
                        store, name, kind == "enable", user_id=viewer.who.user_id
                    )
            return RedirectResponse("/admin/automations", status_code=303)

        handler.__name__ = f"automation_{kind}"
        return handler

    return [
        Route("/admin/automations", listing, methods=["GET"]),
        *(
            Route(f"/admin/automations/{kind}", change(kind), methods=["POST"])
            for kind in ("enable", "disable", "remove")
        ),
    ]

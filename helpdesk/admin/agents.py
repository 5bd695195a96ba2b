"""/admin/agents: who takes tickets. Each agent's skills and personal capacity, their
availability as it stands, and after how long without activity an online agent counts as away.

Changes go through `routing.agent_edits`, the functions behind the API's
`PUT /api/v1/routing/agents/{id}` and the idle timeout of `PUT /api/v1/routing/config`: the same
validation and the same change log, marked as made in the admin pages. Supervisors and admins
may change them, as in the API."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk.admin.forms import attempt, text
from helpdesk.admin.nav import MANAGERS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.audit_queries import recent_changes
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from routing import agent_edits
from routing import store as routing_store
from routing.handlers import RECONCILE_JOB

SECTIONS.append(
    Section(
        "agents",
        "/admin/agents",
        N_("Agents and skills"),
        N_("Each agent's skills and capacity for assignment, and when an idle agent is away."),
        MANAGERS,
        order=36,
    )
)
AVAILABILITY_LABELS = {
    "online": N_("Online"),
    "away": N_("Away"),
    "offline": N_("Offline"),
}


def _fields(errors: dict[str, str]) -> dict[str, str]:
    """Pydantic's paths ("skills.2") as the page's fields ("skills"), first message each."""
    out: dict[str, str] = {}
    for path, message in errors.items():
        out.setdefault(path.split(".")[0], message)
    return out


def _agent_change(skills: str, capacity: str) -> dict[str, Any]:
    """The form as the API's request body: skills comma-separated, a blank capacity meaning
    the team's. Values stay as typed, so the model refuses them exactly as it refuses JSON."""
    data: dict[str, Any] = {"skills": [s.strip() for s in skills.split(",") if s.strip()]}
    if capacity.strip():
        data["capacity"] = capacity.strip()
    else:
        data["clear_capacity"] = True
    return data


def routes(web: Web) -> list[Route]:
    async def listing(
        request: Request,
        viewer: Viewer,
        *,
        errors: dict[str, str] | None = None,
        failed: int | None = None,  # the agent whose form was refused; None: the idle form
        values: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        async with web.rt.stores.read() as store:
            agents = await routing_store.agents(store)
            config = await routing_store.load_config(store)
            changes = await recent_changes(store, routing_store.KINDS, limit=10)
        return web.render(
            request,
            "admin_agents.html",
            {
                **rail(viewer, "agents"),
                "agents": agents,
                "idle_minutes": config.idle_away_minutes,
                "errors": errors or {},
                "failed": failed,
                "values": values or {},
                "availability_labels": AVAILABILITY_LABELS,
                "changes": changes,
            },
            status=status,
            viewer=viewer,
        )

    @page(web, *MANAGERS)
    async def show(request: Request, viewer: Viewer) -> Response:
        return await listing(request, viewer)

    @page(web, *MANAGERS)
    async def save_idle(request: Request, viewer: Viewer) -> Response:
        typed = text(form_of(request), "idle_away_minutes").strip()

        async def change() -> None:
            async with web.rt.stores() as store:
                await agent_edits.set_idle_timeout(
                    store, typed or None, by=viewer.who.user_id, via="admin"
                )

        _, errors, status = await attempt(change)
        if errors:
            return await listing(
                request, viewer, errors=_fields(errors),
                values={"idle_away_minutes": typed}, status=status,
            )  # fmt: skip
        await web.rt.run_job(RECONCILE_JOB)  # a shorter timeout may send someone away now
        return RedirectResponse("/admin/agents", status_code=303)

    @page(web, *MANAGERS)
    async def save_agent(request: Request, viewer: Viewer) -> Response:
        user_id: int = request.path_params["user_id"]
        form = form_of(request)
        skills, capacity = text(form, "skills"), text(form, "capacity")

        async def change() -> None:
            body = agent_edits.validate_agent(_agent_change(skills, capacity))
            async with web.rt.stores() as store:
                await agent_edits.change_agent(
                    store, user_id, body, by=viewer.who.user_id, via="admin"
                )

        _, errors, status = await attempt(change)
        if errors:
            return await listing(
                request, viewer, errors=_fields(errors), failed=user_id,
                values={"skills": skills, "capacity": capacity}, status=status,
            )  # fmt: skip
        await web.rt.run_job(RECONCILE_JOB)  # new skills or capacity may fit the queue
        return RedirectResponse("/admin/agents", status_code=303)

    return [
        Route("/admin/agents", show, methods=["GET"]),
        Route("/admin/agents/idle", save_idle, methods=["POST"]),
        Route("/admin/agents/{user_id:int}", save_agent, methods=["POST"]),
    ]

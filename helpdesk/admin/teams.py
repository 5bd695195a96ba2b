"""Teams: the list with member counts, create, rename (address, supervisor), delete when
unused, and members. Admins manage every team; a supervisor sees the teams they lead or
belong to and manages those teams' members."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import staff_queries
from helpdesk.admin.forms import actor, attempt, check, optional_id, text
from helpdesk.admin.labels import ACTOR_LABELS, ROLE_LABELS
from helpdesk.admin.nav import ADMINS, MANAGERS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.domain import Role
from helpdesk.errors import Forbidden, NotFound
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services import staff

SECTIONS.append(
    Section("teams", "/admin/teams", N_("Teams"),
            N_("Create and rename teams and choose who works in each."),
            MANAGERS, order=10)
)  # fmt: skip


async def _own_teams(web: Web, viewer: Viewer) -> set[int] | None:
    """None for an admin (every team), else the teams this supervisor may manage."""
    if viewer.who.role is Role.ADMIN:
        return None
    async with web.rt.stores.read() as store:
        return await staff_queries.supervised_teams(store, viewer.who.user_id)


def routes(web: Web) -> list[Route]:
    web.env.globals.update(role_labels=ROLE_LABELS, actor_labels=ACTOR_LABELS)

    async def listing(
        request: Request, viewer: Viewer, errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        own = await _own_teams(web, viewer)
        async with web.rt.stores.read() as store:
            teams = await staff_queries.teams(store, own)
            people = await staff_queries.staff(store)
        context: dict[str, Any] = {
            "teams": teams, "supervisors": [p for p in people if p["role"] != Role.AGENT.value],
            "errors": errors or {}, "values": values or {},
            "can_create": viewer.who.role is Role.ADMIN,
        }  # fmt: skip
        return web.render(
            request, "admin_teams.html", {**context, **rail(viewer, "teams")},
            status=status, viewer=viewer,
        )  # fmt: skip

    async def detail(
        request: Request, viewer: Viewer, team_id: int, errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:  # fmt: skip
        own = await _own_teams(web, viewer)
        if own is not None and team_id not in own:
            raise Forbidden("you manage the members of your own teams only")
        async with web.rt.stores.read() as store:
            team = await staff_queries.team(store, team_id)
            people = await staff_queries.staff(store)
        if team is None:
            raise NotFound(f"no team with id {team_id}")
        member_ids = {m["id"] for m in team["members"]}
        context: dict[str, Any] = {
            "team": team, "errors": errors or {},
            "candidates": [p for p in people if p["id"] not in member_ids],
            "supervisors": [p for p in people if p["role"] != Role.AGENT.value],
            "can_edit": viewer.who.role is Role.ADMIN,
        }  # fmt: skip
        return web.render(
            request, "admin_team.html", {**context, **rail(viewer, "teams")},
            status=status, viewer=viewer,
        )  # fmt: skip

    @page(web, *MANAGERS)
    async def index(request: Request, viewer: Viewer) -> Response:
        return await listing(request, viewer)

    @page(web, *ADMINS)
    async def create(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        errors: dict[str, str] = {}
        supervisor = optional_id(form, "supervisor_id", errors)

        async def change() -> int:
            check(errors)
            async with web.rt.stores() as store:
                return await staff.add_team(
                    store, actor(viewer), name=text(form, "name"), email=text(form, "email"),
                    supervisor_id=supervisor,
                )  # fmt: skip

        team_id, errors, status = await attempt(change)
        if errors:
            values = {k: text(form, k) for k in ("name", "email", "supervisor_id")}
            return await listing(request, viewer, errors, values, status)
        return RedirectResponse(f"/admin/teams/{team_id}", status_code=303)

    @page(web, *MANAGERS)
    async def show(request: Request, viewer: Viewer) -> Response:
        return await detail(request, viewer, request.path_params["team_id"])

    @page(web, *ADMINS)
    async def update(request: Request, viewer: Viewer) -> Response:
        team_id = request.path_params["team_id"]
        form = form_of(request)
        errors: dict[str, str] = {}
        supervisor = optional_id(form, "supervisor_id", errors)

        async def change() -> None:
            check(errors)
            async with web.rt.stores() as store:
                await staff.change_team(
                    store, actor(viewer), team_id, name=text(form, "name"),
                    email=text(form, "email"), supervisor_id=supervisor,
                )  # fmt: skip

        _, errors, status = await attempt(change)
        if errors:
            return await detail(request, viewer, team_id, errors, status)
        return RedirectResponse(f"/admin/teams/{team_id}?saved=1", status_code=303)

    @page(web, *ADMINS)
    async def remove(request: Request, viewer: Viewer) -> Response:
        team_id = request.path_params["team_id"]

        async def change() -> None:
            async with web.rt.stores() as store:
                await staff.delete_team(store, actor(viewer), team_id)

        _, errors, status = await attempt(change)
        if errors:
            return await detail(request, viewer, team_id, errors, status)
        return RedirectResponse("/admin/teams", status_code=303)

    @page(web, *MANAGERS)
    async def add_member(request: Request, viewer: Viewer) -> Response:
        team_id = request.path_params["team_id"]
        own = await _own_teams(web, viewer)
        if own is not None and team_id not in own:
            raise Forbidden("you manage the members of your own teams only")
        errors: dict[str, str] = {}
        user_id = optional_id(form_of(request), "user_id", errors)
        if user_id is None and not errors:
            errors["user_id"] = "choose a person"

        async def change() -> None:
            check(errors)
            assert user_id is not None
            async with web.rt.stores() as store:
                await staff.add_team_member(store, actor(viewer), team_id, user_id)

        _, errors, status = await attempt(change)
        if errors:
            return await detail(request, viewer, team_id, errors, status)
        return RedirectResponse(f"/admin/teams/{team_id}", status_code=303)

    @page(web, *MANAGERS)
    async def remove_member(request: Request, viewer: Viewer) -> Response:
        team_id = request.path_params["team_id"]
        own = await _own_teams(web, viewer)
        if own is not None and team_id not in own:
            raise Forbidden("you manage the members of your own teams only")
        async with web.rt.stores() as store:
            await staff.remove_team_member(
                store, actor(viewer), team_id, request.path_params["user_id"]
            )
        return RedirectResponse(f"/admin/teams/{team_id}", status_code=303)

    base = "/admin/teams/{team_id:int}"
    return [
        Route("/admin/teams", index, methods=["GET"]),
        Route("/admin/teams", create, methods=["POST"]),
        Route(base, show, methods=["GET"]),
        Route(base, update, methods=["POST"]),
        Route(base + "/delete", remove, methods=["POST"]),
        Route(base + "/members", add_member, methods=["POST"]),
        Route(base + "/members/{user_id:int}/remove", remove_member, methods=["POST"]),
    ]

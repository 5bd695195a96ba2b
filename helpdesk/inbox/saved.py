"""Saving the list's filters, sort and search as a view; renaming, sharing and deleting one.

Every form posts here and goes back to the inbox (303); the services decide who may do what
(sharing is for supervisors and admins) and log each change.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.inbox import lists, queries
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.services import saved_views


def _team(raw: str) -> int | None:
    # Not "team_id": the save form also carries the list's team filter under that name.
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10:
        raise ValidationFailed({"share_team_id": "must be a number"})
    return int(raw)


def _view_id(request: Request) -> int:
    raw = str(request.path_params["view_id"])
    if not raw.isdigit() or len(raw) > 10:
        raise NotFound("there is no such saved view")
    return int(raw)


def routes(web: Web) -> list[Route]:
    @page(web)
    async def save(request: Request, viewer: Viewer) -> Response:
        form = form_of(request)
        who = viewer.who
        async with web.rt.stores() as store:
            teams = await queries.teams(store)
            mine = lists.views(who, teams, await queries.saved_views_for(store, who))
            key = str(form.get("view") or "")
            if key not in {v.key for v in mine}:
                raise ValidationFailed({"view": "save one of your own views"})
            current = lists.find_view(mine, key)
            # A view saved from a saved view keeps what that one narrowed, plus the form's.
            filters = lists.parse_filters(form, who)
            if current.saved is not None:
                filters = current.saved.merged(filters)
            base = current.base_key or current.key
            view_id = await saved_views.save_view(
                store, who, str(form.get("name") or ""), base,
                urlencode(lists.as_params(filters)),
                scope=str(form.get("scope") or "personal"),
                team_id=_team(str(form.get("share_team_id") or "")),
            )  # fmt: skip
        return RedirectResponse(f"/inbox?view=saved-{view_id}", status_code=303)

    @page(web)
    async def rename(request: Request, viewer: Viewer) -> Response:
        view_id = _view_id(request)
        async with web.rt.stores() as store:
            await saved_views.rename_view(
                store, viewer.who, view_id, str(form_of(request).get("name") or "")
            )
        return RedirectResponse(f"/inbox?view=saved-{view_id}", status_code=303)

    @page(web)
    async def share(request: Request, viewer: Viewer) -> Response:
        view_id = _view_id(request)
        form = form_of(request)
        async with web.rt.stores() as store:
            await saved_views.share_view(
                store, viewer.who, view_id, str(form.get("scope") or ""),
                _team(str(form.get("share_team_id") or "")),
            )  # fmt: skip
        return RedirectResponse(f"/inbox?view=saved-{view_id}", status_code=303)

    @page(web)
    async def remove(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores() as store:
            await saved_views.delete_view(store, viewer.who, _view_id(request))
        return RedirectResponse("/inbox", status_code=303)

    return [
        Route("/inbox/views", save, methods=["POST"]),
        Route("/inbox/views/{view_id}/rename", rename, methods=["POST"]),
        Route("/inbox/views/{view_id}/share", share, methods=["POST"]),
        Route("/inbox/views/{view_id}/delete", remove, methods=["POST"]),
    ]

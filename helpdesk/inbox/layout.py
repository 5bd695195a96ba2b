"""What every inbox page shows around its content: the views rail with counts, the unread
notification count, and the list of the current view."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from helpdesk import queries as core_queries
from helpdesk.inbox import lists, queries
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer
from helpdesk.runtime import Runtime

STATUS_LABELS = {
    "new": N_("New"),
    "open": N_("Open"),
    "pending": N_("Pending"),
    "on_hold": N_("On hold"),
    "solved": N_("Solved"),
    "closed": N_("Closed"),
}
PRIORITY_LABELS = {
    "low": N_("Low"),
    "normal": N_("Normal"),
    "high": N_("High"),
    "urgent": N_("Urgent"),
}
CHANNEL_LABELS = {
    "email": N_("Email"),
    "telegram": N_("Telegram"),
    "web_form": N_("Web form"),
    "phone": N_("Phone"),
}


def list_params(request: Request) -> dict[str, Any]:
    """The list's query parameters (view, filters, search) to carry into links."""
    keep = ("view", "status", "priority", "channel", "category_id", "team_id", "assignee_id",
            "language", "tag", "q", "sort")  # fmt: skip
    return {k: v for k, v in request.query_params.multi_items() if k in keep and v}


async def shell(
    rt: Runtime, request: Request, viewer: Viewer, *, with_list: bool = True
) -> dict[str, Any]:
    who = viewer.who
    params = request.query_params
    now = rt.clock.now()
    async with rt.stores.read() as store:
        teams = await queries.teams(store)
        available = lists.views(who, teams, await queries.saved_views_for(store, who))
        key = params.get("view") or "mine"
        view = lists.find_view(available, key)
        counts = await lists.counts(store, who, available, now, teams)
        filters = lists.parse_filters(params, who)
        page = None
        current = counts[view.key]
        if with_list:
            filt = lists.resolve(view, who, now, filters, teams)
            page = await lists.list_view(store, who, filt, filters, cursor=params.get("cursor"))
            if filters.active():
                current = await lists.count(store, who, filt)
        unread = await queries.unread_count(store, who.user_id)
        people = await queries.people(store)
        categories = await core_queries.list_categories(store)
    carried = list_params(request)
    return {
        "views": available,
        "view": view,
        "counts": counts,
        "current_count": current,
        "may_share": who.sees_everything,
        "may_edit_view": view.saved_id is not None
        and (view.owner_id == who.user_id or (view.scope != "personal" and who.sees_everything)),
        "filter_params": lists.as_params(filters),
        "filters": filters,
        "page": page,
        "unread": unread,
        "people": people,
        "teams": teams,
        "team_names": {t["id"]: t["name"] for t in teams},
        "categories": categories,
        "category_names": {c["id"]: c["name"] for c in categories},
        "list_query": urlencode(list(carried.items())),
        "carried": carried,
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "channels": queries.CHANNELS,
        "languages": queries.LANGUAGES,
    }


def view_url(key: str) -> str:
    return "/inbox?" + urlencode({"view": key})

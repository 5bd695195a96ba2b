"""What every inbox page shows around its content: the views rail with counts, the unread
notification count, and the list of the current view."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from helpdesk import queries as core_queries
from helpdesk.inbox import queries
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
            "language", "q")  # fmt: skip
    return {k: v for k, v in request.query_params.multi_items() if k in keep and v}


async def shell(
    rt: Runtime, request: Request, viewer: Viewer, *, with_list: bool = True
) -> dict[str, Any]:
    who = viewer.who
    params = request.query_params
    async with rt.stores.read() as store:
        teams = await queries.teams(store)
        available = queries.views(who, teams)
        key = params.get("view") or "mine"
        view = queries.find_view(available, key)
        counts = await queries.counts(store, who, available)
        filters = queries.parse_filters(params, who)
        page = (
            await queries.list_view(store, who, view, filters, cursor=params.get("cursor"))
            if with_list
            else None
        )
        unread = await queries.unread_count(store, who.user_id)
        people = await queries.people(store)
        categories = await core_queries.list_categories(store)
    carried = list_params(request)
    return {
        "views": available,
        "view": view,
        "counts": counts,
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

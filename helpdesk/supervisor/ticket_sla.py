"""The SLA panel of an inbox ticket page: each clock's state, when it is due (or how late it is),
the escalation level reached, and why it is due then, from the clock's event log.

It lives here, not in the inbox, because the inbox and the SLA engine do not import each other;
this package composes the two. The ticket page loads the panel with htmx and reloads it every
30 s, so the countdown stays current without a page reload."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, page
from helpdesk.supervisor.web import METRIC_LABELS
from sla import reads

STATE_LABELS = {
    "active": N_("Running"),
    "paused": N_("Paused"),
    "breached": N_("Breached"),
    "fulfilled": N_("Met"),
    "breached_fulfilled": N_("Met late"),
}
EVENT_LABELS = {
    "activated": N_("Started"),
    "paused": N_("Paused"),
    "resumed": N_("Resumed"),
    "warned": N_("Warning"),
    "breached": N_("Breached"),
    "fulfilled": N_("Met"),
    "recomputed": N_("Recomputed"),
    "cancelled": N_("Cancelled"),
}


def current_clocks(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The latest cycle of each metric that still counts (a cancelled clock lost its target),
    with the highest escalation level it reached (counted from 1)."""
    latest: dict[str, dict[str, Any]] = {}
    for clock in found["clocks"]:
        if clock["state"] == "cancelled":
            continue
        if clock["metric"] not in latest or clock["cycle"] > latest[clock["metric"]]["cycle"]:
            latest[clock["metric"]] = clock
    for clock in latest.values():
        levels = [
            e["level"] + 1
            for e in found["escalations"]
            if e["metric"] == clock["metric"] and e["cycle"] == clock["cycle"]
        ]
        clock["level"] = max(levels) if levels else None
    order = list(METRIC_LABELS)
    return sorted(
        latest.values(), key=lambda c: order.index(c["metric"]) if c["metric"] in order else 99
    )


def routes(web: Web) -> list[Route]:
    rt = web.rt

    @page(web)
    async def panel(request: Request, viewer: Viewer) -> Response:
        ticket_id: int = request.path_params["ticket_id"]
        async with rt.stores.read() as store:
            found = await reads.ticket_clocks(store, viewer.who, ticket_id)
        context = {
            "clocks": current_clocks(found),
            "metric_labels": METRIC_LABELS,
            "state_labels": STATE_LABELS,
            "event_labels": EVENT_LABELS,
        }
        return web.render(request, "_ticket_sla.html", context, viewer=viewer)

    return [Route("/inbox/tickets/{ticket_id:int}/sla", panel, methods=["GET"])]

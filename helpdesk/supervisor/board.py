"""The live SLA board: big numbers, then every breached or at-risk clock with its escalation
level and an Acknowledge button. The board refreshes itself in place: on every ticket event of
the inbox's live stream, and on a short poll, because a clock breaching by the passing of time
is no bus event (the SLA engine records it in its own tables)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import reports as core_reports
from helpdesk.domain import Principal
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.runtime import Runtime
from helpdesk.supervisor.web import MANAGERS, METRICS, choice, int_param, names
from sla import admin, reads

# The customary goal for a support desk; shown as the line today's achievement is read against.
ACHIEVEMENT_GOAL = 0.9
BOARD_LIMIT = 500
POLL_SECONDS = 5


def _filter(request: Request) -> reads.RiskFilter:
    metric = choice(request, "metric", ("", *METRICS), "")
    return reads.RiskFilter(
        team_id=int_param(request, "team_id"),
        category_id=int_param(request, "category_id"),
        assignee_id=int_param(request, "assignee_id"),
        metric=metric or None,
        limit=BOARD_LIMIT,
    )


def _share(rows: list[dict[str, Any]], part: str, whole: str) -> float | None:
    total = sum(r[whole] or 0 for r in rows)
    return sum(r[part] or 0 for r in rows) / total if total else None


async def board(rt: Runtime, who: Principal, wanted: reads.RiskFilter, tz: Any) -> dict[str, Any]:
    """The board's rows and big numbers, for `who`, filtered as `wanted`."""
    now = rt.clock.now()
    midnight = datetime.combine(now.astimezone(tz).date(), time(), tz)
    async with rt.stores.read() as store:
        rows = await reads.tickets_at_risk(store, who, wanted, now)
        levels = await reads.levels_reached(store, sorted({r["ticket_id"] for r in rows}))
        today = await reads.achievement(
            store, who, start=midnight, end=now + timedelta(seconds=1), group_by="team"
        )
        csat = await core_reports.csat(store, "team", since=now - timedelta(days=7))
    for row in rows:
        reached = levels.get((row["ticket_id"], row["metric"], row["cycle"]))
        row["level"] = None if reached is None else reached["level"] + 1  # levels count from 1
        row["open_escalation"] = None if reached is None else reached["open_id"]
    breached = [r for r in rows if r["state"] == "breached"]
    answered = [{"answered": r["answered"], "met": (r["csat"] or 0) * r["answered"]} for r in csat]
    return {
        "rows": rows,
        "breached": len(breached),
        "at_risk": len(rows) - len(breached),
        "capped": len(rows) >= wanted.limit,
        "achieved_today": _share(today, "met", "total"),
        "goal": ACHIEVEMENT_GOAL,
        "csat_week": _share(answered, "met", "answered"),
    }


def routes(web: Web) -> list[Route]:
    rt = web.rt

    @page(web, *MANAGERS)
    async def show(request: Request, viewer: Viewer) -> Response:
        wanted = _filter(request)
        context = await board(rt, viewer.who, wanted, viewer.fmt.tz)
        context.update(await names(rt))
        context.update(
            section="board",
            wanted=wanted,
            metrics=METRICS,
            poll=POLL_SECONDS,
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        )
        return web.render(request, "board.html", context, viewer=viewer)

    @page(web, *MANAGERS)
    async def acknowledge(request: Request, viewer: Viewer) -> Response:
        async with rt.stores() as store:
            await admin.acknowledge(store, request.path_params["escalation_id"], viewer.who)
        target = str(form_of(request).get("next") or "")
        if not target.startswith("/supervisor") or target.startswith("//"):
            target = "/supervisor"
        return RedirectResponse(target, status_code=303)

    return [
        Route("/supervisor", show, methods=["GET"]),
        Route("/supervisor/escalations/{escalation_id:int}/ack", acknowledge, methods=["POST"]),
    ]

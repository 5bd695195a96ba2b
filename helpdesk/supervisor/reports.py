"""Reports over a period in the viewer's time zone: SLA achievement per metric and group with
its daily trend, first-reply and resolution time distributions, volume and backlog per day by
channel, CSAT by group, agents' load against their capacity. Every table also downloads as CSV
from the same function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import reports as core_reports
from helpdesk.domain import Principal
from helpdesk.errors import NotFound
from helpdesk.inbox.web import Viewer, Web, page
from helpdesk.report_http import csv_response
from helpdesk.runtime import Runtime
from helpdesk.supervisor import charts
from helpdesk.supervisor.web import GROUPS, MANAGERS, METRICS, Period, choice, names, period_of
from routing import load_report
from sla import reads
from sla import reports as sla_reports

Report = Callable[[Runtime, Principal, Period, str], Awaitable[list[dict[str, Any]]]]


async def achievement(rt: Runtime, who: Principal, p: Period, by: str) -> list[dict[str, Any]]:
    async with rt.stores.read() as store:
        return await reads.achievement(store, who, start=p.start, end=p.end, group_by=by)


async def trend(rt: Runtime, who: Principal, p: Period, by: str) -> list[dict[str, Any]]:
    async with rt.stores.read() as store:
        return await sla_reports.achievement_trend(store, who, start=p.start, end=p.end, tz=p.tz)


def _distribution(metric: str) -> Report:
    async def report(rt: Runtime, who: Principal, p: Period, by: str) -> list[dict[str, Any]]:
        async with rt.stores.read() as store:
            return await sla_reports.distribution(
                store, who, start=p.start, end=p.end, metric=metric, group_by=by
            )

    return report


async def volume(rt: Runtime, who: Principal, p: Period, by: str) -> list[dict[str, Any]]:
    async with rt.stores.read() as store:
        return await core_reports.volume(store, p.start, p.end, p.tz)


async def csat(rt: Runtime, who: Principal, p: Period, by: str) -> list[dict[str, Any]]:
    async with rt.stores.read() as store:
        return await core_reports.csat(store, by, since=p.start, until=p.end)


async def escalations(rt: Runtime, who: Principal, p: Period, by: str) -> list[dict[str, Any]]:
    async with rt.stores.read() as store:
        return await sla_reports.escalations(store, who, start=p.start, end=p.end)


async def agent_load(rt: Runtime, who: Principal, p: Period, by: str) -> list[dict[str, Any]]:
    async with rt.stores.read() as store:
        return await load_report.agent_load(store, who, start=p.start, end=p.end)


REPORTS: dict[str, Report] = {
    "achievement": achievement,
    "trend": trend,
    "first_reply": _distribution("first_reply"),
    "resolution": _distribution("resolution"),
    "volume": volume,
    "csat": csat,
    "agent_load": agent_load,
    "escalations": escalations,
}


def trend_chart(
    title: str, days: list[str], rows: list[dict[str, Any]], labels: dict[str, str]
) -> Any:
    by_metric = {(r["day"], r["metric"]): r["achieved"] * 100 for r in rows}
    series = {
        labels[m]: [by_metric.get((d, m)) for d in days]
        for m in METRICS
        if any((d, m) in by_metric for d in days)
    }
    return charts.lines(title, days, series, top=100)


def volume_chart(title: str, rows: list[dict[str, Any]], labels: dict[str, str]) -> Any:
    days = [r["day"] for r in rows]
    series = {
        labels["created"]: [float(r["created"]) for r in rows],
        labels["backlog"]: [float(r["backlog"]) for r in rows],
    }
    top = max([1.0, *series[labels["created"]], *series[labels["backlog"]]])
    return charts.lines(title, days, series, top=top)


def routes(web: Web) -> list[Route]:
    rt = web.rt

    @page(web, *MANAGERS)
    async def show(request: Request, viewer: Viewer) -> Response:
        p = period_of(rt, request, viewer)
        by = choice(request, "by", GROUPS, "team")
        found = {
            name: await report(rt, viewer.who, p, by)
            for name, report in REPORTS.items()
            if name != "escalations"  # a page of its own
        }
        channels = sorted({c for r in found["volume"] for c in r["created_by_channel"]})
        context = {**found, **(await names(rt)), "section": "reports", "period": p, "by": by,
                   "groups": GROUPS, "channels": channels, "trend_chart": trend_chart,
                   "volume_chart": volume_chart}  # fmt: skip
        return web.render(request, "reports.html", context, viewer=viewer)

    @page(web, *MANAGERS)
    async def download(request: Request, viewer: Viewer) -> Response:
        report = REPORTS.get(request.path_params["name"])
        if report is None:
            raise NotFound("no such report")
        p = period_of(rt, request, viewer)
        by = choice(request, "by", GROUPS, "team")
        rows = await report(rt, viewer.who, p, by)
        name = request.path_params["name"]
        return csv_response(rows, f"{name}-{p.first.isoformat()}-{p.last.isoformat()}.csv")

    return [
        Route("/supervisor/reports", show, methods=["GET"]),
        Route("/supervisor/reports/{name}.csv", download, methods=["GET"]),
    ]

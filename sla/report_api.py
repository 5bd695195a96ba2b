"""SLA reports over a period, as JSON or CSV: achievement per day and time-to-target
distributions (median, p90) per team, category, agent or channel."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from helpdesk.domain import Principal
from helpdesk.endpoints import MANAGERS, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.errors import ValidationFailed
from helpdesk.report_http import (
    CSV_TOO,
    PeriodQuery,
    ReportAnswer,
    ZonedPeriodQuery,
    answer,
    period,
    zone,
)
from helpdesk.runtime import Runtime
from sla import reports
from sla.reads import GROUPS
from sla.targets import Metric

PREFIX = "/api/v1/sla/reports"
_METRICS = [m.value for m in Metric]


class TrendQuery(ZonedPeriodQuery):
    metric: Metric | None = Field(default=None, description="Only this metric")


class DistributionQuery(PeriodQuery):
    metric: Metric = Field(description="first_reply, resolution, ...")
    group_by: Literal[GROUPS] = Field(  # type: ignore[valid-type]
        default="team", description="Group by"
    )


def _metric(request: Request, errors: dict[str, str], *, required: bool) -> str | None:
    value = request.query_params.get("metric")
    if value is None and not required:
        return None
    if value not in _METRICS:
        errors["metric"] = f"must be one of {', '.join(_METRICS)}"
        return None
    return value


async def trend(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    since, until = period(rt, request, errors)
    tz = zone(rt, request, errors)
    metric = _metric(request, errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    async with rt.stores.read() as store:
        items = await reports.achievement_trend(
            store, who, start=since, end=until, tz=tz, metric=metric
        )
    return answer(request, "sla-achievement-by-day", {"tz": tz, "items": items})


async def distribution(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    since, until = period(rt, request, errors)
    metric = _metric(request, errors, required=True)
    by = request.query_params.get("group_by", "team")
    if by not in GROUPS:
        errors["group_by"] = f"must be one of {', '.join(GROUPS)}"
    if errors or metric is None:
        raise ValidationFailed(errors)
    async with rt.stores.read() as store:
        items = await reports.distribution(
            store, who, start=since, end=until, metric=metric, group_by=by
        )
    return answer(
        request, f"sla-{metric}-times-by-{by}", {"metric": metric, "group_by": by, "items": items}
    )


async def escalation_feed(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    since, until = period(rt, request, errors, days=7)
    if errors:
        raise ValidationFailed(errors)
    async with rt.stores.read() as store:
        items = await reports.escalations(store, who, start=since, end=until)
    return answer(request, "sla-escalations", {"items": items})


ENDPOINTS = (
    Endpoint("GET", PREFIX + "/trend", trend,
             "SLA achievement per local day and metric (decided clocks: met or breached)",
             "getSlaTrendReport", query=TrendQuery, response=ReportAnswer, success=CSV_TOO,
             roles=MANAGERS),
    Endpoint("GET", PREFIX + "/distribution", distribution,
             "Business time to fulfil a metric: count, median and p90 per group",
             "getSlaDistributionReport", query=DistributionQuery, response=ReportAnswer,
             success=CSV_TOO, roles=MANAGERS),
    Endpoint("GET", PREFIX + "/escalations", escalation_feed,
             "Escalations fired in a period (default 7 days), with who acknowledged them",
             "getSlaEscalationReport", query=PeriodQuery, response=ReportAnswer,
             success=CSV_TOO, roles=MANAGERS),
)  # fmt: skip


def routes(rt: Runtime) -> list[BaseRoute]:
    return list(endpoint_routes(rt, ENDPOINTS))

"""Report endpoints for supervisors: CSAT by agent, team, category or channel."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from helpdesk import reports
from helpdesk.domain import Principal
from helpdesk.errors import ValidationFailed
from helpdesk.report_http import PeriodQuery, answer, period, zone
from helpdesk.runtime import Runtime


class CsatQuery(PeriodQuery):
    group_by: Literal[tuple(reports.CSAT_GROUPS)] = Field(  # type: ignore[valid-type]
        default="team", description="Group by"
    )


async def csat(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    by = request.query_params.get("group_by", "team")
    if by not in reports.CSAT_GROUPS:
        errors["group_by"] = f"must be one of {', '.join(reports.CSAT_GROUPS)}"
    since, until = period(rt, request, errors)
    if errors:
        raise ValidationFailed(errors)
    async with rt.stores.read() as store:
        items = await reports.csat(store, by, since, until)
    return answer(request, f"csat-by-{by}", {"group_by": by, "items": items})


async def volume(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    since, until = period(rt, request, errors)
    tz = zone(rt, request, errors)
    if errors:
        raise ValidationFailed(errors)
    async with rt.stores.read() as store:
        items = await reports.volume(store, since, until, tz)
    return answer(request, "volume", {"tz": tz, "items": items})

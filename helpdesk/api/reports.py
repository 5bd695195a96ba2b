"""Report endpoints for supervisors: CSAT by agent, team, category or channel."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from helpdesk import reports
from helpdesk.domain import Principal
from helpdesk.errors import ValidationFailed
from helpdesk.http import ok
from helpdesk.runtime import Runtime


def _instant(request: Request, name: str, errors: dict[str, str]) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = "must be an ISO 8601 date-time with a zone"
        return None
    if value.tzinfo is None:
        errors[name] = "must include a time zone (e.g. 2026-12-01T00:00:00Z)"
        return None
    return value


async def csat(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    by = request.query_params.get("by", "team")
    if by not in reports.CSAT_GROUPS:
        errors["by"] = f"must be one of {', '.join(reports.CSAT_GROUPS)}"
    since = _instant(request, "since", errors)
    until = _instant(request, "until", errors)
    if errors:
        raise ValidationFailed(errors)
    async with rt.stores() as store:
        items = await reports.csat(store, by, since, until)
    return ok({"by": by, "items": items})

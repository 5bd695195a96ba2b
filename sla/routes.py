"""The SLA API under /api/v1/sla: supervisors and admins manage calendars, policies and ladders
and see everything; agents read their teams' clocks and acknowledge escalations they can see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from helpdesk.auth import principal, require_role
from helpdesk.domain import Principal, Role
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import ok, parse_body, query_int
from helpdesk.runtime import Runtime
from sla import admin, reads
from sla.handlers import reevaluate_later
from sla.schemas import AckIn, CalendarIn, LadderIn, PolicyIn
from sla.tables import calendar_t, ladder_t, policy_t
from sla.targets import Metric

PREFIX = "/api/v1/sla"
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MANAGERS = (Role.SUPERVISOR, Role.ADMIN)
Handler = Callable[[Runtime, Request, Principal], Awaitable[Response]]

# name in the URL -> (table, input model, saver)
_CONFIG: dict[str, tuple[Table, type[BaseModel], Any]] = {
    "calendars": (calendar_t, CalendarIn, admin.save_calendar),
    "policies": (policy_t, PolicyIn, admin.save_policy),
    "ladders": (ladder_t, LadderIn, admin.save_ladder),
}


def _query_int(request: Request, name: str, errors: dict[str, str]) -> int | None:
    return query_int(request, name, errors, out_of_range="must be a positive integer")


def _query_time(request: Request, name: str, errors: dict[str, str]) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        errors[name] = "required: an ISO 8601 date-time with a zone"
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = "must be an ISO 8601 date-time with a zone"
        return None
    if value.tzinfo is None:
        errors[name] = "needs a time zone (e.g. 2026-06-01T00:00:00+03:00)"
        return None
    return value


async def at_risk(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    state = request.query_params.get("state") or None
    if state not in (None, "at_risk", "breached"):
        errors["state"] = "use at_risk or breached"
    metric = request.query_params.get("metric") or None
    if metric is not None and metric not in Metric.__members__.values():
        errors["metric"] = f"use one of {', '.join(m.value for m in Metric)}"
    wanted = reads.RiskFilter(
        state=state,
        team_id=_query_int(request, "team_id", errors),
        category_id=_query_int(request, "category_id", errors),
        assignee_id=_query_int(request, "assignee_id", errors),
        metric=metric,
        limit=min(_query_int(request, "limit", errors) or 100, 500),
    )
    if errors:
        raise ValidationFailed(errors)
    async with rt.stores() as store:
        items = await reads.tickets_at_risk(store, who, wanted, rt.clock.now())
    return ok({"items": items})


async def ticket_clocks(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok(await reads.ticket_clocks(store, who, request.path_params["ticket_id"]))


async def achievement(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    start = _query_time(request, "from", errors)
    end = _query_time(request, "to", errors)
    group_by = request.query_params.get("group_by") or "team"
    if group_by not in reads.GROUPS:
        errors["group_by"] = f"use one of {', '.join(reads.GROUPS)}"
    if start and end and end <= start:
        errors["to"] = "must be after from"
    if errors or start is None or end is None:
        raise ValidationFailed(errors)
    async with rt.stores() as store:
        items = await reads.achievement(store, who, start=start, end=end, group_by=group_by)
    return ok({"from": start, "to": end, "group_by": group_by, "items": items})


async def feed(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok({"items": await reads.feed(store, who)})


async def acknowledge(rt: Runtime, request: Request, who: Principal) -> Response:
    await parse_body(request, AckIn)
    async with rt.stores() as store:
        result = await admin.acknowledge(store, request.path_params["escalation_id"], who)
    return ok({**result, "acknowledged": True})


def _config_kind(request: Request) -> tuple[str, Table, type[BaseModel], Any]:
    kind = str(request.url.path).removeprefix(PREFIX + "/").split("/")[0]
    table, model, saver = _CONFIG[kind]
    return kind, table, model, saver


async def list_config(rt: Runtime, request: Request, who: Principal) -> Response:
    _, table, _, _ = _config_kind(request)
    async with rt.stores() as store:
        rows = await store.execute(select(table).order_by(table.c.id))
        return ok({"items": [dict(r) for r in rows.mappings()]})


async def get_config(rt: Runtime, request: Request, who: Principal) -> Response:
    kind, table, _, _ = _config_kind(request)
    row_id = request.path_params["row_id"]
    async with rt.stores() as store:
        row = (await store.execute(select(table).where(table.c.id == row_id))).mappings().first()
    if row is None:
        raise NotFound(f"no such {kind.rstrip('s')}: {row_id}")
    return ok(dict(row))


async def save_config(rt: Runtime, request: Request, who: Principal) -> Response:
    _, table, model, saver = _config_kind(request)
    data = await parse_body(request, model)
    row_id = request.path_params.get("row_id")
    async with rt.stores() as store:
        saved = await saver(store, data, row_id)
        row = (await store.execute(select(table).where(table.c.id == saved))).mappings().one()
    await reevaluate_later(rt)
    return ok(dict(row), status=201 if row_id is None else 200)


async def delete_config(rt: Runtime, request: Request, who: Principal) -> Response:
    _, table, _, _ = _config_kind(request)
    async with rt.stores() as store:
        await admin.delete_row(store, table, request.path_params["row_id"])
    await reevaluate_later(rt)
    return Response(status_code=204)


_ENDPOINTS: list[tuple[str, str, Handler, tuple[Role, ...]]] = [
    ("GET", "/tickets", at_risk, READERS),
    ("GET", "/tickets/{ticket_id:int}/clocks", ticket_clocks, READERS),
    ("GET", "/achievement", achievement, READERS),
    ("GET", "/notifications", feed, READERS),
    ("POST", "/escalations/{escalation_id:int}/ack", acknowledge, READERS),
]
for _kind in _CONFIG:
    _ENDPOINTS += [
        ("GET", f"/{_kind}", list_config, MANAGERS),
        ("POST", f"/{_kind}", save_config, MANAGERS),
        ("GET", f"/{_kind}/{{row_id:int}}", get_config, MANAGERS),
        ("PUT", f"/{_kind}/{{row_id:int}}", save_config, MANAGERS),
        ("DELETE", f"/{_kind}/{{row_id:int}}", delete_config, MANAGERS),
    ]


def _guarded(rt: Runtime, handler: Handler, roles: tuple[Role, ...]) -> Callable[..., Any]:
    async def handle(request: Request) -> Response:
        who = await principal(rt, request)
        require_role(who, *roles)
        return await handler(rt, request, who)

    return handle


def routes(rt: Runtime) -> list[BaseRoute]:
    """The SLA API's Starlette routes, with absolute paths under /api/v1/sla."""
    return [
        Route(PREFIX + path, _guarded(rt, handler, roles), methods=[method])
        for method, path, handler, roles in _ENDPOINTS
    ]

"""The SLA API under /api/v1/sla: supervisors and admins manage calendars, policies and ladders
and see everything; agents read their teams' clocks and acknowledge escalations they can see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from helpdesk.domain import Actor, Principal
from helpdesk.endpoints import MANAGERS, READERS, Endpoint, QueryId, QueryInt, QueryTime, query
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.errors import NotFound
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime
from sla import admin, changes, reads
from sla.handlers import reevaluate_later
from sla.schemas import AckIn, CalendarIn, LadderIn, PolicyIn
from sla.tables import calendar_t, ladder_t, policy_t
from sla.targets import Metric

PREFIX = "/api/v1/sla"
Handler = Callable[[Runtime, Request, Principal], Any]


# -- query parameters and answers ------------------------------------------------------------


class RiskQuery(BaseModel):
    state: Literal["at_risk", "breached"] | None = Field(
        default=None, description="Only clocks in this state (default: both)"
    )
    team_id: QueryId | None = None
    category_id: QueryId | None = Field(default=None, description="This category and below")
    assignee_id: QueryId | None = None
    metric: Metric | None = None
    limit: Annotated[int, Field(ge=1, le=500), QueryInt] = 100


class AchievementQuery(BaseModel):
    start: QueryTime = Field(alias="from", description="Period start, ISO 8601 with a zone")
    end: QueryTime = Field(
        alias="to", description="Period end (exclusive); at or before `from`: an empty period"
    )
    group_by: Literal[reads.GROUPS] = "team"  # type: ignore[valid-type]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RiskItem(_Open):
    ticket_id: int
    number: int
    metric: str
    state: str
    due_at: datetime | None


class RiskList(BaseModel):
    items: list[RiskItem]


class TicketClocks(BaseModel):
    ticket_id: int
    clocks: list[dict[str, Any]]
    escalations: list[dict[str, Any]]


class AchievementReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    group_by: str
    items: list[dict[str, Any]]


class Feed(BaseModel):
    items: list[dict[str, Any]]


class Acknowledged(_Open):
    id: int
    ticket_id: int
    acknowledged: bool


class ConfigRow(_Open):
    id: int
    name: str


class ConfigRows(BaseModel):
    items: list[ConfigRow]


# -- handlers --------------------------------------------------------------------------------


async def at_risk(rt: Runtime, request: Request, who: Principal) -> Response:
    q = query(request, RiskQuery)
    wanted = reads.RiskFilter(
        state=q.state,
        team_id=q.team_id,
        category_id=q.category_id,
        assignee_id=q.assignee_id,
        metric=q.metric.value if q.metric else None,
        limit=q.limit,
    )
    async with rt.stores() as store:
        items = await reads.tickets_at_risk(store, who, wanted, rt.clock.now())
    return ok({"items": items})


async def ticket_clocks(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok(await reads.ticket_clocks(store, who, request.path_params["ticket_id"]))


async def achievement(rt: Runtime, request: Request, who: Principal) -> Response:
    q = query(request, AchievementQuery)
    items: list[dict[str, Any]] = []
    if q.end > q.start:  # an empty period holds no clocks
        async with rt.stores() as store:
            items = await reads.achievement(
                store, who, start=q.start, end=q.end, group_by=q.group_by
            )
    return ok({"from": q.start, "to": q.end, "group_by": q.group_by, "items": items})


async def feed(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok({"items": await reads.feed(store, who)})


async def acknowledge(rt: Runtime, request: Request, who: Principal) -> Response:
    await parse_body(request, AckIn)
    async with rt.stores() as store:
        result = await admin.acknowledge(store, request.path_params["escalation_id"], who)
    return ok({**result, "acknowledged": True})


def _config(kind: str, one: str, table: Table, model: type[BaseModel]) -> list[Endpoint]:
    """List, create, read, replace and delete one kind (`one`, plural `kind`) of SLA
    configuration; saves and deletions go through `sla.changes`, as the admin pages' do."""
    title = one.capitalize()

    async def list_rows(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            rows = await store.execute(select(table).order_by(table.c.id))
            return ok({"items": [dict(r) for r in rows.mappings()]})

    async def get_row(rt: Runtime, request: Request, who: Principal) -> Response:
        row_id = request.path_params["row_id"]
        async with rt.stores() as store:
            row = (
                (await store.execute(select(table).where(table.c.id == row_id))).mappings().first()
            )
        if row is None:
            raise NotFound(f"no such {one}: {row_id}")
        return ok(dict(row))

    async def save_row(rt: Runtime, request: Request, who: Principal) -> Response:
        data = await parse_body(request, model)
        row_id = request.path_params.get("row_id")
        async with rt.stores() as store:
            saved = await changes.save(store, Actor.user(who.user_id), one, data, row_id, via="api")
            row = (await store.execute(select(table).where(table.c.id == saved))).mappings().one()
        await reevaluate_later(rt)
        return ok(dict(row), status=201 if row_id is None else 200)

    async def delete_row(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            await changes.delete(
                store, Actor.user(who.user_id), one, request.path_params["row_id"], via="api"
            )
        await reevaluate_later(rt)
        return Response(status_code=204)

    path = f"{PREFIX}/{kind}"
    item = path + "/{row_id:int}"
    return [
        Endpoint("GET", path, list_rows, f"List SLA {kind}", f"listSla{kind.capitalize()}",
                 response=ConfigRows, roles=MANAGERS),
        Endpoint("POST", path, save_row, f"Create an SLA {one}", f"createSla{title}",
                 body=model, response=ConfigRow, status=201, roles=MANAGERS),
        Endpoint("GET", item, get_row, f"One SLA {one}", f"getSla{title}",
                 response=ConfigRow, roles=MANAGERS),
        Endpoint("PUT", item, save_row, f"Replace an SLA {one}", f"replaceSla{title}",
                 body=model, response=ConfigRow, roles=MANAGERS),
        Endpoint("DELETE", item, delete_row, f"Delete an SLA {one}", f"deleteSla{title}",
                 status=204, roles=MANAGERS),
    ]  # fmt: skip


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", f"{PREFIX}/tickets", at_risk, "Clocks at risk or breached",
             "listSlaTicketsAtRisk", query=RiskQuery, response=RiskList, roles=READERS),
    Endpoint("GET", f"{PREFIX}/tickets/{{ticket_id:int}}/clocks", ticket_clocks,
             "A ticket's clocks, their event logs and escalations", "getTicketClocks",
             response=TicketClocks, roles=READERS),
    Endpoint("GET", f"{PREFIX}/achievement", achievement, "Share of targets met per group",
             "getSlaAchievement", query=AchievementQuery, response=AchievementReport,
             roles=READERS),
    Endpoint("GET", f"{PREFIX}/notifications", feed, "Your SLA notifications, newest first",
             "listSlaNotifications", response=Feed, roles=READERS),
    Endpoint("POST", f"{PREFIX}/escalations/{{escalation_id:int}}/ack", acknowledge,
             "Acknowledge an escalation: no further level fires for that breach",
             "acknowledgeEscalation", body=AckIn, response=Acknowledged, roles=READERS),
    *_config("calendars", "calendar", calendar_t, CalendarIn),
    *_config("policies", "policy", policy_t, PolicyIn),
    *_config("ladders", "ladder", ladder_t, LadderIn),
]  # fmt: skip


def routes(rt: Runtime) -> list[BaseRoute]:
    """The SLA API's Starlette routes, with absolute paths under /api/v1/sla."""
    return list(endpoint_routes(rt, ENDPOINTS))

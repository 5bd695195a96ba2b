"""The routing API under /api/v1/routing: supervisors and admins read and replace the
configuration (rules, keyword rules, assignment) and dry-run a rule set; every agent sets
their own availability."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.domain import Principal, Role
from helpdesk.endpoints import MANAGERS, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.errors import ValidationFailed
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime
from routing import agent_edits, dry_run, store
from routing.agent_edits import AgentIn
from routing.config import RoutingConfig
from routing.handlers import RECONCILE_JOB
from routing.rules import Rule

PREFIX = "/api/v1/routing"


class DryRunIn(BaseModel):
    rules: list[Rule] = Field(max_length=500)
    last: int = Field(default=50, ge=1, le=10_000)


class PreviewOut(BaseModel):
    ticket_id: int
    number: int
    rules: list[str]
    changes: dict[str, dict[str, Any]]
    notes: list[str]
    effects: list[str]


class DryRunOut(BaseModel):
    """What the rules would have changed on each ticket, without changing anything."""

    tickets: list[PreviewOut]


class AvailabilityOut(BaseModel):
    availability: str
    assigned: int


class AvailabilityIn(BaseModel):
    availability: Literal["online", "away", "offline"]


class AgentOut(BaseModel):
    user_id: int
    email: str
    name: str
    availability: str
    capacity: int | None
    skills: list[str]
    idle_away: bool


class AgentsOut(BaseModel):
    items: list[AgentOut]


async def get_agents(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as unit:
        return ok({"items": await store.agents(unit)})


async def put_agent(rt: Runtime, request: Request, who: Principal) -> Response:
    user_id: int = request.path_params["user_id"]
    body = await parse_body(request, AgentIn)
    async with rt.stores() as unit:
        saved = await agent_edits.change_agent(unit, user_id, body, by=who.user_id, via="api")
    await rt.run_job(RECONCILE_JOB)  # new skills, capacity or availability may fit the queue
    return ok(saved)


class ChangeOut(BaseModel):
    at: datetime
    by: str | None  # the user's name; None for the command line
    action: str
    subject: str
    data: dict[str, Any]


class ChangesOut(BaseModel):
    """Routing's audit trail, newest first."""

    items: list[ChangeOut]


async def get_changes(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as unit:
        return ok({"items": await store.changes(unit)})


async def get_config(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as unit:
        config = await store.load_config(unit)
    return ok(config.model_dump(mode="json"))


async def put_config(rt: Runtime, request: Request, who: Principal) -> Response:
    config = await parse_body(request, RoutingConfig)
    async with rt.stores() as unit:
        missing = await store.missing_webhooks(unit, config)
        if missing:
            raise ValidationFailed(missing)
        await store.save_config(unit, config)
        await store.record_change(
            unit,
            who.user_id,
            "api",
            "configuration replaced",
            store.config_summary(config),
            config.model_dump(mode="json"),
        )
    return ok(config.model_dump(mode="json"))


async def post_dry_run(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, DryRunIn)
    async with rt.stores() as unit:
        previews = await dry_run.dry_run(unit, body.rules, last=body.last)
    return ok(
        {
            "tickets": [
                {
                    "ticket_id": p.ticket_id,
                    "number": p.number,
                    "rules": list(p.rules),
                    "changes": {k: {"old": o, "new": n} for k, (o, n) in p.changes.items()},
                    "notes": list(p.notes),
                    "effects": list(p.effects),
                }
                for p in previews
            ]
        }
    )


async def put_availability(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, AvailabilityIn)
    if who.role == Role.BOT:
        raise ValidationFailed({"availability": "bots take no tickets"})
    async with rt.stores() as unit:
        await store.set_agent(unit, who.user_id, availability=body.availability)
    assigned = await rt.run_job(RECONCILE_JOB) if body.availability == "online" else 0
    return ok({"availability": body.availability, "assigned": assigned})


ENDPOINTS = [
    Endpoint(
        "GET",
        f"{PREFIX}/changes",
        get_changes,
        "Who changed the routing configuration and agents' settings, newest first",
        "listRoutingChanges",
        response=ChangesOut,
        roles=MANAGERS,
    ),
    Endpoint(
        "GET",
        f"{PREFIX}/agents",
        get_agents,
        "Agents with their availability, capacity and skills",
        "listRoutingAgents",
        response=AgentsOut,
        roles=MANAGERS,
    ),
    Endpoint(
        "PUT",
        f"{PREFIX}/agents/{{user_id:int}}",
        put_agent,
        "Set an agent's availability, capacity or skills",
        "putRoutingAgent",
        body=AgentIn,
        response=AgentOut,
        roles=MANAGERS,
    ),
    Endpoint(
        "GET",
        f"{PREFIX}/config",
        get_config,
        "The routing configuration",
        "getRoutingConfig",
        response=RoutingConfig,
        roles=MANAGERS,
    ),
    Endpoint(
        "PUT",
        f"{PREFIX}/config",
        put_config,
        "Replace the routing configuration",
        "putRoutingConfig",
        body=RoutingConfig,
        response=RoutingConfig,
        roles=MANAGERS,
    ),
    Endpoint(
        "POST",
        f"{PREFIX}/dry-run",
        post_dry_run,
        "What a rule set would change on recent tickets",
        "dryRunRoutingRules",
        body=DryRunIn,
        response=DryRunOut,
        roles=MANAGERS,
    ),
    Endpoint(
        "PUT",
        f"{PREFIX}/availability",
        put_availability,
        "Set your own availability (online, away, offline)",
        "putMyAvailability",
        body=AvailabilityIn,
        response=AvailabilityOut,
        roles=(Role.AGENT, Role.SUPERVISOR, Role.ADMIN),
    ),
]


def routes(rt: Runtime) -> list[Route]:
    return list(endpoint_routes(rt, ENDPOINTS))

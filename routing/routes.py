"""The routing API under /api/v1/routing: supervisors and admins read and replace the
configuration (rules, keyword rules, assignment) and dry-run a rule set; every agent sets
their own availability."""

from __future__ import annotations

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
from routing import dry_run, store
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

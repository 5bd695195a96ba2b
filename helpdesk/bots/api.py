"""The bots' API: a bot (or a supervisor) hands a ticket over to people; admins choose which
channels start their tickets with a bot. Bots reply, add notes and set fields through the
tickets API like any user; their messages and changes are recorded as the bot's."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import queries
from helpdesk.domain import Actor, Principal, Role
from helpdesk.endpoints import ADMINS, Endpoint
from helpdesk.endpoints import routes as declared
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime
from helpdesk.services import bots

HANDOVER_ROLES = (Role.BOT, Role.SUPERVISOR, Role.ADMIN)


class HandoverIn(BaseModel):
    note: str = Field(default="", max_length=20_000)  # what the bot tried, for the agent


class BotFirstIn(BaseModel):
    bot_id: int | None = None  # None: the channel's tickets start with people again


async def hand_over(rt: Runtime, request: Request, who: Principal) -> Response:
    ticket_id = int(request.path_params["ticket_id"])
    body = await parse_body(request, HandoverIn)
    async with rt.stores() as store:
        await queries.ticket_access(store, who, ticket_id)
        actor = Actor.user(who.user_id, bot=who.role is Role.BOT)
        await bots.hand_over(store, ticket_id, actor, body.note)
        row = await queries.ticket_access(store, who, ticket_id)
    return ok({"id": ticket_id, "handed_over_at": row["handed_over_at"]})


async def list_bot_first(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        channels = await bots.bot_channels(store)
    return ok({"items": [{"channel": c, "bot_id": b} for c, b in sorted(channels.items())]})


async def put_bot_first(rt: Runtime, request: Request, who: Principal) -> Response:
    channel = request.path_params["channel"]
    body = await parse_body(request, BotFirstIn)
    async with rt.stores() as store:
        await bots.set_bot_first(store, channel, body.bot_id)
    return ok({"channel": channel, "bot_id": body.bot_id})


ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket_id:int}/handover",
        hand_over,
        "Hand a bot's ticket over to people (it enters the human queues)",
        body=HandoverIn,
        roles=HANDOVER_ROLES,
    ),
    Endpoint(
        "GET", "/api/v1/bot-first", list_bot_first, "Channels that start with a bot", roles=ADMINS
    ),
    Endpoint(
        "PUT",
        "/api/v1/bot-first/{channel}",
        put_bot_first,
        "Start a channel's new tickets with a bot user (bot_id null: with people)",
        body=BotFirstIn,
        roles=ADMINS,
    ),
)


def routes(rt: Runtime) -> list[Route]:
    return declared(rt, ENDPOINTS)

"""The bots' API: a bot (or a supervisor) hands a ticket over to people; admins choose which
channels start their tickets with a bot. Bots reply, add notes and set fields through the
tickets API like any user; their messages and changes are recorded as the bot's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import queries
from helpdesk.domain import Actor, Principal, Role
from helpdesk.endpoints import ADMINS, MANAGERS, BodyId, Endpoint
from helpdesk.endpoints import routes as declared
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime
from helpdesk.services import bots, knowledge

HANDOVER_ROLES = (Role.BOT, Role.SUPERVISOR, Role.ADMIN)


class HandoverIn(BaseModel):
    note: str = Field(default="", max_length=20_000)  # what the bot tried, for the agent


class BotFirstIn(BaseModel):
    bot_id: BodyId | None = None  # None: the channel's tickets start with people again
    faq: bool = False  # the built-in FAQ bot answers first, as this bot user


class ArticleIn(BaseModel):
    language: str = Field(min_length=2, max_length=16)
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=50_000)
    active: bool = True


async def list_articles(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok({"items": await knowledge.articles(store)})


async def create_article(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, ArticleIn)
    async with rt.stores() as store:
        article_id = await knowledge.add_article(store, body.language, body.title, body.body)
        if not body.active:
            await knowledge.update_article(
                store, article_id, body.language, body.title, body.body, False
            )
    return ok({"id": article_id, **body.model_dump()}, status=201)


async def put_article(rt: Runtime, request: Request, who: Principal) -> Response:
    article_id = int(request.path_params["article_id"])
    body = await parse_body(request, ArticleIn)
    async with rt.stores() as store:
        await knowledge.update_article(
            store, article_id, body.language, body.title, body.body, body.active
        )
    return ok({"id": article_id, **body.model_dump()})


async def delete_article(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        await knowledge.delete_article(store, int(request.path_params["article_id"]))
    return Response(status_code=204)


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
    return ok({"items": channels})


async def put_bot_first(rt: Runtime, request: Request, who: Principal) -> Response:
    channel = request.path_params["channel"]
    body = await parse_body(request, BotFirstIn)
    async with rt.stores() as store:
        await bots.set_bot_first(store, channel, body.bot_id, faq=body.faq)
    return ok({"channel": channel, "bot_id": body.bot_id, "faq": body.faq})


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ArticleOut(_Open):
    id: int


class Items(BaseModel):
    items: list[dict[str, Any]]


class HandedOver(BaseModel):
    id: int
    handed_over_at: datetime | None


class BotFirstOut(BaseModel):
    channel: str
    bot_id: int | None
    faq: bool


ARTICLES = "/api/v1/kb/articles"
_ARTICLE = ARTICLES + "/{article_id:int}"
_CHANNEL = {"channel": {"type": "string", "pattern": r"^[a-z0-9_]{1,32}$"}}
ENDPOINTS = (
    Endpoint("GET", ARTICLES, list_articles, "Knowledge-base articles", "listKbArticles",
             response=Items, roles=MANAGERS),
    Endpoint("POST", ARTICLES, create_article,
             "Add a knowledge-base article the FAQ bot answers from", "createKbArticle",
             body=ArticleIn, response=ArticleOut, status=201, roles=MANAGERS),
    Endpoint("PUT", _ARTICLE, put_article, "Replace a knowledge-base article",
             "replaceKbArticle", body=ArticleIn, response=ArticleOut, roles=MANAGERS),
    Endpoint("DELETE", _ARTICLE, delete_article, "Delete a knowledge-base article",
             "deleteKbArticle", status=204, roles=MANAGERS),
    Endpoint("POST", "/api/v1/tickets/{ticket_id:int}/handover", hand_over,
             "Hand a bot's ticket over to people (it enters the human queues)",
             "handOverTicket", body=HandoverIn, response=HandedOver, roles=HANDOVER_ROLES),
    Endpoint("GET", "/api/v1/bot-first", list_bot_first, "Channels that start with a bot",
             "listBotFirstChannels", response=Items, roles=ADMINS),
    Endpoint("PUT", "/api/v1/bot-first/{channel}", put_bot_first,
             "Start a channel's new tickets with a bot user (bot_id null: with people)",
             "setBotFirstChannel", body=BotFirstIn, response=BotFirstOut, roles=ADMINS,
             path_schemas=_CHANNEL),
)  # fmt: skip


def routes(rt: Runtime) -> list[Route]:
    return declared(rt, ENDPOINTS)

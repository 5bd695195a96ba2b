"""Admin API for the texts of automatic replies (/api/v1/auto-replies/templates): list the
built-in and edited texts, edit one per kind, channel (`*`: every channel) and language, or
reset it to the built-in default."""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.domain import Actor, Principal
from helpdesk.endpoints import ADMINS, Endpoint
from helpdesk.endpoints import routes as declared
from helpdesk.errors import ValidationFailed
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime
from helpdesk.services import autoreplies, message_texts
from sla import ack_texts

PREFIX = "/api/v1/auto-replies/templates"
_CHANNEL_CHARS = frozenset(string.ascii_lowercase + string.digits + "_*")


class TemplateIn(BaseModel):
    subject: str = Field(default="", max_length=998)
    text: str = Field(min_length=1, max_length=10_000, pattern=message_texts.VISIBLE)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _key(request: Request) -> tuple[str, str, str]:
    kind = request.path_params["kind"]
    channel = request.path_params["channel"]
    language = request.path_params["language"]
    errors: dict[str, str] = {}
    if kind not in ack_texts.KINDS:
        errors["kind"] = f"use one of {', '.join(ack_texts.KINDS)}"
    if not channel or len(channel) > 32 or not set(channel) <= _CHANNEL_CHARS:
        errors["channel"] = "a channel name such as email or telegram, or * for every channel"
    if language not in ack_texts.LANGUAGES:
        errors["language"] = f"use one of {', '.join(ack_texts.LANGUAGES)}"
    if errors:
        raise ValidationFailed(errors)
    return kind, channel, language


def _validated(kind: str, body: TemplateIn) -> TemplateIn:
    allowed = ack_texts.PLACEHOLDERS[kind]
    errors: dict[str, str] = {}
    for field in ("subject", "text"):
        try:
            unknown = _placeholders(getattr(body, field)) - allowed
        except ValueError as exc:
            errors[field] = f"not a valid template: {exc}"
            continue
        if unknown:
            names = ", ".join("{" + n + "}" for n in sorted(unknown))
            errors[field] = f"unknown placeholders {names}; use {', '.join(sorted(allowed))}"
    if errors:
        raise ValidationFailed(errors)
    return body


async def list_templates(rt: Runtime, request: Request, who: Principal) -> Response:
    builtin: list[dict[str, Any]] = []
    for kind in ack_texts.KINDS:
        for channel in ("*", *sorted(ack_texts.CHAT_CHANNELS)):
            for language in ack_texts.LANGUAGES:
                text = ack_texts.default(kind, channel, language)
                builtin.append(
                    {
                        "kind": kind,
                        "channel": channel,
                        "language": language,
                        "subject": text.subject,
                        "text": text.text,
                    }
                )
    async with rt.stores() as store:
        edited = await autoreplies.templates(store)
    return ok({"defaults": builtin, "edited": edited})


async def put_template(rt: Runtime, request: Request, who: Principal) -> Response:
    kind, channel, language = _key(request)
    body = _validated(kind, await parse_body(request, TemplateIn))
    async with rt.stores() as store:
        await message_texts.save(
            store, Actor.user(who.user_id), kind=kind, channel=channel, language=language,
            subject=body.subject, text=body.text, allowed=ack_texts.PLACEHOLDERS[kind], via="api",
        )  # fmt: skip
    return ok({"kind": kind, "channel": channel, "language": language, **body.model_dump()})


async def reset_template(rt: Runtime, request: Request, who: Principal) -> Response:
    kind, channel, language = _key(request)
    async with rt.stores() as store:
        await message_texts.reset(
            store, Actor.user(who.user_id), kind=kind, channel=channel, language=language,
            via="api", must_exist=True,
        )  # fmt: skip
    return Response(status_code=204)


class Templates(BaseModel):
    defaults: list[dict[str, Any]]
    edited: list[dict[str, Any]]


class TemplateOut(BaseModel):
    kind: str
    channel: str
    language: str
    subject: str
    text: str


_ITEM = PREFIX + "/{kind}/{channel}/{language}"
# Kinds and languages are checked by _key (422 naming the part); the channel's form here.
_KEY: dict[str, dict[str, Any]] = {
    "kind": {"type": "string", "enum": list(ack_texts.KINDS)},
    "channel": {"type": "string", "pattern": r"^[a-z0-9_*]{1,32}$"},
    "language": {"type": "string", "enum": list(ack_texts.LANGUAGES)},
}
ENDPOINTS = (
    Endpoint("GET", PREFIX, list_templates, "Built-in and edited texts of automatic replies",
             "listAutoReplyTemplates", response=Templates, roles=ADMINS),
    Endpoint("PUT", _ITEM, put_template,
             "Edit the text of an automatic reply for a channel (* for all) and language",
             "setAutoReplyTemplate", body=TemplateIn, response=TemplateOut, roles=ADMINS,
             path_schemas=_KEY),
    Endpoint("DELETE", _ITEM, reset_template,
             "Reset an automatic reply's text to the built-in default", "resetAutoReplyTemplate",
             status=204, roles=ADMINS, path_schemas=_KEY),
)  # fmt: skip


def routes(rt: Runtime) -> list[Route]:
    return declared(rt, ENDPOINTS)

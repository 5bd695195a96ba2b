"""JSON API for mailboxes under /api/v1/mailboxes: admins only; passwords are write-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from channels.email import queries, services
from channels.email.config import MailboxCreate, MailboxPatch
from helpdesk.crypto import SecretBox
from helpdesk.domain import Actor, Principal
from helpdesk.endpoints import ADMINS, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime

PREFIX = "/api/v1/mailboxes"
_NAME = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]{0,99}$"}


class MailboxOut(BaseModel):
    """A mailbox as the API shows it: every setting but the passwords."""

    model_config = ConfigDict(extra="allow")

    id: int
    name: str
    address: str
    active: bool
    imap_password_set: bool
    smtp_password_set: bool
    created_at: datetime


class Mailboxes(BaseModel):
    items: list[MailboxOut]


def routes(rt: Runtime) -> list[BaseRoute]:
    box = SecretBox(rt.settings.secret_key)

    async def list_mailboxes(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            return ok({"items": await queries.list_mailboxes(store)})

    async def create_mailbox(rt: Runtime, request: Request, who: Principal) -> Response:
        data = await parse_body(request, MailboxCreate)
        async with rt.stores() as store:
            await services.add_mailbox(store, box, data, actor=Actor.user(who.user_id), via="api")
        async with rt.stores() as store:
            created: dict[str, Any] = await queries.get_mailbox(store, data.name)
        return ok(created, status=201, headers={"Location": f"{PREFIX}/{data.name}"})

    async def get_mailbox(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            return ok(await queries.get_mailbox(store, request.path_params["name"]))

    async def update_mailbox(rt: Runtime, request: Request, who: Principal) -> Response:
        name = request.path_params["name"]
        patch = await parse_body(request, MailboxPatch)
        async with rt.stores() as store:
            await services.update_mailbox(
                store, box, name, patch, actor=Actor.user(who.user_id), via="api"
            )
        async with rt.stores() as store:
            return ok(await queries.get_mailbox(store, name))

    async def delete_mailbox(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            await services.remove_mailbox(
                store, request.path_params["name"], actor=Actor.user(who.user_id), via="api"
            )
        return Response(status_code=204)

    item = PREFIX + "/{name}"
    names = {"name": _NAME}
    return list(endpoint_routes(rt, [
        Endpoint("GET", PREFIX, list_mailboxes, "List mailboxes", "listMailboxes",
                 response=Mailboxes, roles=ADMINS),
        Endpoint("POST", PREFIX, create_mailbox, "Add a mailbox", "createMailbox",
                 body=MailboxCreate, response=MailboxOut, status=201, roles=ADMINS),
        Endpoint("GET", item, get_mailbox, "One mailbox", "getMailbox", response=MailboxOut,
                 roles=ADMINS, path_schemas=names),
        Endpoint("PATCH", item, update_mailbox, "Change a mailbox", "updateMailbox",
                 body=MailboxPatch, response=MailboxOut, roles=ADMINS, path_schemas=names),
        Endpoint("DELETE", item, delete_mailbox, "Remove a mailbox", "deleteMailbox",
                 status=204, roles=ADMINS, path_schemas=names),
    ]))  # fmt: skip

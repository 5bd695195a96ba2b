"""JSON API for mailboxes under /api/v1/mailboxes: admins only; passwords are write-only."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from channels.email import queries, services
from channels.email.config import MailboxCreate, MailboxPatch
from helpdesk.auth import principal, require_role
from helpdesk.crypto import SecretBox
from helpdesk.domain import Role
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime

PREFIX = "/api/v1/mailboxes"


def routes(rt: Runtime) -> list[BaseRoute]:
    box = SecretBox(rt.settings.secret_key)

    async def admin(request: Request) -> None:
        require_role(await principal(rt, request), Role.ADMIN)

    async def list_or_create(request: Request) -> Response:
        await admin(request)
        if request.method == "GET":
            async with rt.stores() as store:
                return ok({"items": await queries.list_mailboxes(store)})
        data = await parse_body(request, MailboxCreate)
        async with rt.stores() as store:
            await services.add_mailbox(store, box, data)
        async with rt.stores() as store:
            created: dict[str, Any] = await queries.get_mailbox(store, data.name)
        return ok(created, status=201, headers={"Location": f"{PREFIX}/{data.name}"})

    async def one(request: Request) -> Response:
        await admin(request)
        name = request.path_params["name"]
        if request.method == "GET":
            async with rt.stores() as store:
                return ok(await queries.get_mailbox(store, name))
        if request.method == "DELETE":
            async with rt.stores() as store:
                await services.remove_mailbox(store, name)
            return Response(status_code=204)
        patch = await parse_body(request, MailboxPatch)
        async with rt.stores() as store:
            await services.update_mailbox(store, box, name, patch)
        async with rt.stores() as store:
            return ok(await queries.get_mailbox(store, name))

    return [
        Route(PREFIX, list_or_create, methods=["GET", "POST"]),
        Route(PREFIX + "/{name}", one, methods=["GET", "PATCH", "DELETE"]),
    ]

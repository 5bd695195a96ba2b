"""Bearer-token authentication and role checks for the JSON API."""

from __future__ import annotations

from starlette.requests import Request

from helpdesk.domain import Principal, Role
from helpdesk.errors import Forbidden, Unauthorized
from helpdesk.runtime import Runtime


async def principal(rt: Runtime, request: Request) -> Principal:
    """The user behind `Authorization: Bearer <token>`; `Unauthorized` otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing Bearer token: send `Authorization: Bearer <token>`")
    async with rt.stores.read() as store:  # a read: never queues behind writers
        return await rt.tokens.principal(store, token.strip())


def require_role(who: Principal, *roles: Role) -> None:
    if who.role not in roles:
        names = ", ".join(r.value for r in roles)
        raise Forbidden(f"this needs one of the roles: {names}")

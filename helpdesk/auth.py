"""Bearer-token authentication and role checks for the JSON API."""

from __future__ import annotations

from starlette.requests import Request

from helpdesk.domain import Principal, Role
from helpdesk.errors import Forbidden, Unauthorized
from helpdesk.runtime import Runtime
from helpdesk.services import touch_token


async def principal(rt: Runtime, request: Request) -> Principal:
    """The user behind `Authorization: Bearer <token>`; `Unauthorized` otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing Bearer token: send `Authorization: Bearer <token>`")
    async with rt.stores.read() as store:  # a read: never queues behind writers
        use = await rt.tokens.use(store, token.strip())
    if use.stale:  # at most once a minute per token: idle agents are told by this
        async with rt.stores() as store:
            await touch_token(store, use.token_id)
    return use.principal


def require_role(who: Principal, *roles: Role) -> None:
    if who.role not in roles:
        names = ", ".join(r.value for r in roles)
        raise Forbidden(f"this needs one of the roles: {names}")

"""Admin JSON API for forms under /api/v1/forms (admin role only; 422 names each bad field).

GET    /api/v1/forms           list
POST   /api/v1/forms           create (201); 409 when the slug exists
GET    /api/v1/forms/{slug}    the definition
PUT    /api/v1/forms/{slug}    create or replace (slug in the body must match)
DELETE /api/v1/forms/{slug}    remove (204)
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from channels.web_form import queries, services
from channels.web_form.definition import SLUG, FormDefinition, parse_definition
from helpdesk.auth import principal, require_role
from helpdesk.domain import Role
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import ok
from helpdesk.runtime import Runtime

PREFIX = "/api/v1/forms"


def dump(definition: FormDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


async def _definition(request: Request) -> FormDefinition:
    raw = await request.body()
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationFailed({"body": f"not valid JSON: {type(exc).__name__}"}) from None
    return parse_definition(data)


def routes(rt: Runtime) -> list[BaseRoute]:
    async def admin(request: Request) -> None:
        require_role(await principal(rt, request), Role.ADMIN)

    async def collection(request: Request) -> Response:
        await admin(request)
        if request.method == "GET":
            async with rt.stores() as store:
                return ok({"items": await queries.list_forms(store)})
        definition = await _definition(request)
        async with rt.stores() as store:
            await services.save_form(store, definition)
        return ok(dump(definition), status=201, headers={"Location": f"{PREFIX}/{definition.slug}"})

    async def item(request: Request) -> Response:
        await admin(request)
        slug = request.path_params["slug"]
        if not SLUG.match(slug):
            raise NotFound(f"no form {slug[:80]!r}")
        if request.method == "DELETE":
            async with rt.stores() as store:
                await services.remove_form(store, slug)
            return Response(status_code=204)
        if request.method == "PUT":
            definition = await _definition(request)
            if definition.slug != slug:
                raise ValidationFailed({"slug": f"must be {slug!r}, the slug in the URL"})
            async with rt.stores() as store:
                await services.save_form(store, definition, replace=True)
            return ok(dump(definition))
        async with rt.stores() as store:
            form = await queries.get_form(store, slug)
        if form is None:
            raise NotFound(f"no form {slug!r}")
        return ok(dump(form.definition))

    return [
        Route(PREFIX, collection, methods=["GET", "POST"]),
        Route(PREFIX + "/{slug}", item, methods=["GET", "PUT", "DELETE"]),
    ]

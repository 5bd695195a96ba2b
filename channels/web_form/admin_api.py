"""Admin JSON API for forms under /api/v1/forms (admin role only; 422 names each bad field).

GET    /api/v1/forms           list
POST   /api/v1/forms           create (201); 409 when the slug exists
GET    /api/v1/forms/{slug}    the definition
PUT    /api/v1/forms/{slug}    create or replace (slug in the body must match)
DELETE /api/v1/forms/{slug}    remove (204)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from channels.web_form import queries, services
from channels.web_form.definition import SLUG, FormDefinition
from helpdesk.domain import Principal
from helpdesk.endpoints import ADMINS, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import ok, parse_body
from helpdesk.runtime import Runtime

PREFIX = "/api/v1/forms"


def dump(definition: FormDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


async def _definition(request: Request) -> FormDefinition:
    return await parse_body(request, FormDefinition)


class FormSummary(BaseModel):
    slug: str
    title: dict[str, str]
    active: bool


class Forms(BaseModel):
    items: list[FormSummary]


def routes(rt: Runtime) -> list[BaseRoute]:
    async def list_forms(rt: Runtime, request: Request, who: Principal) -> Response:
        async with rt.stores() as store:
            return ok({"items": await queries.list_forms(store)})

    async def create_form(rt: Runtime, request: Request, who: Principal) -> Response:
        definition = await _definition(request)
        async with rt.stores() as store:
            await services.save_form(store, definition, by=who.user_id, via="api")
        return ok(dump(definition), status=201, headers={"Location": f"{PREFIX}/{definition.slug}"})

    def slug_of(request: Request) -> str:
        slug: str = request.path_params["slug"]
        if not SLUG.match(slug):
            raise NotFound(f"no form {slug[:80]!r}")
        return slug

    async def get_form(rt: Runtime, request: Request, who: Principal) -> Response:
        slug = slug_of(request)
        async with rt.stores() as store:
            form = await queries.get_form(store, slug)
        if form is None:
            raise NotFound(f"no form {slug!r}")
        return ok(dump(form.definition))

    async def replace_form(rt: Runtime, request: Request, who: Principal) -> Response:
        slug = slug_of(request)
        definition = await _definition(request)
        if definition.slug != slug:
            raise ValidationFailed({"slug": f"must be {slug!r}, the slug in the URL"})
        async with rt.stores() as store:
            await services.save_form(store, definition, replace=True, by=who.user_id, via="api")
        return ok(dump(definition))

    async def delete_form(rt: Runtime, request: Request, who: Principal) -> Response:
        slug = slug_of(request)
        async with rt.stores() as store:
            await services.remove_form(store, slug, by=who.user_id, via="api")
        return Response(status_code=204)

    item = PREFIX + "/{slug}"
    slugs = {"slug": {"type": "string", "pattern": SLUG.pattern}}
    return list(endpoint_routes(rt, [
        Endpoint("GET", PREFIX, list_forms, "List web forms", "listForms", response=Forms,
                 roles=ADMINS),
        Endpoint("POST", PREFIX, create_form, "Create a web form", "createForm",
                 body=FormDefinition, response=FormDefinition, status=201, roles=ADMINS),
        Endpoint("GET", item, get_form, "A web form's definition", "getForm",
                 response=FormDefinition, roles=ADMINS, path_schemas=slugs),
        Endpoint("PUT", item, replace_form, "Create or replace a web form", "replaceForm",
                 body=FormDefinition, response=FormDefinition, roles=ADMINS,
                 path_schemas=slugs),
        Endpoint("DELETE", item, delete_form, "Remove a web form", "deleteForm", status=204,
                 roles=ADMINS, path_schemas=slugs),
    ]))  # fmt: skip

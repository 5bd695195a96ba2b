"""Public endpoints of a form: `GET/POST/OPTIONS /forms/{slug}`.

GET renders the page; POST takes the HTML form (multipart, with attachments) or JSON from a
site's own front end (CORS for the form's configured origins). Every refusal is a clear 4xx:
unknown form 404, foreign origin 403, bad CSRF token 403 (form shown again with the input
kept), honeypot 400, unreadable body 400, too large 413, wrong content type 415, invalid
fields 422, too many submissions 429 with Retry-After. Nothing is stored unless everything
was valid.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from channels.web_form import _http, pages, queries
from channels.web_form._csrf import COOKIE, MAX_AGE, CsrfTokens
from channels.web_form._submit import Submission
from channels.web_form.definition import SLUG
from channels.web_form.i18n import negotiate, texts
from channels.web_form.queries import Form
from helpdesk.endpoints import PUBLIC, Auth, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.runtime import Runtime


class FormEndpoints:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.csrf = CsrfTokens(rt.settings.secret_key)

    async def form(self, slug: str) -> Form | None:
        if not SLUG.match(slug):
            return None  # not a name any form can have: no need to ask the database
        async with self.rt.stores() as store:
            form = await queries.get_form(store, slug)
        return form if form is not None and form.definition.active else None

    def language(self, request: Request, form: Form | None, asked: str | None = None) -> str:
        offered = list(form.definition.languages) if form else ["en", "tr"]
        return negotiate(
            asked or request.query_params.get("lang"),
            request.headers.get("accept-language"),
            offered,
            self.rt.settings.default_language,
        )

    async def options(self, request: Request) -> Response:
        """The CORS preflight of a JSON post from another site."""
        return self.preflight(request, await self.form(request.path_params["slug"]))

    async def page(self, rt: Runtime, request: Request, who: None) -> Response:
        """The form page (GET, HEAD)."""
        form = await self.form(request.path_params["slug"])
        if form is None:
            return self.not_found(request)
        return await self.render_form(request, form, self.language(request, form))

    async def submit(self, rt: Runtime, request: Request, who: None) -> Response:
        """A post, HTML or JSON; its CSRF token or Origin is checked by the Submission."""
        form = await self.form(request.path_params["slug"])
        if form is None:
            return self.not_found(request)
        return await Submission(self, request, form).handle()

    def not_found(self, request: Request) -> Response:
        lang = self.language(request, None)
        if request.method == "POST" and _is_json(request):
            return _http.json_error(404, texts(lang)["not_found"], {})
        headers = _http.page_headers(None, lang)
        return pages.message_page("404", texts(lang)["not_found"], lang, 404, headers)

    def preflight(self, request: Request, form: Form | None) -> Response:
        origin = (request.headers.get("origin") or "").lower()
        if form is None:
            return Response(status_code=404)
        if origin not in form.definition.allowed_origins:
            return Response(status_code=403, headers={"Vary": "Origin"})
        return Response(
            status_code=204,
            headers={
                **_http.cors_headers(origin),
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": _http.PREFLIGHT_HEADERS,
                "Access-Control-Max-Age": "600",
            },
        )

    async def render_form(
        self,
        request: Request,
        form: Form,
        lang: str,
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
        submission_id: str | None = None,
    ) -> Response:
        """The form page with a fresh CSRF token (and its cookie)."""
        token, nonce = self.csrf.issue(form.slug, self.rt.clock.now(), request.cookies.get(COOKIE))
        async with self.rt.stores() as store:
            labels = await queries.category_names(store, form.definition.categories)
        response = pages.form_page(
            form,
            lang,
            csrf_token=token,
            submission_id=submission_id or uuid.uuid4().hex,
            category_labels=labels,
            values=values,
            errors=errors,
            status=status,
            headers=_http.page_headers(form, lang),
        )
        # Embedded on another site (https) the cookie is third-party: SameSite=None with
        # Partitioned (CHIPS) keeps it working where browsers block third-party cookies.
        https = request.url.scheme == "https"
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=int(MAX_AGE.total_seconds()),
            path="/forms",
            httponly=True,
            secure=https,
            samesite="none" if https else "lax",
        )
        if https:
            # Starlette's `partitioned=` needs Python 3.14; the attribute is plain text.
            name, value = response.raw_headers[-1]
            response.raw_headers[-1] = (name, value + b"; Partitioned")
        return response


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == (
        "application/json"
    )


class Accepted(BaseModel):
    ticket_number: int
    submission_id: str
    language: str


_PAGE = {"type": "string"}
_VALUE = {"anyOf": [{"type": "string", "maxLength": 100_000}, {"type": "null"}]}
_JSON_POST: dict[str, Any] = {
    "type": "object",
    "description": "The form's own fields by name (see its definition), plus these.",
    "properties": {
        "email": {"type": "string"},
        "message": {"type": "string"},
        "submission_id": {"type": "string", "pattern": r"^[A-Za-z0-9_.:-]{8,128}$"},
        "lang": {"type": "string"},
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "filename": {"type": "string"},
                    "content_type": {"type": "string"},
                    "content_base64": {"type": "string", "contentEncoding": "base64"},
                },
                "required": ["filename", "content_base64"],
            },
        },
    },
    "required": ["email", "message"],
    "additionalProperties": _VALUE,
}
_CSRF_OR_CORS = Auth(
    "",
    None,
    PUBLIC.identify,
    description=(
        "Public. The form page posts multipart with its CSRF token (answered with HTML pages); "
        "this JSON post from another site is accepted only from the form's allowed origins (CORS). "
        "Send an "
        "`Idempotency-Key` header: the same key again returns the first ticket (200), the "
        "same key with different content is refused (409). Rate limited per client address "
        "and per email address for each form (429 with Retry-After)."
    ),
)


def routes(rt: Runtime) -> list[BaseRoute]:
    endpoints = FormEndpoints(rt)
    static = StaticFiles(directory=Path(__file__).parent / "static")
    slugs = {"slug": {"type": "string", "pattern": SLUG.pattern}}
    post = Endpoint(
        "POST",
        "/forms/{slug}",
        endpoints.submit,
        "Submit a web form (the customer-facing post)",
        "submitWebForm",
        response=Accepted,
        status=201,
        auth=_CSRF_OR_CORS,
        path_schemas=slugs,
        body_schema=_JSON_POST,
        success={"description": "A new ticket"},
        other_responses={
            200: {
                "description": "The same submission again (same Idempotency-Key and content), "
                "or the thank-you page for a browser's form post",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}},
                    "text/html": {"schema": {"type": "string"}},
                },
            }
        },
        html_errors=True,
        errors={400: "Unreadable body or spam trap", 413: "Too large",
                415: "Unsupported content type", 429: "Too many submissions; see Retry-After"},
    )  # fmt: skip
    page = Endpoint(
        "GET",
        "/forms/{slug}",
        endpoints.page,
        "The form page (HTML, in the visitor's language)",
        "getWebFormPage",
        auth=PUBLIC,
        path_schemas=slugs,
        html_errors=True,
        success={
            "description": "The page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    )
    return [
        Mount(pages.STATIC_PATH, app=static, name="web_form_static"),
        Route("/forms/{slug}", endpoints.options, methods=["OPTIONS"], name="web_form_preflight"),
        *endpoint_routes(rt, [page, post]),
    ]

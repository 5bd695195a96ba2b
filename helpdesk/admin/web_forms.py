"""/admin/forms: the web forms, their field editor with a live preview, and the embed snippet.

The editor posts what the API takes (`FormDefinition`, the public form's own model) and saves
through `channels.web_form.services.save_form`, which checks categories and team and logs the
change. The preview is the public page's template rendered from the unsaved draft, refreshed
by htmx as the admin types, inside a sandboxed frame (no script runs, nothing posts).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.web_form import pages, queries, services
from channels.web_form.definition import LANGUAGES, SLUG, FormDefinition, parse_definition
from channels.web_form.queries import Form
from helpdesk import queries as core_queries
from helpdesk.admin import form_editor
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.audit_queries import recent_changes
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page

SECTIONS.append(
    Section(
        "forms",
        "/admin/forms",
        N_("Web forms"),
        N_("Forms on your site that open tickets: their fields, languages and embed code."),
        ADMINS,
        order=50,
    )
)


def _slug(request: Request) -> str:
    slug: str = request.path_params["slug"]
    if not SLUG.match(slug):
        raise NotFound(f"no form {slug[:80]!r}")
    return slug


def _draft(request: Request) -> form_editor.FormDraft:
    form = form_of(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    lists = {
        key: [str(v) for v in form.getlist(key)]
        for key in ("categories", "languages", "required", "active")
    }
    return form_editor.from_form(fields, lists)


def _validated(draft: form_editor.FormDraft) -> FormDefinition:
    return parse_definition(form_editor.to_data(draft))


def routes(web: Web) -> list[Route]:
    base_url = web.rt.settings.base_url.rstrip("/")

    async def preview(draft: form_editor.FormDraft, lang: str) -> tuple[str | None, dict[str, str]]:
        """(the public page's HTML for the draft, or None and why it cannot be shown)."""
        try:
            definition = _validated(draft)
        except ValidationFailed as exc:
            return None, exc.errors
        async with web.rt.stores.read() as store:
            labels = await queries.category_names(store, definition.categories)
        shown = lang if lang in definition.languages else definition.languages[0]
        html = pages.preview_html(Form(0, definition, None), shown, category_labels=labels)
        return html, {}

    async def editor(
        request: Request,
        viewer: Viewer,
        draft: form_editor.FormDraft,
        *,
        new: bool,
        errors: dict[str, str] | None = None,
        status: int = 200,
        saved: bool = False,
    ) -> Response:
        posted = request.method == "POST"
        lang = str(form_of(request).get("preview_lang") or "en") if posted else "en"
        html, problems = await preview(draft, lang)
        async with web.rt.stores.read() as store:
            categories = await core_queries.list_categories(store)
            teams = await core_queries.list_teams(store)
        public = f"{base_url}/forms/{draft.slug}"
        return web.render(
            request,
            "admin_form_edit.html",
            {
                **rail(viewer, "forms"),
                "draft": draft,
                "new": new,
                "action": "/admin/forms/new" if new else f"/admin/forms/{draft.slug}/edit",
                "errors": errors or {},
                "field_errors": form_editor.field_errors,
                "types": form_editor.TYPES,
                "languages": LANGUAGES,
                "categories": categories,
                "teams": teams,
                "preview_html": html,
                "preview_problems": problems,
                "preview_lang": lang,
                "saved": saved,
                "public_url": public,
                "snippet": _snippet(base_url, public, draft),
            },
            status=status,
            viewer=viewer,
        )

    async def submitted(request: Request, viewer: Viewer, slug: str | None) -> Response:
        draft = _draft(request)
        if slug is not None:
            draft.slug = slug  # the URL names the form being edited
        op = str(form_of(request).get("op") or "")
        if op:
            draft = form_editor.rearranged(draft, op)
            return await editor(request, viewer, draft, new=slug is None)
        try:
            definition = _validated(draft)
            async with web.rt.stores() as store:
                await services.save_form(
                    store, definition, replace=slug is not None, by=viewer.who.user_id
                )
        except ValidationFailed as exc:
            return await editor(
                request, viewer, draft, new=slug is None, errors=exc.errors, status=422
            )
        except Conflict:
            return await editor(
                request, viewer, draft, new=True, status=409,
                errors={"slug": "a form with this address exists already"},
            )  # fmt: skip
        return RedirectResponse(f"/admin/forms/{definition.slug}/edit?saved=1", status_code=303)

    @page(web, *ADMINS)
    async def list_forms(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores.read() as store:
            forms = await queries.list_forms(store)
            changes = await recent_changes(store, services.KINDS, limit=10)
        return web.render(
            request,
            "admin_forms.html",
            {**rail(viewer, "forms"), "forms": forms, "changes": changes, "base_url": base_url},
            viewer=viewer,
        )

    @page(web, *ADMINS)
    async def new_form(request: Request, viewer: Viewer) -> Response:
        if request.method == "POST":
            return await submitted(request, viewer, None)
        return await editor(request, viewer, form_editor.starter(), new=True)

    @page(web, *ADMINS)
    async def edit_form(request: Request, viewer: Viewer) -> Response:
        slug = _slug(request)
        if request.method == "POST":
            return await submitted(request, viewer, slug)
        async with web.rt.stores.read() as store:
            form = await queries.get_form(store, slug)
        if form is None:
            raise NotFound(f"no form {slug!r}")
        draft = form_editor.from_definition(form.definition)
        saved = request.query_params.get("saved") == "1"
        return await editor(request, viewer, draft, new=False, saved=saved)

    @page(web, *ADMINS)
    async def live_preview(request: Request, viewer: Viewer) -> Response:
        lang = str(form_of(request).get("preview_lang") or "en")
        html, problems = await preview(_draft(request), lang)
        return web.render(
            request,
            "_form_preview.html",
            {"preview_html": html, "preview_problems": problems},
            viewer=viewer,
        )

    return [
        Route("/admin/forms", list_forms, methods=["GET"]),
        Route("/admin/forms/new", new_form, methods=["GET", "POST"]),
        Route("/admin/forms/preview", live_preview, methods=["POST"]),
        Route("/admin/forms/{slug}/edit", edit_form, methods=["GET", "POST"]),
    ]


def _snippet(base_url: str, public: str, draft: form_editor.FormDraft) -> str:
    title = (draft.title.get("en") or draft.title.get("tr") or draft.slug).replace('"', "&quot;")
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return (
        f'<iframe src="{public}" title="{title}"\n'
        '        style="width:100%;min-height:900px;border:0" loading="lazy"></iframe>\n'
        "<script>\n"
        "  // Optional: the form posts its height on load and resize; fit the frame to it.\n"
        '  addEventListener("message", function (e) {\n'
        f'    if (e.origin === "{origin}" && e.data && e.data.helpdeskForm) {{\n'
        f"      document.querySelector('iframe[src^=\"{public}\"]')\n"
        '        .style.height = e.data.helpdeskForm.height + "px";\n'
        "    }\n"
        "  });\n"
        "</script>"
    )

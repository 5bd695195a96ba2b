"""Request plumbing shared by the inbox's pages: templates, the session, CSRF, error pages.

Every route is wrapped by `page()`: it loads the server-side session (a signed-out visitor is
sent to the sign-in page), checks the CSRF token on every POST (403 without it), checks the
role, and turns the exception tree into a readable page instead of JSON.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from helpdesk import services
from helpdesk.domain import Principal, Role
from helpdesk.errors import (
    Conflict,
    Forbidden,
    HelpdeskError,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from helpdesk.inbox.i18n import Formatter, language_of, translations
from helpdesk.inbox.queries import N_
from helpdesk.runtime import Runtime
from helpdesk.services import SessionInfo

COOKIE = "hd_session"
LOGIN_CSRF_COOKIE = "hd_login_csrf"
TEMPLATES = Path(__file__).parent / "templates"
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
# More file parts than any form takes is refused by the parser (400) before it spools them.
MAX_UPLOAD_PARTS = 20
# Row ids are 32-bit columns: a bigger number in a URL names no row, and the database driver
# would refuse it with an error (a 500) rather than find nothing.
MAX_ROW_ID = 2**31 - 1
# Our pages load only our own files; a sanitiser miss in a customer's HTML still cannot run
# script, load a remote image (a tracking pixel) or post a form elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_STATUS: list[tuple[type[HelpdeskError], int, str]] = [
    (Unauthorized, 401, N_("You are signed out.")),
    (Forbidden, 403, N_("You do not have access to this.")),
    (NotFound, 404, N_("This page does not exist.")),
    (Conflict, 409, N_("This change conflicts with the ticket's current state.")),
    (ValidationFailed, 422, N_("Some values were not accepted.")),
    (TooManyRequests, 429, N_("Too many attempts.")),
]


@dataclass
class Viewer:
    """The signed-in staff member of this request."""

    session: SessionInfo
    fmt: Formatter

    @property
    def who(self) -> Principal:
        return self.session.principal

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


class Web:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        *,
        status: int = 200,
        viewer: Viewer | None = None,
        language: str | None = None,
    ) -> HTMLResponse:
        lang = language_of(language or (viewer.session.language if viewer else None))
        t = translations(lang)

        def gettext(text: str, **values: Any) -> str:
            result = t.gettext(text)
            return result % values if values else result

        def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
            return t.ngettext(singular, plural, n) % {"num": n, **values}

        html = self.env.get_template(template).render(
            request=request,
            viewer=viewer,
            lang=lang,
            gettext=gettext,
            ngettext=ngettext,
            _=gettext,
            fmt=viewer.fmt if viewer else None,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def error_page(
        self, request: Request, exc: HelpdeskError, viewer: Viewer | None
    ) -> HTMLResponse:
        status, title = 500, "Something went wrong."
        for kind, code, text in _STATUS:
            if isinstance(exc, kind):
                status, title = code, text
                break
        detail = str(exc) if not isinstance(exc, ValidationFailed) else ""
        fields = exc.errors if isinstance(exc, ValidationFailed) else {}
        response = self.render(
            request,
            "error.html",
            {"title": title, "detail": detail, "fields": fields, "status": status},
            status=status,
            viewer=viewer,
        )
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    async def viewer(self, request: Request) -> Viewer | None:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 100:
            return None
        try:
            async with self.rt.stores.read() as store:
                info = await services.session_for(store, token)
        except Unauthorized:
            return None
        if info.stale:
            async with self.rt.stores() as store:
                await services.touch_session(store, info.session_id)
        return Viewer(info, Formatter(info.language, info.timezone, self.rt.clock.now()))

    def set_session_cookie(self, request: Request, response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(services.sessions.SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=is_https(request) or self.rt.settings.base_url.startswith("https://"),
            path="/",
        )


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def csrf_ok(expected: str, form: FormData | None, request: Request) -> bool:
    given = request.headers.get("x-csrf-token") or (
        str(form.get("csrf") or "") if form is not None else ""
    )
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


Handler = Callable[[Request, Viewer], Awaitable[Response]]


def page(web: Web, *roles: Role) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a route: session required, CSRF on POST, role check, errors as pages."""
    allowed = roles or STAFF

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            viewer = await web.viewer(request)
            if viewer is None:
                return login_redirect(request)
            if request.method != "POST":
                return await _run(request, viewer)
            # Uploaded files are spooled to temporary files; close them whatever happens.
            async with request.form(max_files=MAX_UPLOAD_PARTS) as form:
                request.state.form = form
                if not csrf_ok(viewer.csrf, form, request):
                    return web.error_page(
                        request, Forbidden("the form's security token is missing or stale"),
                        viewer,
                    )  # fmt: skip
                return await _run(request, viewer)

        async def _run(request: Request, viewer: Viewer) -> Response:
            try:
                if viewer.who.role not in allowed:
                    raise Forbidden("your role does not give access to this page")
                if any(isinstance(v, int) and v > MAX_ROW_ID for v in request.path_params.values()):
                    raise NotFound("no such item")
                return await handler(request, viewer)
            except HelpdeskError as exc:
                return web.error_page(request, exc, viewer)

        return endpoint

    return decorate


def form_of(request: Request) -> FormData:
    form: FormData = request.state.form
    return form

"""Sign in and out: the login form, sessions, sign out here or everywhere."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import services
from helpdesk.crypto import SecretBox
from helpdesk.errors import TooManyRequests
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import COOKIE, LOGIN_CSRF_COOKIE, Viewer, Web, is_https, new_nonce, page

SECOND_FACTOR_SECONDS = 300


def _safe_next(value: str | None) -> str:
    # Only paths on this site: "//evil.example" and "https://..." would leave it.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/inbox"


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def routes(web: Web) -> list[Route]:
    async def login_form(request: Request) -> Response:
        if await web.viewer(request) is not None:
            return RedirectResponse(_safe_next(request.query_params.get("next")), 303)
        return _form(request, status=200)

    def _form(
        request: Request, *, status: int, error: str = "", email: str = "", next_: str = ""
    ) -> Response:
        nonce = request.cookies.get(LOGIN_CSRF_COOKIE) or new_nonce()
        response = web.render(
            request,
            "login.html",
            {
                "csrf": nonce[:64],
                "error": error,
                "email": email,
                "next": _safe_next(next_ or request.query_params.get("next")),
            },
            status=status,
            language=request.headers.get("accept-language", "en")[:2],
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE, nonce[:64], httponly=True, samesite="lax",
            secure=is_https(request), path="/login",
        )  # fmt: skip
        return response

    async def login(request: Request) -> Response:
        form = await request.form()
        email = str(form.get("email") or "")[:320]
        password = str(form.get("password") or "")[:1000]
        next_ = str(form.get("next") or "")
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        given = str(form.get("csrf") or "")
        if not cookie or not hmac.compare_digest(cookie.encode(), given.encode()):
            return _form(
                request, status=403, email=email, next_=next_,
                error=N_("The sign-in form expired. Please try again."),
            )  # fmt: skip
        try:
            async with web.rt.stores() as store:
                session = await services.sign_in(
                    store, email, password,
                    address=_address(request),
                    user_agent=request.headers.get("user-agent", ""),
                )  # fmt: skip
        except TooManyRequests:
            response = _form(
                request, status=429, email=email, next_=next_,
                error=N_("Too many failed attempts. Wait 15 minutes and try again."),
            )  # fmt: skip
            response.headers["Retry-After"] = "900"
            return response
        if session is None:
            return _form(
                request, status=401, email=email, next_=next_,
                error=N_("Wrong email or password."),
            )  # fmt: skip
        if isinstance(session, services.SecondFactor):
            return _code_form(request, session.user_id, next_, status=200)
        return _signed_in(request, session, next_)

    def _signed_in(request: Request, session: services.WebSession, next_: str) -> Response:
        response = RedirectResponse(_safe_next(next_), status_code=303)
        web.set_session_cookie(request, response, session.token)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    def _pending(user_id: int) -> str:
        # Names the user whose password was right, for a few minutes; nothing else.
        value = f"{user_id}.{int(web.rt.clock.now().timestamp())}"
        return f"{value}.{web.rt.signer.mac(value, 'login-second-factor', 26)}"

    def _pending_user(token: str) -> int | None:
        user, _, rest = token.partition(".")
        issued, _, mac = rest.partition(".")
        if not (user.isdigit() and issued.isdigit() and mac):
            return None
        expected = web.rt.signer.mac(f"{user}.{issued}", "login-second-factor", 26)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        if web.rt.clock.now().timestamp() - int(issued) > SECOND_FACTOR_SECONDS:
            return None
        return int(user)

    def _code_form(
        request: Request, user_id: int, next_: str, *, status: int, error: str = ""
    ) -> Response:
        nonce = request.cookies.get(LOGIN_CSRF_COOKIE) or new_nonce()
        return web.render(
            request,
            "login_code.html",
            {"csrf": nonce[:64], "pending": _pending(user_id), "next": _safe_next(next_),
             "error": error},
            status=status,
            language=request.headers.get("accept-language", "en")[:2],
        )  # fmt: skip

    async def login_code(request: Request) -> Response:
        form = await request.form()
        next_ = str(form.get("next") or "")
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        given = str(form.get("csrf") or "")
        user_id = _pending_user(str(form.get("pending") or "")[:200])
        if not cookie or not hmac.compare_digest(cookie.encode(), given.encode()) or not user_id:
            return _form(
                request, status=403, next_=next_,
                error=N_("The sign-in form expired. Please try again."),
            )  # fmt: skip
        try:
            async with web.rt.stores() as store:
                session = await services.complete_second_factor(
                    store, SecretBox(web.rt.settings.secret_key), user_id,
                    str(form.get("code") or "")[:20],
                    address=_address(request),
                    user_agent=request.headers.get("user-agent", ""),
                )  # fmt: skip
        except TooManyRequests:
            response = _form(
                request, status=429, next_=next_,
                error=N_("Too many failed attempts. Wait 15 minutes and try again."),
            )  # fmt: skip
            response.headers["Retry-After"] = "900"
            return response
        if session is None:
            return _code_form(
                request, user_id, next_, status=401,
                error=N_("That code is not right. Enter the current code from your app."),
            )  # fmt: skip
        return _signed_in(request, session, next_)

    @page(web)
    async def logout(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores() as store:
            await services.sign_out(store, viewer.session.session_id)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @page(web)
    async def logout_everywhere(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores() as store:
            await services.sign_out_everywhere(store, viewer.who.user_id)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def root(request: Request) -> Response:
        if await web.viewer(request) is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/inbox", status_code=303)

    return [
        Route("/", root, methods=["GET"]),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/login/code", login_code, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/logout/everywhere", logout_everywhere, methods=["POST"]),
    ]

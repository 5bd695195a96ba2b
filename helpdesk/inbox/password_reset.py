"""Forgotten passwords and password links: "Forgot password?" asks for an email address and
always gives the same answer (whether an account exists is never told); the link in the mail
opens `/reset/{token}`, where the new password is set. Invitations use the same page."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.errors import TooManyRequests, ValidationFailed
from helpdesk.inbox.account_mail import queue_link_mail
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import LOGIN_CSRF_COOKIE, Web, is_https, new_nonce
from helpdesk.services import passwords

RESET_CSRF_COOKIE = "hd_reset_csrf"
SENT = N_(
    "If an account exists for that address, we have sent it a link to reset the password. "
    "Check your inbox; the link works for 1 hour."
)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _language(request: Request) -> str:
    return request.headers.get("accept-language", "en")[:2]


def _csrf_matches(request: Request, cookie_name: str, given: str) -> bool:
    cookie = request.cookies.get(cookie_name, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), given.encode())


def routes(web: Web) -> list[Route]:
    def _forgot_form(
        request: Request, *, status: int = 200, email: str = "", error: str = "", sent: bool = False
    ) -> Response:
        nonce = request.cookies.get(LOGIN_CSRF_COOKIE) or new_nonce()
        response = web.render(
            request, "forgot.html",
            {"csrf": nonce[:64], "email": email, "error": error, "sent": SENT if sent else ""},
            status=status, language=_language(request),
        )  # fmt: skip
        response.set_cookie(
            LOGIN_CSRF_COOKIE, nonce[:64], httponly=True, samesite="lax",
            secure=is_https(request), path="/login",
        )  # fmt: skip
        return response

    async def forgot_form(request: Request) -> Response:
        return _forgot_form(request)

    async def forgot(request: Request) -> Response:
        form = await request.form()
        email = str(form.get("email") or "").strip()[:320]
        if not _csrf_matches(request, LOGIN_CSRF_COOKIE, str(form.get("csrf") or "")):
            return _forgot_form(
                request, status=403, email=email,
                error=N_("The form expired. Please try again."),
            )  # fmt: skip
        # Control characters (a NUL byte the database refuses) are never part of an address.
        if "@" not in email or not email.isprintable():
            return _forgot_form(
                request, status=422, email=email, error=N_("Enter your email address.")
            )
        try:
            async with web.rt.stores() as store:
                link = await passwords.request_reset(store, email, address=_address(request))
                if link is not None:
                    await queue_link_mail(store, link, web.rt.settings.base_url)
        except TooManyRequests as exc:
            response = _forgot_form(
                request, status=429, email=email,
                error=N_("Too many requests. Wait 15 minutes and try again."),
            )  # fmt: skip
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        # The same page whether or not the account exists, and whether or not a mail left.
        return _forgot_form(request, sent=True)

    def _invalid(request: Request, exc: passwords.LinkInvalid) -> Response:
        return web.render(
            request, "reset_invalid.html", {"reason": exc.reason},
            status=410 if exc.gone else 404, language=_language(request),
        )  # fmt: skip

    def _reset_form(
        request: Request,
        token: str,
        holder: passwords.LinkHolder,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Response:
        nonce = request.cookies.get(RESET_CSRF_COOKIE) or new_nonce()
        response = web.render(
            request, "reset.html",
            {"csrf": nonce[:64], "token": token, "holder": holder, "errors": errors or {},
             "min_length": passwords.MIN_PASSWORD},
            status=status, language=holder.language,
        )  # fmt: skip
        response.set_cookie(
            RESET_CSRF_COOKIE, nonce[:64], httponly=True, samesite="strict",
            secure=is_https(request), path="/reset",
        )  # fmt: skip
        # The link's secret is in the URL: keep it out of Referer headers entirely.
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def reset_form(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            async with web.rt.stores.read() as store:
                holder = await passwords.link_holder(store, token)
        except passwords.LinkInvalid as exc:
            return _invalid(request, exc)
        return _reset_form(request, token, holder)

    async def reset(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form()
        password = str(form.get("password") or "")[: passwords.MAX_PASSWORD + 1]
        confirm = str(form.get("confirm") or "")[: passwords.MAX_PASSWORD + 1]
        try:
            async with web.rt.stores.read() as store:
                holder = await passwords.link_holder(store, token)
        except passwords.LinkInvalid as exc:
            return _invalid(request, exc)
        if not _csrf_matches(request, RESET_CSRF_COOKIE, str(form.get("csrf") or "")):
            return _reset_form(
                request, token, holder, status=403,
                errors={"form": N_("The form expired. Please try again.")},
            )  # fmt: skip
        try:
            async with web.rt.stores() as store:
                await passwords.set_password_with_link(store, token, password, confirm)
        except passwords.LinkInvalid as exc:
            return _invalid(request, exc)
        except ValidationFailed as exc:
            return _reset_form(request, token, holder, status=422, errors=exc.errors)
        response = web.render(request, "reset_done.html", {}, language=holder.language)
        response.delete_cookie(RESET_CSRF_COOKIE, path="/reset")
        return response

    return [
        Route("/login/forgot", forgot_form, methods=["GET"]),
        Route("/login/forgot", forgot, methods=["POST"]),
        Route("/reset/{token}", reset_form, methods=["GET"]),
        Route("/reset/{token}", reset, methods=["POST"]),
    ]

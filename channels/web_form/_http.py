"""HTTP details of the form endpoints: origins and CORS, security headers, body limits."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message

from channels.web_form.queries import Form

PREFLIGHT_HEADERS = "Content-Type, Idempotency-Key, Accept-Language"
_FIELDS_ALLOWANCE = 1024 * 1024  # text fields and multipart framing beside the files


class BodyTooLarge(Exception):
    """The request body passed the form's limit while it was being read."""


def body_limit(form: Form, *, json: bool) -> int:
    """The most bytes a post to `form` may carry: its files (base64 in JSON) plus fields."""
    rules = form.definition.attachments
    files = rules.max_files * rules.max_bytes
    return _FIELDS_ALLOWANCE + (
        math.ceil(files * 4 / 3) + 1024 * rules.max_files if json else files
    )


def limited(request: Request, limit: int) -> Request:
    """`request` whose body raises BodyTooLarge once more than `limit` bytes arrived, so a
    client without (or lying in) Content-Length cannot make us read an unbounded body."""
    received = 0
    receive = request.receive

    async def counting() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
        return message

    return Request(request.scope, counting)


def declared_length(request: Request) -> int | None:
    """Content-Length as an int; -1 when it is present but not a number."""
    value = request.headers.get("content-length")
    if value is None:
        return None
    return int(value) if value.isdigit() else -1


def own_origins(request: Request, base_url: str) -> set[str]:
    parts = urlsplit(base_url)
    return {f"{request.url.scheme}://{request.url.netloc}".lower(),
            f"{parts.scheme}://{parts.netloc}".lower()}  # fmt: skip


def origin_verdict(request: Request, form: Form, base_url: str) -> tuple[bool, dict[str, str]]:
    """(may post, CORS headers to add). A browser on a foreign site sends its Origin; only
    the form's configured origins (and our own) may post, and only they get CORS headers."""
    origin = request.headers.get("origin")
    if origin is None:
        return True, {}  # not a browser cross-origin request (server-to-server, curl)
    origin = origin.lower()
    if origin in own_origins(request, base_url):
        return True, {}
    if origin in form.definition.allowed_origins:
        return True, cors_headers(origin)
    return False, {}


def cors_headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


def page_headers(form: Form | None, lang: str) -> dict[str, str]:
    """Headers for HTML pages: strict CSP, framing allowed only by the form's origins."""
    ancestors = " ".join(["'self'", *(form.definition.allowed_origins if form else [])])
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
            f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "Content-Language": lang,
        "Vary": "Accept-Language",
    }


def json_error(
    status: int,
    message: str,
    headers: dict[str, str],
    fields: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"error": message, **extra}
    if fields:
        body["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


def client_ip(request: Request) -> str:
    # The peer address, or what a trusted proxy said it was: uvicorn believes X-Forwarded-For
    # only from HELPDESK_TRUSTED_PROXIES (helpdesk.serving), by default from nobody.
    return request.client.host if request.client else "unknown"

"""One POST to a form, HTML or JSON, from the first byte to the ticket number."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NoReturn

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from channels.web_form import _http, pages, queries, services
from channels.web_form._csrf import COOKIE
from channels.web_form._decode import (
    FORM_KEYS,
    Malformed,
    decode_json,
    read_form,
    submission_id_of_page,
)
from channels.web_form._files import Upload, check_files
from channels.web_form.i18n import human_size, localise, texts
from channels.web_form.inbound import CHANNEL
from channels.web_form.queries import Form
from channels.web_form.validation import Accepted, Value, validate
from helpdesk.errors import Conflict

if TYPE_CHECKING:
    from channels.web_form.routes import FormEndpoints

_MULTIPART = ("multipart/form-data", "application/x-www-form-urlencoded")


class Refused(Exception):
    """Stop handling the post and answer with `response`."""

    def __init__(self, response: Response) -> None:
        self.response = response


class Submission:
    def __init__(self, endpoints: FormEndpoints, request: Request, form: Form) -> None:
        self.endpoints = endpoints
        self.rt = endpoints.rt
        self.request = request
        self.form = form
        self.content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        self.json = self.content_type == "application/json"
        self.lang = endpoints.language(request, form)
        self.t = texts(self.lang)
        self.cors: dict[str, str] = {}

    async def handle(self) -> Response:
        try:
            return await self._handle()
        except Refused as refused:
            return refused.response

    async def _handle(self) -> Response:
        allowed, self.cors = _http.origin_verdict(
            self.request, self.form, self.rt.settings.base_url
        )
        if not allowed:
            self.refuse(403, self.t["forbidden_origin"])
        if not self.json and self.content_type not in _MULTIPART:
            self.refuse(415, self.t["unsupported"])
        limit = _http.body_limit(self.form, json=self.json)
        length = _http.declared_length(self.request)
        if length == -1:
            self.refuse(400, self.t["bad_request"])
        if length is not None and length > limit:
            self.too_large()
        body = _http.limited(self.request, limit)
        try:
            if self.json:
                return await self.from_json(body)
            return await self.from_html(body)
        except _http.BodyTooLarge:
            self.too_large()
        except HTTPException as exc:  # Starlette's own limits (multipart errors, app body cap)
            if exc.status_code == 413:
                self.too_large()
            self.refuse(400, f"{self.t['bad_request']} ({exc.detail})")

    # -- answers -------------------------------------------------------------------------------

    def refuse(self, status: int, message: str, **extra: Any) -> NoReturn:
        headers = dict(self.cors)
        if "retry_after" in extra:
            headers["Retry-After"] = str(extra["retry_after"])
        if self.json:
            raise Refused(_http.json_error(status, message, headers, **extra))
        headers = {**_http.page_headers(self.form, self.lang), **headers}
        if "Vary" in self.cors:
            headers["Vary"] = "Accept-Language, Origin"
        title = localise(self.form.definition.title, self.lang, self.form.slug)
        again = f"/forms/{self.form.slug}?lang={self.lang}"
        raise Refused(pages.message_page(title, message, self.lang, status, headers, again))

    def too_large(self) -> NoReturn:
        rules = self.form.definition.attachments
        size = human_size(rules.max_bytes, self.lang)
        self.refuse(413, self.t["too_large"].format(n=rules.max_files, size=size))

    async def check_rate(self, by: str, value: str, *, per_form: bool = False) -> None:
        async with self.rt.stores() as store:
            wait = await queries.retry_after(
                store,
                by=by,
                value=value,
                limit=self.form.definition.rate_limit,
                form_id=self.form.id if per_form else None,
            )
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            self.refuse(429, self.t["rate_limited"].format(minutes=minutes), retry_after=wait)

    # -- HTML ----------------------------------------------------------------------------------

    async def from_html(self, body: Request) -> Response:
        values, uploads = await read_form(body, self.form.definition)
        asked = values.get("lang", "")
        if "lang" not in self.request.query_params and asked in self.form.definition.languages:
            self.lang, self.t = asked, texts(asked)  # the page's language, from its hidden field
        if values.get("website"):
            self.refuse(400, self.t["spam"])
        submission_id = submission_id_of_page(values)
        csrf_ok = self.endpoints.csrf.valid(
            values.get("csrf_token", ""),
            self.request.cookies.get(COOKIE),
            self.form.slug,
            self.rt.clock.now(),
        )
        if not csrf_ok:
            return await self.show_again(values, {"form": self.t["expired"]}, 403, submission_id)
        accepted, errors, attachments = await self.check(values, uploads)
        if accepted is None:
            return await self.show_again(values, errors, 422, submission_id)
        number, _new = await self.accept(accepted, attachments, submission_id)
        return pages.confirmation_page(
            self.form,
            self.lang,
            number=number,
            email=accepted.email,
            # Promise a confirmation only when a mailbox will send it.
            emailed=self.rt.reaches(CHANNEL) == "email"
            and await self.rt.can_send(CHANNEL, self.form.slug),
            headers=_http.page_headers(self.form, self.lang),
        )

    async def show_again(
        self, values: dict[str, str], errors: dict[str, str], status: int, submission_id: str
    ) -> Response:
        kept = {k: v for k, v in values.items() if k not in FORM_KEYS}
        return await self.endpoints.render_form(
            self.request,
            self.form,
            self.lang,
            values=kept,
            errors=errors,
            status=status,
            submission_id=submission_id,
        )

    # -- JSON ----------------------------------------------------------------------------------

    async def from_json(self, body: Request) -> Response:
        try:
            post = decode_json(
                await body.body(), self.form.definition, self.request.headers.get("idempotency-key")
            )
        except Malformed as exc:
            self.refuse(400, str(exc))
        if post.spam:
            self.refuse(400, self.t["spam"])
        if post.asked_language in self.form.definition.languages:
            self.lang, self.t = post.asked_language, texts(post.asked_language)
        accepted, errors, attachments = await self.check(post.values, post.uploads)
        errors = {**errors, **post.fields, **dict.fromkeys(post.not_text, self.t["not_text"])}
        if accepted is None or errors:
            raise Refused(_http.json_error(422, "validation failed", self.cors, errors))
        number, new = await self.accept(accepted, attachments, post.submission_id)
        return JSONResponse(
            {"ticket_number": number, "submission_id": post.submission_id, "language": self.lang},
            status_code=201 if new else 200,
            headers=self.cors,
        )

    # -- shared --------------------------------------------------------------------------------

    async def check(
        self, values: dict[str, Value] | dict[str, str], uploads: list[Upload]
    ) -> tuple[Accepted | None, dict[str, str], tuple[Any, ...]]:
        accepted, errors = validate(
            self.form.definition, values, self.t, category_choices=self.form.definition.categories
        )
        attachments, problems = check_files(
            uploads, self.form.definition.attachments, self.t, self.lang
        )
        if problems:
            errors["attachments"] = " ".join(problems)
        return (None if errors else accepted), errors, attachments

    async def accept(
        self, accepted: Accepted, attachments: tuple[Any, ...], submission_id: str
    ) -> tuple[int, bool]:
        async with self.rt.stores() as store:
            earlier = await queries.find_submission(store, f"{self.form.slug}:{submission_id}")
        if earlier is None:  # a replay (reload, double click) is not another submission
            # Per form: one office behind one address may use several forms of one site.
            await self.check_rate("client_ip", _http.client_ip(self.request), per_form=True)
            await self.check_rate("email", accepted.email)
        try:
            async with self.rt.stores() as store:
                done = await services.submit(
                    store,
                    self.form,
                    accepted,
                    attachments,
                    submission_id=submission_id,
                    client_ip=_http.client_ip(self.request),
                    language=self.lang,
                    # The acknowledgement (ticket number and expected reply) replaces the
                    # form's own confirmation, so the customer gets one message, not two.
                    confirm=not self.rt.settings.acknowledge,
                )
        except Conflict as exc:
            self.refuse(409, str(exc))
        return done.ticket_number, done.new

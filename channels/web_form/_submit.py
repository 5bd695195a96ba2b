"""One POST to a form, HTML or JSON, from the first byte to the ticket number."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import uuid
from typing import TYPE_CHECKING, Any, NoReturn

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from channels.web_form import _http, pages, queries, services
from channels.web_form._csrf import COOKIE
from channels.web_form._files import Upload, check_files
from channels.web_form.i18n import human_size, localise, texts
from channels.web_form.inbound import CHANNEL
from channels.web_form.queries import Form
from channels.web_form.validation import Accepted, Value, validate
from helpdesk.errors import Conflict

if TYPE_CHECKING:
    from channels.web_form.routes import FormEndpoints

_SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
_FORM_KEYS = {"csrf_token", "submission_id", "lang", "website", "attachments"}
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

    async def check_rate(self, by: str, value: str) -> None:
        async with self.rt.stores() as store:
            wait = await queries.retry_after(
                store, by=by, value=value, limit=self.form.definition.rate_limit
            )
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            self.refuse(429, self.t["rate_limited"].format(minutes=minutes), retry_after=wait)

    # -- HTML ----------------------------------------------------------------------------------

    async def from_html(self, body: Request) -> Response:
        rules = self.form.definition.attachments
        async with body.form(
            max_files=rules.max_files + 5,
            max_fields=len(self.form.definition.fields) + 20,
            max_part_size=256 * 1024,
        ) as data:
            values = _text_values(data)
            uploads = await _uploads(data)
        asked = values.get("lang", "")
        if "lang" not in self.request.query_params and asked in self.form.definition.languages:
            self.lang, self.t = asked, texts(asked)  # the page's language, from its hidden field
        if values.get("website"):
            self.refuse(400, self.t["spam"])
        submission_id = values.get("submission_id", "")
        if not _SUBMISSION_ID.match(submission_id):
            submission_id = uuid.uuid4().hex
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
            emailed=self.rt.reaches(CHANNEL) == "email",
            headers=_http.page_headers(self.form, self.lang),
        )

    async def show_again(
        self, values: dict[str, str], errors: dict[str, str], status: int, submission_id: str
    ) -> Response:
        kept = {k: v for k, v in values.items() if k not in _FORM_KEYS}
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
        raw = await body.body()
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            self.refuse(400, f"malformed JSON: {exc}")
        except RecursionError:
            self.refuse(400, "malformed JSON: nested too deeply")
        if not isinstance(data, dict):
            self.refuse(400, "expected a JSON object")
        if data.get("website"):
            self.refuse(400, self.t["spam"])
        asked = data.get("lang")
        if isinstance(asked, str) and asked in self.form.definition.languages:
            self.lang, self.t = asked, texts(asked)
        names = {f.name for f in self.form.definition.fields}
        unknown = [key for key in data if key not in names | _FORM_KEYS][:20]
        fields = dict.fromkeys(unknown, "unknown field")
        submission_id = self.request.headers.get("idempotency-key") or data.get("submission_id")
        if submission_id is None:
            submission_id = uuid.uuid4().hex
        elif not isinstance(submission_id, str) or not _SUBMISSION_ID.match(submission_id):
            fields["submission_id"] = "use 8-128 letters, digits or _ . : -"
        uploads, problem = _json_uploads(data.get("attachments"))
        if problem:
            fields["attachments"] = problem
        values: dict[str, Value] = {
            k: v for k, v in data.items() if k in names and (v is None or isinstance(v, Value))
        }
        for key in names & data.keys() - values.keys():
            fields[key] = self.t["not_text"]
        accepted, errors, attachments = await self.check(values, uploads)
        errors = {**errors, **fields}
        if accepted is None or errors:
            raise Refused(_http.json_error(422, "validation failed", self.cors, errors))
        number, new = await self.accept(accepted, attachments, str(submission_id))
        return JSONResponse(
            {"ticket_number": number, "submission_id": submission_id, "language": self.lang},
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
            await self.check_rate("client_ip", _http.client_ip(self.request))
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
                )
        except Conflict as exc:
            self.refuse(409, str(exc))
        return done.ticket_number, done.new


def _text_values(data: FormData) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in data.multi_items():
        if isinstance(value, str) and key not in values:
            values[key] = value
    return values


async def _uploads(data: FormData) -> list[Upload]:
    uploads = []
    for item in data.getlist("attachments"):
        if not isinstance(item, UploadFile):
            continue
        content = await item.read()
        if not item.filename and not content:
            continue  # the empty part a browser sends for a file input left empty
        uploads.append(Upload(item.filename or "", item.content_type or "", content))
    return uploads


def _json_uploads(items: Any) -> tuple[list[Upload], str | None]:
    """Files in JSON: [{"filename", "content_type", "content_base64"}, ...]."""
    if items is None:
        return [], None
    if not isinstance(items, list):
        return [], "expected a list of {filename, content_type, content_base64}"
    uploads = []
    for index, item in enumerate(items[:100]):
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
            return [], f"item {index}: expected {{filename, content_type, content_base64}}"
        try:
            content = base64.b64decode(str(item.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError):
            return [], f"{item['filename']}: content_base64 is not valid base64"
        uploads.append(Upload(item["filename"], str(item.get("content_type") or ""), content))
    return uploads, None

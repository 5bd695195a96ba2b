"""Reading a form post's body, HTML or JSON, into field values and uploaded files.

Only the shape is checked here (JSON an object, files well-formed base64, ids of the allowed
alphabet); what the values mean is `validation.py`'s business.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from channels.web_form._files import Upload
from channels.web_form.definition import FormDefinition
from channels.web_form.validation import Value

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
FORM_KEYS = {"csrf_token", "submission_id", "lang", "website", "attachments"}


class Malformed(Exception):
    """The body is not what a form post can be (not JSON, not an object); 400."""


@dataclass
class FromJson:
    values: dict[str, Value]
    uploads: list[Upload]
    submission_id: str
    asked_language: str | None
    spam: bool
    # Shape errors that go into the 422 beside the validation errors, per field.
    fields: dict[str, str] = field(default_factory=dict)
    not_text: list[str] = field(default_factory=list)  # fields given as lists or objects


async def read_form(
    body: Request, definition: FormDefinition
) -> tuple[dict[str, str], list[Upload]]:
    """Text fields (the first value of each name) and uploads of a multipart or urlencoded post,
    with Starlette's parser bounded by what the form can hold."""
    rules = definition.attachments
    async with body.form(
        max_files=rules.max_files + 5,
        max_fields=len(definition.fields) + 20,
        max_part_size=256 * 1024,
    ) as data:
        return _text_values(data), await _uploads(data)


def submission_id_of_page(values: dict[str, str]) -> str:
    """The page's hidden submission id, or a new one when it is missing or mangled."""
    given = values.get("submission_id", "")
    return given if SUBMISSION_ID.match(given) else uuid.uuid4().hex


def decode_json(raw: bytes, definition: FormDefinition, idempotency_key: str | None) -> FromJson:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed(f"malformed JSON: {exc}") from None
    except RecursionError:
        raise Malformed("malformed JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise Malformed("expected a JSON object")
    names = {f.name for f in definition.fields}
    unknown = [key for key in data if key not in names | FORM_KEYS][:20]
    fields = dict.fromkeys(unknown, "unknown field")
    submission_id = idempotency_key or data.get("submission_id")
    if submission_id is None:
        submission_id = uuid.uuid4().hex
    elif not isinstance(submission_id, str) or not SUBMISSION_ID.match(submission_id):
        fields["submission_id"] = "use 8-128 letters, digits or _ . : -"
    uploads, problem = _json_uploads(data.get("attachments"))
    if problem:
        fields["attachments"] = problem
    values: dict[str, Value] = {
        k: v for k, v in data.items() if k in names and (v is None or isinstance(v, Value))
    }
    asked = data.get("lang")
    return FromJson(
        values=values,
        uploads=uploads,
        submission_id=str(submission_id),
        asked_language=asked if isinstance(asked, str) else None,
        spam=bool(data.get("website")),
        fields=fields,
        not_text=sorted(names & data.keys() - values.keys()),
    )


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

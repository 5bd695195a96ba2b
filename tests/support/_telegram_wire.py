"""The Bot API stand-in's records and request parsing (wire shapes, no server logic)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from starlette.datastructures import UploadFile
from starlette.requests import Request

from tests.support import _telegram_objects as tg
from tests.support._telegram_objects import JsonDict

_MAX_UPLOAD = 50 * 1024 * 1024


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass(frozen=True)
class ApiCall:
    """One request as the stand-in saw it. ``params`` are typed like the real API reads them."""

    method: str
    token: str
    params: JsonDict
    raw_params: dict[str, str]
    files: dict[str, UploadedFile]
    content_type: str
    error_code: int | None


@dataclass
class _Failure:
    chat_id: str
    code: int
    method: str | None
    description: str
    retry_after: int | None
    remaining: int | None


@dataclass
class _Bot:
    user: JsonDict
    next_update_id: int = 100_000_001
    updates: list[JsonDict] = field(default_factory=list)
    webhook: JsonDict | None = None


@dataclass
class _StoredFile:
    file_id: str
    unique_id: str
    path: str
    content: bytes


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def _caption(params: JsonDict) -> JsonDict:
    return {"caption": params["caption"]} if params.get("caption") else {}


async def _read_params(
    request: Request,
) -> tuple[dict[str, str], JsonDict, dict[str, UploadedFile]]:
    raw: dict[str, str] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    typed: JsonDict = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        data = json.loads(body) if body else {}
        for key, value in data.items():
            raw[key] = value if isinstance(value, str) else json.dumps(value)
            typed[key] = value
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form(max_files=100, max_fields=1000, max_part_size=_MAX_UPLOAD)
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = UploadedFile(
                    key, value.filename, value.content_type, await value.read()
                )
            else:
                raw[key] = value
        await form.close()
    for key, value in raw.items():
        typed.setdefault(key, tg.coerce_param(key, value))
    # ``attach://name`` points a parameter at a multipart part with another field name.
    for key, value in list(typed.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value.removeprefix("attach://"))
            if part is not None:
                files[key] = part
    return raw, typed, files

"""Files an agent attaches in the composer: read from the multipart form within the size
limit the channels use, named safely, handed to the reply service as `Attachment`s."""

from __future__ import annotations

import re
import unicodedata

from starlette.datastructures import FormData, UploadFile

from helpdesk.errors import ValidationFailed
from helpdesk.inbound import Attachment

MAX_FILES = 10
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def safe_filename(name: str) -> str:
    """The last path component, without control characters; browsers on Windows send paths."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    return cleaned[:200] or "attachment"


async def attachments_from(form: FormData, field: str, limit: int) -> list[Attachment]:
    """The files in `field`; an empty file input sends one nameless part, which is skipped.

    Each file is read to at most `limit` + 1 bytes, so an oversized one is refused without
    holding more than that in memory.
    """
    files = [f for f in form.getlist(field) if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_FILES:
        raise ValidationFailed({field: f"attach at most {MAX_FILES} files to one reply"})
    result: list[Attachment] = []
    for upload in files:
        content = await upload.read(limit + 1)
        name = safe_filename(upload.filename or "")
        if len(content) > limit:
            raise ValidationFailed(
                {field: f"{name} is larger than the limit of {megabytes(limit)}"}
            )
        kind = (upload.content_type or "").split(";")[0].strip().lower()
        if not _MIME.match(kind):
            kind = "application/octet-stream"
        result.append(Attachment(name, kind, len(content), content))
    return result


def megabytes(size: int) -> str:
    """A size as people read it: 25 MB, 64 KB, 300 bytes."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"

"""Checking uploaded files against a form's limits: count, size, type and contents."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass

from channels.base import Attachment
from channels.web_form.definition import AttachmentRules
from channels.web_form.i18n import Texts, human_size

# The first bytes of common types: a file whose contents contradict its name is refused, so a
# renamed executable cannot pass as a PDF.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
_TYPE_NAMES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF",
               "application/pdf": "PDF", "text/plain": "TXT", "text/csv": "CSV",
               "application/zip": "ZIP"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str  # as the client declared it
    content: bytes


def type_names(rules: AttachmentRules) -> str:
    return ", ".join(_TYPE_NAMES.get(t, t) for t in rules.content_types)


def safe_filename(name: str) -> str:
    """The last path component, printable, at most 200 characters; never empty."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable()).strip()
    base = base.lstrip(".") or "attachment"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:190] + dot + ext[:9]) if dot and len(ext) < 10 else base[:200]
    return base


def _content_type(upload: Upload, filename: str) -> str:
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    declared = upload.content_type.split(";")[0].strip().lower()
    # Browsers send application/octet-stream for types they do not know: trust the name then.
    if guessed and declared in ("", "application/octet-stream"):
        return guessed
    return declared or guessed or "application/octet-stream"


def check_files(
    uploads: list[Upload], rules: AttachmentRules, texts: Texts, language: str
) -> tuple[tuple[Attachment, ...], list[str]]:
    """The accepted attachments, or the problems with each file (one message per file)."""
    size = human_size(rules.max_bytes, language)
    if len(uploads) > rules.max_files:
        return (), [texts["too_many_files"].format(n=rules.max_files)]
    accepted: list[Attachment] = []
    problems: list[str] = []
    for upload in uploads:
        name = safe_filename(upload.filename)
        content_type = _content_type(upload, name)
        guessed, _ = mimetypes.guess_type(name, strict=False)
        if not upload.content:
            problems.append(texts["file_empty"].format(file=name))
        elif len(upload.content) > rules.max_bytes:
            problems.append(texts["file_too_big"].format(file=name, size=size))
        elif content_type not in rules.content_types or (
            guessed is not None and guessed != content_type
        ):
            problems.append(texts["file_type"].format(file=name, types=type_names(rules)))
        elif not _contents_match(content_type, upload.content):
            problems.append(texts["file_mismatch"].format(file=name))
        else:
            accepted.append(Attachment(name, content_type, len(upload.content), upload.content))
    return tuple(accepted), problems


def _contents_match(content_type: str, content: bytes) -> bool:
    magic = _MAGIC.get(content_type)
    if magic is not None:
        return content.startswith(magic)
    if content_type.startswith("text/"):
        # Any 8-bit charset is fine (Turkish text is often windows-1254); NULs mean binary.
        return b"\x00" not in content[:65536]
    return True

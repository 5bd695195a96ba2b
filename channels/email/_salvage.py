"""Finding where the headers of a pasted or exported message begin when its first lines are not."""

from __future__ import annotations

import re

# A header line of a field every real message carries; "X-" fields alone prove nothing here
# (the text of a message may quote one).
_FIELD = re.compile(
    rb"^(from|to|cc|subject|date|message-id|received|return-path|delivered-to|sender|"
    rb"reply-to|mime-version|content-type|in-reply-to|references)[ \t]*:",
    re.IGNORECASE,
)
_ANY_FIELD = re.compile(rb"^[!-9;-~]{1,76}[ \t]*:")
_SCAN_LINES = 200  # a banner above the headers is a few lines; deeper is body text
_MIN_FIELDS = 2  # one "From:" line in prose is no header block; two fields in a row are


def header_start(data: bytes) -> int | None:
    """Byte offset of the first block of two or more header fields, or None."""
    offset = 0
    lines = data.split(b"\n", _SCAN_LINES)[:_SCAN_LINES]
    for i, line in enumerate(lines):
        if _FIELD.match(line) and _block_fields(lines, i) >= _MIN_FIELDS:
            return offset
        offset += len(line) + 1
    return None


def _block_fields(lines: list[bytes], start: int) -> int:
    """Known fields in the block of header lines (and their folds) that starts at `start`."""
    known = 0
    for line in lines[start : start + 100]:
        stripped = line.rstrip(b"\r")
        if not stripped:
            break
        if stripped[:1] in b" \t":
            continue  # a folded continuation of the field above
        if not _ANY_FIELD.match(stripped):
            break
        if _FIELD.match(stripped):
            known += 1
    return known

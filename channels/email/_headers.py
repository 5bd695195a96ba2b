"""Header values as text: RFC 2047 words, raw 8-bit bytes, addresses, Message-IDs and dates."""

from __future__ import annotations

import base64
import binascii
import email.utils
import quopri
import re
from datetime import UTC, datetime
from email.message import Message

from channels.email._charset import codec_for, decode_text, guess_8bit
from channels.email._detect import HeaderCharset

# Longest header value we decode; anything longer is cut (a 210 KB Subject is an attack or a bug).
MAX_HEADER_CHARS = 16_384
MAX_ADDRESSES = 500
MAX_REFERENCES = 100

# Lenient on purpose (as mail clients are): spaces inside the payload, a missing "?=" at the end
# of the value or before the next word.
_ENCODED_WORD = re.compile(
    r"=\?\s?([^?\s]{1,60})\s?\?([bBqQ])\?([^?]{0,2000}?)(?:\?=|(?=\s*=\?[^?\s]{1,60}\?[bBqQ]\?)|$)",
)
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
# A fold inside an encoded word (clients that wrap at a fixed width): the break is no space.
_FOLD_IN_WORD = re.compile(r"(=\?[^?\s]{1,60}\?[bBqQ]\?[^?\s]*)\r?\n[ \t]+(?=[^?\s]*\?=)")
# A Q-encoded value without its "=?charset?Q?" wrapper: no spaces, "=20" for them.
_BARE_QP = re.compile(r"^(?:[!-<>-~]|=[0-9A-Fa-f]{2})*=20(?:[!-<>-~]|=[0-9A-Fa-f]{2})*$")
_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_BARE_MSGID = re.compile(r"^[^<>\s@]{1,500}@[^<>\s@]{1,400}$")


def unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value).strip()


def raw_bytes(value: str) -> bytes:
    """Recover the header's original bytes; the compat32 parser keeps 8-bit as surrogates."""
    return value.encode("utf-8", "surrogateescape")


def header(msg: Message, name: str) -> str | None:
    """The first raw value of a header (8-bit bytes kept as surrogates), or None."""
    lowered = name.lower()
    for key, value in msg.raw_items():
        if str(key).lower() == lowered:
            return value if isinstance(value, str) else str(value)
    return None


def header_all(msg: Message, name: str) -> list[str]:
    lowered = name.lower()
    return [
        value if isinstance(value, str) else str(value)
        for key, value in msg.raw_items()
        if str(key).lower() == lowered
    ]


def decode_header(value: str | None, charset: HeaderCharset | None = None) -> str:
    """Decode a header value: RFC 2047 words (lenient), then undeclared 8-bit bytes.

    `charset` decodes raw 8-bit bytes from what the rest of the message says (see `_detect`).
    """
    if not value:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = value[:MAX_HEADER_CHARS]
    if "=?" in value:
        for _ in range(8):
            joined = _FOLD_IN_WORD.sub(r"\1", value)
            if joined == value:
                break
            value = joined
    value = unfold(value)
    data = raw_bytes(value)
    text = data.decode("ascii") if data.isascii() else _decode_8bit(data, charset)
    if "=?" not in text:
        if "=20" in text and _BARE_QP.match(text):
            return guess_8bit(quopri.decodestring(text.encode("ascii"), header=False))
        return text
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 6.2).
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    return _merge_words(text)


def _merge_words(text: str) -> str:
    # Adjacent words of one charset are joined before decoding: clients split multi-byte
    # characters (and even "=XX" escapes or base64 quanta) across encoded words, which decodes
    # to garbage word by word.
    out: list[str] = []
    pending: list[tuple[str, str]] = []
    pending_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_text(_words_bytes(pending), pending_charset)[0])
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(text):
        if match.start() > pos:
            flush()
            out.append(text[pos : match.start()])
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*tr?..
        if pending and codec_for(charset) != codec_for(pending_charset):
            flush()
        pending.append((match.group(2).upper(), match.group(3)))
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(text[pos:])
    return "".join(out)


def _words_bytes(words: list[tuple[str, str]]) -> bytes:
    """The bytes of adjacent encoded words: Q payloads and unfinished base64 quanta joined."""
    out = bytearray()
    kind, payload = words[0]
    for next_kind, next_payload in words[1:]:
        if next_kind == kind == "Q" or (
            next_kind == kind == "B" and len(re.sub(r"[^A-Za-z0-9+/]", "", payload)) % 4
        ):
            payload += next_payload
            continue
        out += _word_bytes(kind, payload)
        kind, payload = next_kind, next_payload
    out += _word_bytes(kind, payload)
    return bytes(out)


def _word_bytes(kind: str, payload: str) -> bytes:
    if kind in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4 if len(cleaned) % 4 == 1 else None]
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    return quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)


def addresses(
    values: list[str], *, keep_case: bool = False, charset: HeaderCharset | None = None
) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs from address headers; junk entries skipped."""
    raw = [unfold(v[:MAX_HEADER_CHARS]) for v in values if v]
    # Decode 8-bit first but keep encoded words for after the split: a decoded name may
    # contain commas or angle brackets that would break the address list apart.
    texts = [_decode_8bit(raw_bytes(v), charset) if not v.isascii() else v for v in raw]
    pairs: list[tuple[str, str]] = []
    try:
        parsed = email.utils.getaddresses(texts)
    except (ValueError, TypeError, IndexError):
        parsed = []
    stray: list[str] = []
    for name, addr in parsed:
        name, addr = _mend(name, addr.strip().strip("<>").strip())
        if "@" not in addr:
            # "Smith, John <j@x>": an unquoted comma splits a name; the part without an
            # address belongs to the name of the entry after it.
            if addr and not name and len(addr) <= 80:
                stray.append(addr)
            continue
        display = decode_header(name, charset).strip().strip('"').strip()
        if stray and display:
            display = ", ".join([*stray, display])
        stray = []
        pairs.append((display, addr if keep_case else addr.lower()))
        if len(pairs) >= MAX_ADDRESSES:
            break
    if not pairs:
        for text in texts:
            for found in re.findall(r"[\w.+'=-]+@[\w-]+(?:\.[\w-]+)+", text)[:MAX_ADDRESSES]:
                pairs.append(("", found if keep_case else found.lower()))
    return pairs


_QUOTED_LOCAL = re.compile(r'^"([^"\\]{1,64})"@([^\s@"]+)$')
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def _mend(name: str, addr: str) -> tuple[str, str]:
    """Repair the (name, address) pairs the stdlib returns for two common malformed forms."""
    quoted = _QUOTED_LOCAL.match(addr)
    if quoted:
        # A quoted local part is a valid address; quoting a plain one changes nothing, so it
        # is unquoted to keep one identity per mailbox.
        local, domain = quoted.groups()
        return name, f"{local}@{domain}" if _DOT_ATOM.match(local) else addr
    if " " in addr:
        # "Jane Doe jane@example.com": a display name without quotes or angle brackets.
        head, _, last = addr.rpartition(" ")
        if "@" in last and "@" not in head and not name:
            return head.strip().strip('"'), last.strip("<>")
        return name, ""
    return name, addr


def _decode_8bit(data: bytes, charset: HeaderCharset | None) -> str:
    return charset.decode(data) if charset is not None else guess_8bit(data)


def message_id(value: str | None) -> str | None:
    """The Message-ID as `<id>`, or None when the header is missing or unusable."""
    if not value:
        return None
    text = unfold(value[:2000])
    match = _MSGID.search(text)
    if match:
        return f"<{match.group(1)}>"
    bare = text.strip()
    if _BARE_MSGID.match(bare):
        return f"<{bare}>"
    return None


def message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = [f"<{m}>" for m in _MSGID.findall(unfold(value[:MAX_HEADER_CHARS]))]
    if not found:
        single = message_id(value)
        return [single] if single else []
    return found[: MAX_REFERENCES * 2]


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from a Date-style value, or None when missing or not sane."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(unfold(value[:300]))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:  # pragma: no cover - older Pythons returned None
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1980 <= parsed.year <= 2200:
        return None
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def received_date(value: str | None) -> datetime | None:
    """The timestamp of a Received header: everything after its last semicolon."""
    if not value or ";" not in value:
        return None
    return parse_date(value.rsplit(";", 1)[1])

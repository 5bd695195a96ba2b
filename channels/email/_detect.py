"""The charset of header bytes sent raw (8-bit, no RFC 2047 word), from the message around them.

Order (issue 15): UTF-8 when the bytes are valid UTF-8; else the charset the sender declared for
its body parts, since a client that writes raw header bytes writes them in the charset it uses
for the body; else charset-normalizer over all undeclared bytes of the message (more text makes
detection sure); else the Western/Turkish guess of `_charset.guess_8bit`.
"""

from __future__ import annotations

from email.message import Message

from charset_normalizer import from_bytes

from channels.email._charset import codec_for, decode_text, guess_8bit

# Headers are ASCII-compatible by RFC 5322 and carry no NUL bytes: UTF-16/32, UTF-7 and EBCDIC
# pages are never what raw header bytes are in, yet detectors propose them for short input.
_NEVER_IN_HEADERS = [
    "utf_16",
    "utf_16_be",
    "utf_16_le",
    "utf_32",
    "utf_32_be",
    "utf_32_le",
    "utf_7",
    "cp037",
    "cp273",
    "cp424",
    "cp500",
    "cp875",
    "cp1026",
    "cp1140",
]
# Latin single-byte pages accept every byte and differ in a handful of letters: a detector cannot
# tell them apart on a few words, the Turkish/Western guess of _charset knows those letters.
_LATIN_SINGLE_BYTE = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_9", "iso8859_15"}
    | {"iso8859_3", "iso8859_4", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_16"}
    | {"mac_roman", "mac_latin2", "mac_iceland", "mac_turkish", "cp850", "cp437", "cp858"}
)
_SAMPLE_BYTES = 8_192
_HEADER_NAMES = ("Subject", "From", "To", "Cc", "Reply-To", "Sender")


class HeaderCharset:
    """Decodes undeclared 8-bit header bytes of one message.

    The message is only looked at when such bytes turn up (rare), and detection runs once.
    """

    def __init__(self, msg: Message | None = None) -> None:
        self._msg = msg
        self._context: tuple[tuple[str, ...], bytes] | None = None
        self._detected: str | None = None
        self._done = False

    def decode(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        declared, sample = self._read_context()
        for codec in declared:
            if _is_latin(codec):
                # Accepts any byte: decode_text adds the Turkish check a Latin label needs.
                return decode_text(data, codec)[0]
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
        if not self._done:
            self._done = True
            self._detected = _detect(sample)
        if self._detected is not None:
            try:
                return data.decode(self._detected)
            except (UnicodeDecodeError, LookupError):
                pass
        return guess_8bit(data)

    def _read_context(self) -> tuple[tuple[str, ...], bytes]:
        if self._context is None:
            self._context = _context(self._msg) if self._msg is not None else ((), b"")
        return self._context


def for_message(msg: Message) -> HeaderCharset:
    """The decoder for this message's raw header bytes (its body charsets, its 8-bit text)."""
    return HeaderCharset(msg)


def _context(msg: Message) -> tuple[tuple[str, ...], bytes]:
    """The charsets declared for the body parts, and a sample of all undeclared 8-bit bytes."""
    declared: list[str] = []
    sample = bytearray()
    names = {h.lower() for h in _HEADER_NAMES}
    for name, value in msg.raw_items():
        if str(name).lower() in names and isinstance(value, str):
            raw = value.encode("utf-8", "surrogateescape")
            if not raw.isascii():
                sample += raw + b"\n"
    for count, part in enumerate(msg.walk()):
        if count > 50:
            break
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        label = part.get_param("charset")
        codec = codec_for(label) if isinstance(label, str) else None
        if isinstance(label, str) and codec is not None:
            if codec != "utf-8" and label.lower() not in {"us-ascii", "ascii"}:
                declared.append(codec)
            continue
        if len(sample) < _SAMPLE_BYTES:
            body = _raw_payload(part)
            if not body.isascii():
                sample += body[: _SAMPLE_BYTES - len(sample)]
    return tuple(dict.fromkeys(declared)), bytes(sample)


def _raw_payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError, IndexError, AttributeError):
        return b""
    return data if isinstance(data, bytes) else b""


def _detect(sample: bytes) -> str | None:
    if not sample or sample.isascii():
        return None
    try:
        best = from_bytes(sample, cp_exclusion=_NEVER_IN_HEADERS).best()
    except (ValueError, LookupError, TypeError):  # pragma: no cover - defensive
        return None
    if best is None:
        return None
    codec = codec_for(best.encoding)
    return None if codec is None or _is_latin(codec) else codec


def _is_latin(codec: str) -> bool:
    return codec.replace("-", "_") in _LATIN_SINGLE_BYTE

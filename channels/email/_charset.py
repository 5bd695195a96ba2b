"""Turning bytes of unknown or mislabelled encoding into text without garbling Turkish letters."""

from __future__ import annotations

import codecs

# Bytes that are Turkish letters in windows-1254/iso-8859-9 (ğ Ğ ı İ ş Ş) but rare Icelandic or
# Latin letters in windows-1252/latin-1 (ð Ð ý Ý þ Þ). Their presence decides the fallback.
_TURKISH_BYTES = frozenset(b"\xf0\xd0\xfd\xdd\xfe\xde")
_TURKISH_LETTERS = frozenset("ğĞıİşŞ")

# What browsers (WHATWG) actually decode these labels as: mail clients label windows-125x text
# with the ISO name all the time, and the C1 range is never meant as control characters.
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "iso2022_jp": "iso2022_jp_ext",
    "shift_jis": "cp932",
}

_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "iso-8859-8-i": "iso8859_8",
    "unicode-1-1-utf-7": "utf_7",
    "utf8": "utf_8",
    "x-mac-roman": "mac_roman",
    "windows-874": "cp874",
}


def codec_for(label: str | None) -> str | None:
    """Return the Python codec to use for a declared charset label, or None if unusable."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if not name or len(name) > 40:
        return None
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    # Codecs that are not text encodings (rot13, base64, zlib ...) are never a real charset.
    if codec in {"base64", "hex", "quopri", "rot-13", "uu", "zlib", "bz2"}:
        return None
    canon = codec.replace("-", "_")
    return _SUPERSETS.get(canon, codec)


def guess_8bit(data: bytes) -> str:
    """Decode undeclared bytes: utf-8 if valid, else windows-1254 or windows-1252 by content."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _TURKISH_BYTES.intersection(data):
        return _decode_lenient(data, "cp1254")
    return _decode_lenient(data, "cp1252")


def decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode a body or header; returns the text and a note when the declared charset was wrong."""
    if data.isascii():
        # Even an undeclared or bogus label cannot matter for pure ASCII (except UTF-7 / UTF-16).
        codec = codec_for(declared)
        if codec is None or codec in {"cp1252", "utf-8", "cp1254"}:
            return data.decode("ascii"), None
    else:
        codec = codec_for(declared)
    if codec is None:
        note = f"unknown charset {declared!r}" if declared else None
        return guess_8bit(data), note
    if codec in {"cp1252", "cp1254", "iso8859-15", "iso8859-2"}:
        # Single-byte labels accept any byte, so mislabelled UTF-8 decodes "fine" into mojibake;
        # valid multi-byte UTF-8 is practically never intended as single-byte text.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, f"charset {declared!r} was utf-8"
        if codec == "cp1252" and _looks_turkish(data):
            return _decode_lenient(data, "cp1254"), f"charset {declared!r} looked like windows-1254"
    try:
        return data.decode(codec), None
    except UnicodeDecodeError:
        return guess_8bit(data), f"bytes invalid for charset {declared!r}"
    except (LookupError, ValueError):  # pragma: no cover - codec_for already vetted the name
        return guess_8bit(data), f"unknown charset {declared!r}"


def _looks_turkish(data: bytes) -> bool:
    """A latin-1 label on Turkish text: ý/þ/ð between letters are ı/ş/ğ far more often."""
    hits = 0
    for i, byte in enumerate(data):
        if byte in _TURKISH_BYTES and 0 < i < len(data) - 1:
            before, after = data[i - 1], data[i + 1]
            if chr(before).isalpha() or chr(after).isalpha():
                hits += 1
                if hits >= 2:
                    return True
    return False


def _decode_lenient(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        # The few bytes undefined in windows-125x map to their latin-1 code points.
        return "".join(
            data[i : i + 1].decode(codec, errors="ignore") or chr(data[i]) for i in range(len(data))
        )


def has_turkish(text: str) -> bool:
    return not _TURKISH_LETTERS.isdisjoint(text)

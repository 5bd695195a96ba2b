"""Text a mail client adds, not the sender: device footers and invisible formatting characters."""

from __future__ import annotations

import re

_I = re.IGNORECASE

# "Sent from my iPhone" and what phone and mail apps write in its place, in the languages our
# users write. A device word is one to three words ("iPhone", "Samsung Galaxy smartphone").
_DEVICE = r"[\w'’.-]+(?:\s[\w'’.-]+){0,3}"
_APP = r"(?:outlook|mail|gmail|yahoo mail|aol|proton ?mail|samsung (?:mobile|email)|blackberry)"
DEVICE_FOOTER = re.compile(
    r"^(?:"
    # en
    rf"sent from my {_DEVICE}|sent from {_APP}(?: (?:for|on) {_DEVICE})?|"
    rf"sent (?:with|via|using) {_DEVICE}|get outlook for (?:ios|android)|"
    # de, fr, es, it, nl, pt
    rf"von meinem {_DEVICE} gesendet|gesendet von {_APP}(?: für {_DEVICE})?|"
    rf"gesendet (?:von|mit) (?:meinem )?{_DEVICE}|holen sie sich outlook für (?:ios|android)|"
    rf"envoyé (?:de|depuis) (?:mon|ma) {_DEVICE}|obtenir outlook pour (?:ios|android)|"
    rf"enviado (?:desde|con) (?:mi )?{_DEVICE}|obtener outlook para (?:ios|android)|"
    rf"inviato da {_DEVICE}|scarica outlook per (?:ios|android)|"
    rf"verzonden (?:met|vanaf|van) (?:mijn )?{_DEVICE}|outlook voor (?:ios|android) downloaden|"
    rf"enviad[oa] (?:do|de|pelo|a partir do) (?:meu )?{_DEVICE}|"
    r"baixe o outlook para (?:ios|android)|"
    # sv, da/no, pl, tr
    rf"skickat från (?:min |mitt )?{_DEVICE}|skaffa outlook för (?:ios|android)|"
    rf"sendt fra (?:min )?{_DEVICE}|"
    rf"wysłane z (?:mojego |mojej )?{_DEVICE}|"
    r"pobierz (?:aplikację )?outlook dla (?:systemu )?(?:ios|android)|"
    rf"{_DEVICE}['’](?:dan|den|tan|ten|umdan|imden|ımdan|ümden) gönderildi|"
    rf"{_DEVICE} ile gönderildi|(?:ios|android) için outlook['’]u edinin|"
    # ru, uk
    rf"отправлено (?:с|из|со) {_DEVICE}|получите outlook для (?:ios|android)|"
    rf"надіслано (?:з|із|зі) {_DEVICE}|"
    # ja, zh
    rf"{_DEVICE}\s?から送信|(?:ios|android) 版 outlook を入手|"
    rf"(?:发自|來自|来自)我的\s?{_DEVICE}|从我的\s?{_DEVICE}\s?发送|從我的\s?{_DEVICE}\s?傳送|"
    r"获取 (?:ios|android) 版 outlook"
    r")\s*[.。]?$",
    _I,
)

# Zero-width and formatting characters with no letter to join: tracking pixels in text form,
# the invisible padding of newsletter previews, byte order marks. A joiner between two visible
# characters is part of the writing (Persian ZWNJ, emoji ZWJ sequences) and stays.
_ALWAYS_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u180e\u00ad\u034f\u2061-\u2064\u206a-\u206f]")
_JOINER = re.compile("[\u200c\u200d]")


def strip_invisible(text: str) -> str:
    if text.isascii():
        return text
    text = _ALWAYS_INVISIBLE.sub("", text)
    if "\u200c" in text or "\u200d" in text:
        text = _JOINER.sub(_joiner, text)
    return text


def _joiner(match: re.Match[str]) -> str:
    before = match.string[match.start() - 1 : match.start()]
    after = match.string[match.end() : match.end() + 1]
    joins = before and after and not before.isspace() and not after.isspace()
    return match.group() if joins and before not in "\u200c\u200d" else ""


_MAX_WORDS = 9  # the longest form above: "sent from yahoo mail on <four device words>"


def is_device_footer(line: str) -> bool:
    stripped = line.strip()
    # Length and word count first: they spare the long alternation on ordinary lines.
    if not 0 < len(stripped) <= 80 or stripped.count(" ") >= _MAX_WORDS:
        return False
    return bool(DEVICE_FOOTER.match(stripped))

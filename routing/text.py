"""Text normalisation for matching and classifying, with Turkish case folding.

Python's `str.lower()` turns "İ" into "i" plus a combining dot and "I" into "i", which is
wrong for Turkish ("I" is the capital of "ı"). Customers also type Turkish without its
letters on foreign keyboards ("sikayet" for "şikayet"), so for matching and features we fold
case the Turkish way first and then drop the diacritics, making both spellings one token.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_TR_UPPER = str.maketrans({"İ": "i", "I": "ı"})
_ANY_UPPER = str.maketrans({"İ": "i"})


def casefold(text: str, language: str | None = None) -> str:
    """Lower-case `text`; in Turkish "I" becomes "ı" and "İ" becomes "i"."""
    if language == "tr":
        return text.translate(_TR_UPPER).lower()
    return text.translate(_ANY_UPPER).lower()


def normalise(text: str, language: str | None = None) -> str:
    """Folded, diacritics removed ("ı" counts as "i"), whitespace collapsed: one form for
    "ŞİKAYET", "Şikayet" and "sikayet"."""
    folded = casefold(text, language).replace("ı", "i")
    decomposed = unicodedata.normalize("NFKD", folded)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain).strip()

"""UI text through Babel message catalogs: English is the source, Turkish a .po catalog.

The .po files are compiled in-process by Babel when first needed, so an installed package and a
source checkout behave the same and no compiled .mo file is kept in the repository.
"""

from __future__ import annotations

import gettext
import io
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locale"
LANGUAGES = ("en", "tr")


def language_of(preferred: str | None) -> str:
    base = (preferred or "en").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def catalogs(language: str) -> list[Path]:
    """The language's .po files: `messages.po` for the inbox and one per other UI area (the
    supervisor, the admin pages), so areas grow their text without editing one shared file."""
    return sorted((LOCALES / language / "LC_MESSAGES").glob("*.po"))


@cache
def translations(language: str) -> gettext.NullTranslations:
    files = catalogs(language)
    if language == "en" or not files:
        return gettext.NullTranslations()
    merged: Catalog | None = None
    for po in files:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id and message.id not in merged:
                merged[message.id] = message
    assert merged is not None
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class Formatter:
    """Dates for one reader: their language and time zone, relative to the injected clock."""

    def __init__(self, language: str, timezone: str, now: datetime) -> None:
        self.language = language
        self.tz = zone(timezone)
        self.now = now

    def absolute(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value.astimezone(self.tz), "medium", locale=self.language)

    def relative(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_timedelta(
            value - self.now, add_direction=True, format="short", locale=self.language
        )

    def iso(self, value: datetime | None) -> str:
        return value.astimezone(UTC).isoformat() if value else ""

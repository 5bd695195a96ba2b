"""Country holiday presets for business calendars, from the `holidays` package."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays as holidays_lib

__all__ = ["country_holidays"]


def country_holidays(country: str, years: Iterable[int], subdiv: str | None = None) -> set[date]:
    """The public holidays of `country` (ISO 3166-1 alpha-2, e.g. "TR", "DE", "US") in `years`.

    `subdiv` selects a state or province where holidays differ (e.g. "BY" for Bavaria). Only
    whole-day public holidays are returned: half-day closures such as the afternoon before
    Turkey's Republic Day cannot be expressed as a closed date and are left to custom intervals.
    Raises ValueError for an unknown country or subdivision.
    """
    try:
        found = holidays_lib.country_holidays(country, subdiv=subdiv, years=list(years))
    except NotImplementedError as exc:
        raise ValueError(f"no holiday preset for country {country!r}, subdiv {subdiv!r}") from exc
    return set(found.keys())


def supported_countries() -> list[str]:
    """Country codes with a holiday preset (ISO 3166-1 alpha-2)."""
    return sorted(holidays_lib.list_supported_countries())


def named_holidays(
    country: str, years: Iterable[int], subdiv: str | None = None, language: str | None = None
) -> list[tuple[date, str]]:
    """The same days as `country_holidays`, in order, each with its name (in `language` where the
    package has it, e.g. "tr", "en_US"; else the country's own)."""
    try:
        found = holidays_lib.country_holidays(
            country, subdiv=subdiv, years=list(years), language=language
        )
    except NotImplementedError as exc:
        raise ValueError(f"no holiday preset for country {country!r}, subdiv {subdiv!r}") from exc
    return sorted(found.items())

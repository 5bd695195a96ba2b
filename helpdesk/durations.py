"""Durations as people write them: "90s", "30m", "4h", "2d", "1w", "1h30m", or ISO 8601 "PT4H".

A bare number is refused: "30" could mean seconds, minutes or hours, and a wrong guess turns a
four-hour target into a thirty-second one.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SHORT = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_ISO = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


_LONGEST = 100 * 366 * 86400
_HINT = "write a number with a unit, like 90s, 30m, 4h, 2d or 1h30m (or ISO 8601, like PT4H)"


def parse_duration(text: object) -> timedelta:
    """The duration `text` names; ValueError with a message a person can act on otherwise.

    Configuration files hand over whatever JSON holds, so a number (`"urgent": 30`) arrives
    here too: it is refused with the same hint, never guessed to be seconds.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        raise ValueError(f"{text!r} is not a duration (it has no unit): {_HINT}")
    if not isinstance(text, str):
        raise ValueError(f"expected a duration as text: {_HINT}")
    value = text.strip()
    if re.fullmatch(r"[+-]?\d+(?:\.\d+)?", value):
        raise ValueError(f"{value!r} is not a duration (it has no unit): {_HINT}")
    iso = _ISO.match(value.upper())
    if iso and value.upper() not in ("P", "PT") and any(iso.groupdict().values()):
        parts = {k: int(v) for k, v in iso.groupdict().items() if v}
        return _delta(sum(parts[k] * _UNITS[k] for k in parts), text)
    compact = value.replace(" ", "")
    pieces = _SHORT.findall(compact)
    if not pieces or "".join(n + u for n, u in pieces).lower() != compact.lower():
        raise ValueError(f"{text!r} is not a duration: {_HINT}")
    return _delta(sum(float(n) * _UNITS[u.lower()] for n, u in pieces), text)


def _delta(seconds: float, text: str) -> timedelta:
    # Nothing configured here is longer than a few years; a typo like "18942151472729h" must
    # be a clear refusal, not an overflow deep inside datetime.
    if seconds > _LONGEST:
        raise ValueError(f"{text!r} is longer than 100 years")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The shortest text `parse_duration` reads back as `delta` ("1h30m", "0s")."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)

"""When escalation levels fall due: an offset before or after a clock's due instant, counted in
business time on the policy's calendar or in plain elapsed time. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sla.calendar import BusinessCalendar

__all__ = ["level_fire_at", "subtract"]

_ZERO = timedelta(0)
_PRECISION = timedelta(seconds=1)


def subtract(calendar: BusinessCalendar, end: datetime, duration: timedelta) -> datetime:
    """The latest instant `t` with `duration` of business time in [t, end).

    The calendar only adds forwards; business time between `t` and `end` shrinks as `t` moves
    later, so a bracketing search finds `t` in a few dozen `between` calls.
    """
    if duration <= _ZERO:
        return end.astimezone(UTC)
    step = duration
    low = end - step
    while calendar.between(low, end) < duration:
        step *= 2
        low = end - step
        if step > timedelta(days=3660):
            raise ValueError("calendar has too little business time before this instant")
    high = end
    while high - low > _PRECISION:
        mid = low + (high - low) / 2
        if calendar.between(mid, end) >= duration:
            low = mid
        else:
            high = mid
    return low.replace(microsecond=0).astimezone(UTC)


def level_fire_at(
    level: Mapping[str, Any], due_at: datetime, calendar: BusinessCalendar
) -> datetime:
    """The instant a level fires for a clock due at `due_at`.

    `offset` is seconds after the breach (negative: before it); with `business_time` it counts
    on `calendar`, so "2 hours after breach" skips the night.
    """
    offset = timedelta(seconds=int(level.get("offset", 0)))
    if not level.get("business_time", True):
        return (due_at + offset).astimezone(UTC)
    if offset >= _ZERO:
        return calendar.add(due_at, offset)
    return subtract(calendar, due_at, -offset)

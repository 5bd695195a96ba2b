"""Business-time arithmetic on a weekly opening pattern in one time zone. Pure: no I/O, no clock.

A calendar answers "when has `d` of business time passed since `start`?" (`add`) and "how much
business time lies in [start, end)?" (`between`). Both walk the timeline one local day at a time,
never minute by minute, so a target of weeks costs a few dozen steps.

Local wall-clock intervals are turned into UTC instants per local date, so a day that contains a
DST change simply yields intervals of 7 or 9 real hours where wall time says 8. Wall times are read
with `fold=0`:

* a nonexistent time (inside a spring-forward gap) is read with the offset in force before the
  gap, which lands it as far past the gap as it was into it (02:30 on the Berlin spring-forward
  night opens at 03:30 CEST);
* an ambiguous time (inside a fall-back overlap) means its first occurrence.

An interval that collapses to nothing after this reading (both ends in one gap) is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["BusinessCalendar", "TimeAxis", "calendar_24x7"]

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
# A per-date cache keeps repeated deadline maths around "this week" cheap; the bound only
# protects long-running processes from a slow leak when someone asks about many distant years.
_CACHE_LIMIT = 4096

_Interval = tuple[datetime, datetime]
WeeklyIntervals = Mapping[int, Iterable[tuple[time, time]]]


class TimeAxis(Protocol):
    """What a clock needs from a notion of time: business time or plain elapsed time."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


def _require_aware(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {instant!r}")
    return instant.astimezone(UTC)


class BusinessCalendar:
    """Opening hours per weekday in a time zone, minus holidays.

    `tz` is an IANA zone name; `weekly_intervals` maps a weekday (0 = Monday) to `(start, end)`
    local times, where an end at or before its start runs past midnight into the next day (so
    `(time(0), time(0))` is a full day); such an overnight interval belongs to the day it starts
    on, and a holiday closes exactly the intervals that start on that date. Overlapping intervals
    count once.
    """

    __slots__ = ("_cache", "_holidays", "_last_holiday", "_weekly", "_zone", "tz")

    def __init__(
        self,
        tz: str,
        weekly_intervals: WeeklyIntervals,
        holidays: Iterable[date] = (),
    ) -> None:
        try:
            self._zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self.tz = tz
        weekly: dict[int, tuple[tuple[time, time], ...]] = {}
        for weekday, intervals in weekly_intervals.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
            pairs = tuple((start.replace(fold=0), end.replace(fold=0)) for start, end in intervals)
            for start, end in pairs:
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError("opening times are local wall times and must be naive")
            if pairs:
                weekly[weekday] = tuple(sorted(pairs))
        if not weekly:
            raise ValueError("calendar has no business hours")
        self._weekly = weekly
        self._holidays = frozenset(holidays)
        # Past the last holiday the week repeats, and a DST gap can swallow at most one occurrence
        # of an interval, so two closed weeks after it mean "never open again", not "not yet".
        self._last_holiday = max(self._holidays, default=date.min)
        self._cache: dict[date, tuple[_Interval, ...]] = {}

    @property
    def weekly_intervals(self) -> Mapping[int, tuple[tuple[time, time], ...]]:
        """The opening pattern as given (sorted per weekday, empty weekdays left out)."""
        return MappingProxyType(self._weekly)

    @property
    def holidays(self) -> frozenset[date]:
        """The local dates whose intervals are closed."""
        return self._holidays

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(tz={self.tz!r}, weekly_intervals={self._weekly!r}, "
            f"holidays=<{len(self._holidays)} dates>)"
        )

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (aware UTC) at which `duration` of business time has passed since `start`.

        Counting starts at the next opening when `start` is closed. A duration that ends exactly
        at a closing time returns that closing time, not the next opening: it is the earliest
        instant with that much business time behind it. A zero duration returns `start` itself
        (in UTC) even when the calendar is closed then: a zero target is due immediately.
        """
        start_utc = _require_aware(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration!r}")
        if duration == _ZERO:
            return start_utc
        remaining = duration
        for open_at, close_at in self._intervals_from(start_utc):
            begin = max(open_at, start_utc)
            available = close_at - begin
            if available >= remaining:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time in [start, end); zero when `end` is not after `start`."""
        start_utc = _require_aware(start, "start")
        end_utc = _require_aware(end, "end")
        total = _ZERO
        if end_utc <= start_utc:
            return total
        for open_at, close_at in self._intervals_from(start_utc):
            if open_at >= end_utc:
                break
            total += min(close_at, end_utc) - max(open_at, start_utc)
        return total

    def is_open(self, instant: datetime) -> bool:
        """True when `instant` lies inside an opening interval (start included, end excluded)."""
        at = _require_aware(instant, "instant")
        day = at.astimezone(self._zone).date()
        # Intervals last at most a day, so only today's and yesterday's can cover `at`.
        return any(
            open_at <= at < close_at
            for d in (day - _ONE_DAY, day)
            for open_at, close_at in self._day(d)
        )

    def next_open(self, instant: datetime) -> datetime:
        """`instant` itself (in UTC) when open, otherwise the start of the next opening."""
        at = _require_aware(instant, "instant")
        open_at, _ = next(self._intervals_from(at))
        return max(open_at, at)

    def _intervals_from(self, start: datetime) -> Iterator[_Interval]:
        """Disjoint opening intervals in time order, from the one containing or after `start`.

        Overlaps are clipped against a high-water mark instead of merged, so a chain of
        touching or overlapping days (a 24x7 calendar) still yields piece by piece.
        """
        day = start.astimezone(self._zone).date() - _ONE_DAY
        covered = start
        closed_run = 0
        while True:
            intervals = self._day(day)
            closed_run = 0 if intervals or day <= self._last_holiday else closed_run + 1
            if closed_run > 14:
                raise ValueError(f"calendar has no business hours after {start.isoformat()}")
            for open_at, close_at in intervals:
                if close_at > covered:
                    yield max(open_at, covered), close_at
                    covered = close_at
            day += _ONE_DAY

    def _day(self, day: date) -> tuple[_Interval, ...]:
        """UTC intervals of the intervals that start on local date `day`, sorted by start."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        result: tuple[_Interval, ...] = ()
        pattern = self._weekly.get(day.weekday())
        if pattern is not None and day not in self._holidays:
            result = tuple(sorted(self._instants(day, start, end) for start, end in pattern))
            result = tuple(iv for iv in result if iv[1] > iv[0])
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[day] = result
        return result

    def _instants(self, day: date, start: time, end: time) -> _Interval:
        end_day = day if end > start else day + _ONE_DAY
        open_at = datetime.combine(day, start, self._zone).astimezone(UTC)
        close_at = datetime.combine(end_day, end, self._zone).astimezone(UTC)
        return open_at, close_at


def calendar_24x7(tz: str = "UTC") -> BusinessCalendar:
    """A calendar that is always open: business time equals elapsed time (calendar-time targets)."""
    full_day = [(time(0), time(0))]
    return BusinessCalendar(tz, dict.fromkeys(range(7), full_day))

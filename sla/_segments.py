"""The running periods of one clock, each counted on its own time axis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sla.calendar import TimeAxis

_ZERO = timedelta(0)


class ElapsedTime:
    """Plain elapsed time, for targets that count calendar time rather than business hours."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return (start + duration).astimezone(UTC)

    def between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, _ZERO)


@dataclass
class _Segment:
    start: datetime
    end: datetime | None
    axis: TimeAxis
    length: timedelta = _ZERO  # counted time of a closed segment, computed once at close


class Segments:
    """Half-open running periods; a target change splits the running one so that time already
    counted keeps the axis it was counted on while later time uses the new one."""

    def __init__(self) -> None:
        self._items: list[_Segment] = []
        # Replaying a ticket asks for the same due and warning instants many times between two
        # facts; calendar arithmetic is the engine's main cost, so answers are kept until the
        # segments change.
        self._closed = _ZERO
        self._reached: dict[timedelta, datetime | None] = {}

    @property
    def running(self) -> bool:
        return bool(self._items) and self._items[-1].end is None

    def open(self, at: datetime, axis: TimeAxis) -> None:
        assert not self.running
        self._items.append(_Segment(at, None, axis))
        self._reached.clear()

    def close(self, at: datetime) -> None:
        assert self.running
        seg = self._items[-1]
        seg.end = at
        seg.length = seg.axis.between(seg.start, at)
        self._closed += seg.length
        self._reached.clear()

    def elapsed(self, at: datetime) -> timedelta:
        """Counted time up to `at` (the running segment counts until `at`)."""
        if self.running:
            seg = self._items[-1]
            return self._closed + seg.axis.between(seg.start, at)
        return self._closed

    def reach(self, amount: timedelta) -> datetime | None:
        """The instant the counted time reaches `amount`; None if it has not and is not running."""
        if amount in self._reached:
            return self._reached[amount]
        found = self._reach(amount)
        self._reached[amount] = found
        return found

    def _reach(self, amount: timedelta) -> datetime | None:
        counted = _ZERO
        for seg in self._items:
            if seg.end is None or counted + seg.length >= amount:
                return seg.axis.add(seg.start, amount - counted)
            counted += seg.length
        return None

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


class Segments:
    """Half-open running periods; a target change splits the running one so that time already
    counted keeps the axis it was counted on while later time uses the new one."""

    def __init__(self) -> None:
        self._items: list[_Segment] = []

    @property
    def running(self) -> bool:
        return bool(self._items) and self._items[-1].end is None

    def open(self, at: datetime, axis: TimeAxis) -> None:
        assert not self.running
        self._items.append(_Segment(at, None, axis))

    def close(self, at: datetime) -> None:
        assert self.running
        self._items[-1].end = at

    def elapsed(self, at: datetime) -> timedelta:
        """Counted time up to `at` (the running segment counts until `at`)."""
        total = _ZERO
        for seg in self._items:
            total += seg.axis.between(seg.start, seg.end if seg.end is not None else at)
        return total

    def reach(self, amount: timedelta) -> datetime | None:
        """The instant the counted time reaches `amount`; None if it has not and is not running."""
        counted = _ZERO
        for seg in self._items:
            if seg.end is None:
                return seg.axis.add(seg.start, amount - counted)
            length = seg.axis.between(seg.start, seg.end)
            if counted + length >= amount:
                return seg.axis.add(seg.start, amount - counted)
            counted += length
        return None

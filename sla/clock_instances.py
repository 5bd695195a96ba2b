"""What the clock engine reports: clock instances with their state, deadlines and event log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sla.targets import Metric

__all__ = ["ClockEvent", "ClockEventKind", "ClockInstance", "ClockState"]


class ClockState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    BREACHED = "breached"  # due has passed and it is not fulfilled yet (running or paused)
    FULFILLED = "fulfilled"
    BREACHED_FULFILLED = "breached_fulfilled"
    CANCELLED = "cancelled"  # its metric lost its target before fulfilment


class ClockEventKind(StrEnum):
    ACTIVATED = "activated"
    PAUSED = "paused"
    RESUMED = "resumed"
    WARNED = "warned"
    BREACHED = "breached"
    FULFILLED = "fulfilled"
    RECOMPUTED = "recomputed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ClockEvent:
    """One step in a clock's life, with the business time left and the due instant after it."""

    at: datetime
    kind: ClockEventKind
    business_time_left: timedelta
    due_at: datetime | None


@dataclass(frozen=True)
class ClockInstance:
    """A clock as of `now`. For stopped clocks, due_at/warn_at are those in force when they
    stopped; elapsed/left are business time (elapsed time for calendar-time targets)."""

    metric: Metric
    cycle: int
    state: ClockState
    paused: bool
    target: timedelta
    business_hours: bool
    activated_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    fulfilled_at: datetime | None
    elapsed: timedelta
    left: timedelta
    events: tuple[ClockEvent, ...]

    @property
    def stopped(self) -> bool:
        """Fulfilled or cancelled: nothing about it will change unless the ticket reopens."""
        return self.state in (
            ClockState.FULFILLED,
            ClockState.BREACHED_FULFILLED,
            ClockState.CANCELLED,
        )

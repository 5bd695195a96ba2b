"""What an SLA policy promises per metric: the values the clock engine counts against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from helpdesk.domain import Status

__all__ = ["DEFAULT_PAUSE_STATUSES", "Metric", "MetricTarget"]


class Metric(StrEnum):
    FIRST_REPLY = "first_reply"
    NEXT_REPLY = "next_reply"
    PERIODIC_UPDATE = "periodic_update"
    RESOLUTION = "resolution"


# Reply clocks measure how long the customer waits for a human, which does not stop because an
# agent parked the ticket; resolution and periodic updates are about our own work, which is
# legitimately blocked while we wait on the customer or a third party.
DEFAULT_PAUSE_STATUSES: dict[Metric, frozenset[Status]] = {
    Metric.FIRST_REPLY: frozenset(),
    Metric.NEXT_REPLY: frozenset(),
    Metric.PERIODIC_UPDATE: frozenset({Status.PENDING, Status.ON_HOLD}),
    Metric.RESOLUTION: frozenset({Status.PENDING, Status.ON_HOLD}),
}


@dataclass(frozen=True)
class MetricTarget:
    """One metric's target: `target` of business (or, with `business_hours=False`, elapsed) time.

    `pause_statuses` None means the metric's default from DEFAULT_PAUSE_STATUSES.
    `warn_fraction` is the share of the target after which a warning is due (None: no warning).
    `bots_fulfil` lets public bot/system replies fulfil reply metrics; by default only humans do.
    `from_handover` (first reply only): on a ticket that starts with a bot, the clock starts
    when the bot hands the ticket to people, not when the customer wrote.
    """

    metric: Metric
    target: timedelta
    business_hours: bool = True
    pause_statuses: frozenset[Status] | None = None
    warn_fraction: float | None = 0.75
    bots_fulfil: bool = False
    from_handover: bool = False

    def __post_init__(self) -> None:
        if self.target < timedelta(0):
            raise ValueError(f"target must not be negative, got {self.target!r}")
        if self.warn_fraction is not None and not 0 < self.warn_fraction <= 1:
            raise ValueError(f"warn_fraction must be in (0, 1], got {self.warn_fraction!r}")

    @property
    def paused_in(self) -> frozenset[Status]:
        """The statuses in which this metric's clock stands still."""
        if self.pause_statuses is None:
            return DEFAULT_PAUSE_STATUSES[self.metric]
        return self.pause_statuses

    @property
    def warn_after(self) -> timedelta | None:
        """Business time after which the warning is due, or None without a warning."""
        if self.warn_fraction is None:
            return None
        return self.target * self.warn_fraction

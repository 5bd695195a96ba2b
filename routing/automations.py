"""Time-based automations: "pending for 3 days: remind, then solve", "unassigned for 30
minutes: notify the team". Stored with the rules as validated data.

An automation watches a ticket's clock since an anchor (when it was created, entered its
status, was last updated, last heard from the customer, or last changed assignee) and fires
once the elapsed time (wall-clock, or only the desk's opening hours) reaches its threshold and
its conditions hold. It fires at most once per ticket per *episode*: the anchor's time names
the episode, so a ticket that leaves pending and comes back starts a new one. This module is
pure; `routing.automation_runs` finds the tickets and claims the episodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from routing.rules import Action, Condition, FactValue

Anchor = Literal["created", "status_changed", "updated", "customer_replied", "assignee_changed"]
_SINCE = {
    "created": "created",
    "status_changed": "in its status",
    "updated": "without an update",
    "customer_replied": "since the customer wrote",
    "assignee_changed": "since its assignee changed",
}


class Automation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    since: Anchor = "status_changed"
    minutes: int = Field(ge=1, le=525_600)  # up to a year
    # Count only the desk's opening hours (RoutingConfig.hours): "3 business days".
    business_hours: bool = False
    all: list[Condition] = Field(default_factory=list, max_length=50)
    any: list[Condition] = Field(default_factory=list, max_length=50)
    actions: list[Action] = Field(min_length=1, max_length=20)

    def matches(self, facts: Mapping[str, FactValue]) -> bool:
        return all(c.holds(facts) for c in self.all) and (
            not self.any or any(c.holds(facts) for c in self.any)
        )

    def describe(self) -> str:
        hours = " business" if self.business_hours else ""
        return f"{_SINCE[self.since]} for {self.minutes}{hours} minutes"


def episode(anchor: datetime) -> str:
    """The episode's name: its anchor instant, in UTC to the microsecond."""
    return anchor.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.%f")


def elapsed(
    start: datetime,
    end: datetime,
    *,
    tz: str,
    hours: Mapping[str, list[tuple[str, str]]] | None,
) -> timedelta:
    """Time from `start` to `end`; with `hours`, only the part inside the opening intervals
    (local time in `tz`; "0" is Monday)."""
    if end <= start:
        return timedelta(0)
    if hours is None:
        return end - start
    zone = ZoneInfo(tz)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = timedelta(0)
    day = local_start.date()
    while day <= local_end.date():
        for opens, closes in hours.get(str(day.weekday()), []):
            a = datetime.combine(day, time.fromisoformat(opens), zone)
            b = datetime.combine(day, time.fromisoformat(closes), zone)
            lo, hi = max(a, local_start), min(b, local_end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def due(
    automation: Automation,
    anchor: datetime,
    now: datetime,
    facts: Mapping[str, FactValue],
    *,
    tz: str,
    hours: Mapping[str, list[tuple[str, str]]],
) -> bool:
    """Whether the automation fires on a ticket whose clock started at `anchor`."""
    if not automation.active:
        return False
    spent = elapsed(anchor, now, tz=tz, hours=hours if automation.business_hours else None)
    return spent >= timedelta(minutes=automation.minutes) and automation.matches(facts)

"""Table-driven runner for clock scenarios: each row adds a fact (or just moves `now`) and
states what every listed metric's instances look like afterwards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sla.calendar import BusinessCalendar
from sla.clocks import ClockInstance, ClockState, Metric, MetricTarget, TicketFact, evaluate

Make = Callable[[datetime], TicketFact]
# (state, due as local "Day HH:MM" or None, paused)
Seen = tuple[ClockState, str | None]
Row = tuple[str, Make | None, dict[Metric, list[Seen]]]

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class Week:
    """Reads "Tue 10:30" (or "Mon+1 09:00" for the following week) in one zone and week."""

    def __init__(self, monday: date, tz: str) -> None:
        assert monday.weekday() == 0
        self.monday = monday
        self.zone = ZoneInfo(tz)

    def at(self, text: str) -> datetime:
        day, hhmm = text.split()
        name, _, weeks = day.partition("+")
        offset = DAYS.index(name) + 7 * int(weeks or 0)
        hour, minute = map(int, hhmm.split(":"))
        return datetime.combine(self.monday + timedelta(days=offset), time(hour, minute), self.zone)

    def show(self, instant: datetime | None) -> str | None:
        if instant is None:
            return None
        local = instant.astimezone(self.zone)
        weeks = (local.date() - self.monday).days // 7
        name = DAYS[local.weekday()] + (f"+{weeks}" if weeks else "")
        return f"{name} {local:%H:%M}"


def run_table(
    week: Week,
    calendar: BusinessCalendar,
    targets: Sequence[MetricTarget],
    rows: Sequence[Row],
) -> dict[Metric, list[ClockInstance]]:
    """Play the rows in order, evaluating at each row's time; returns the last evaluation."""
    facts: list[TicketFact] = []
    result: dict[Metric, list[ClockInstance]] = {}
    for when, make, expected in rows:
        now = week.at(when)
        if make is not None:
            facts.append(make(now))
        result = evaluate(targets, facts, calendar, now)
        for metric, seen in expected.items():
            got = [(c.state, week.show(c.due_at)) for c in result[metric]]
            assert got == seen, f"at {when}, {metric}: {got} != {seen}"
    return result

"""Algebraic properties of business-time arithmetic, checked on calendars across DST zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import BusinessCalendar, calendar_24x7
from sla.holiday_presets import country_holidays

YEARS = [2025, 2026, 2027]
TICK = timedelta(microseconds=1)

CALENDARS = {
    "berlin office": BusinessCalendar(
        "Europe/Berlin",
        {d: [(time(9), time(17))] for d in range(5)},
        country_holidays("DE", YEARS, subdiv="BE"),
    ),
    "new york split day": BusinessCalendar(
        "America/New_York",
        {d: [(time(9), time(12)), (time(13), time(18))] for d in range(6)},
        country_holidays("US", YEARS),
    ),
    "istanbul nights": BusinessCalendar(
        "Europe/Istanbul",
        {d: [(time(22), time(6))] for d in range(5)},
        country_holidays("TR", YEARS),
    ),
    # Intervals inside the DST hours and overlapping across midnight, to stress the edge rules.
    "berlin odd hours": BusinessCalendar(
        "Europe/Berlin",
        {0: [(time(2, 30), time(3, 15))], 5: [(time(20), time(4))], 6: [(time(1), time(2, 30))]},
        [date(2026, 3, 30), date(2026, 10, 25)],
    ),
    "new york 24x7": calendar_24x7("America/New_York"),
}
# Calendars whose interval ends stay clear of the 01:00-03:00 DST window, where reading wall
# time from an instant is unambiguous and can serve as an independent oracle.
ORACLE_SAFE = ["berlin office", "new york split day", "istanbul nights", "new york 24x7"]


class _Named(BusinessCalendar):
    """Prints as its name, so a failing example reads "berlin office", not every interval."""

    __slots__ = ("name",)

    def __init__(self, name: str, cal: BusinessCalendar) -> None:
        super().__init__(cal.tz, cal.weekly_intervals, cal.holidays)
        self.name = name

    def __repr__(self) -> str:
        return self.name


calendars = st.sampled_from([_Named(name, cal) for name, cal in sorted(CALENDARS.items())])
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 10, 1), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=25))
positive = st.timedeltas(min_value=TICK, max_value=timedelta(days=25))


@given(calendars, instants, durations)
def test_between_undoes_add(cal: BusinessCalendar, start: datetime, d: timedelta) -> None:
    assert cal.between(start, cal.add(start, d)) == d


@given(calendars, instants, positive)
def test_add_returns_the_earliest_instant_and_never_lands_in_closed_time(
    cal: BusinessCalendar, start: datetime, d: timedelta
) -> None:
    due = cal.add(start, d)
    assert due > start
    assert cal.between(start, due - TICK) < d
    # Business time was running up to `due`: it is open or exactly a closing edge.
    assert cal.between(due - TICK, due) == TICK


@given(calendars, instants, durations, durations)
def test_add_is_monotonic_and_composes(
    cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    short, long = sorted((a, b))
    assert cal.add(start, short) <= cal.add(start, long)
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b) or a == timedelta(0)


@given(calendars, instants, st.lists(positive, min_size=2, max_size=2))
def test_between_is_additive_over_splits(
    cal: BusinessCalendar, start: datetime, gaps: list[timedelta]
) -> None:
    middle = start + gaps[0]
    end = middle + gaps[1]
    assert cal.between(start, end) == cal.between(start, middle) + cal.between(middle, end)


@given(calendars, instants)
def test_next_open_is_open_and_nothing_is_open_before_it(
    cal: BusinessCalendar, instant: datetime
) -> None:
    opening = cal.next_open(instant)
    assert opening >= instant
    assert cal.is_open(opening)
    assert cal.between(instant, opening) == timedelta(0)
    assert cal.is_open(instant) == (opening == instant)


def _oracle_open(cal: BusinessCalendar, instant: datetime) -> bool:
    """Open per wall-clock reading of `instant`, written independently of the calendar."""
    local = instant.astimezone(ZoneInfo(cal.tz)).replace(tzinfo=None)
    for start_day in (local.date() - timedelta(days=1), local.date()):
        if start_day in cal.holidays:
            continue
        for start, end in cal.weekly_intervals.get(start_day.weekday(), ()):
            opens = datetime.combine(start_day, start)
            closes = datetime.combine(start_day + timedelta(days=int(end <= start)), end)
            if opens <= local < closes:
                return True
    return False


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([_Named(name, CALENDARS[name]) for name in ORACLE_SAFE]),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 10, 1)).map(
        lambda d: d.replace(minute=d.minute // 15 * 15, second=0, microsecond=0, tzinfo=UTC)
    ),
    st.integers(min_value=1, max_value=3 * 24 * 4),
)
def test_is_open_and_between_agree_with_a_wall_clock_oracle(
    cal: BusinessCalendar, start: datetime, quarters: int
) -> None:
    samples = [start + timedelta(minutes=15 * i) for i in range(quarters)]
    flags = [_oracle_open(cal, t) for t in samples]
    assert [cal.is_open(t) for t in samples] == flags
    # All interval edges sit on quarter hours, so each sample stands for its whole quarter.
    assert cal.between(start, samples[-1] + timedelta(minutes=15)) == sum(flags) * timedelta(
        minutes=15
    )


DST_WEEKENDS = [date(2025, 3, 8), date(2025, 10, 25), date(2026, 3, 7), date(2026, 10, 31)]
DST_WEEKENDS += [date(2025, 3, 28), date(2025, 10, 24), date(2026, 3, 27), date(2026, 10, 23)]


def test_wall_clock_oracle_around_every_dst_weekend() -> None:
    # Random sampling rarely lands on the handful of transition nights; sweep them all.
    quarter = timedelta(minutes=15)
    for name in ORACLE_SAFE:
        cal = CALENDARS[name]
        for friday in DST_WEEKENDS:
            start = datetime.combine(friday, time(0), UTC)
            samples = [start + quarter * i for i in range(4 * 24 * 4)]
            flags = [_oracle_open(cal, t) for t in samples]
            assert [cal.is_open(t) for t in samples] == flags, (name, friday)
            assert cal.between(start, samples[-1] + quarter) == sum(flags) * quarter, (name, friday)

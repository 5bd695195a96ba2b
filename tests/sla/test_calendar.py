"""Concrete business-calendar cases, each value computed by hand in the comment next to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import BusinessCalendar, calendar_24x7
from sla.holiday_presets import country_holidays

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ISTANBUL = ZoneInfo("Europe/Istanbul")
H = timedelta(hours=1)
WEEKDAYS = range(5)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def office(
    tz: str, *intervals: tuple[time, time], holidays: tuple[date, ...] = ()
) -> BusinessCalendar:
    return BusinessCalendar(tz, {d: list(intervals) for d in WEEKDAYS}, holidays)


NINE_TO_FIVE = (time(9), time(17))


def test_add_skips_the_weekend_across_spring_forward() -> None:
    cal = office("Europe/Berlin", NINE_TO_FIVE)
    # Fri 27 Mar 2026 16:00 CET: 1h left on Friday, DST starts Sun 29 Mar, 7h more on Monday
    # 09:00-16:00 CEST = 14:00 UTC.
    start = datetime(2026, 3, 27, 16, tzinfo=BERLIN)
    assert cal.add(start, 8 * H) == utc(2026, 3, 30, 14)
    assert cal.between(start, utc(2026, 3, 30, 14)) == 8 * H


def test_output_is_utc_whatever_the_input_zone() -> None:
    cal = office("Europe/Berlin", NINE_TO_FIVE)
    # 10:00 EDT = 14:00 UTC = 16:00 CEST: 1h to Berlin's close, then Tue 09:00-10:00 CEST.
    result = cal.add(datetime(2026, 6, 1, 10, tzinfo=NEW_YORK), 2 * H)
    assert result.tzinfo is UTC
    assert result == utc(2026, 6, 2, 8, 0)


@pytest.mark.parametrize(
    ("night", "expected"),
    [
        # Sat 28 Mar 2026 22:00 CET (21:00 UTC) to Sun 06:00 CEST (04:00 UTC): clocks jump 02->03.
        (date(2026, 3, 28), 7 * H),
        # Sat 24 Oct 2026 22:00 CEST (20:00 UTC) to Sun 06:00 CET (05:00 UTC): 02-03 happens twice.
        (date(2026, 10, 24), 9 * H),
        (date(2026, 6, 6), 8 * H),
    ],
)
def test_overnight_shift_over_dst_nights_counts_real_hours(
    night: date, expected: timedelta
) -> None:
    cal = BusinessCalendar("Europe/Berlin", dict.fromkeys(range(7), ((time(22), time(6)),)))
    evening = datetime.combine(night, time(12), BERLIN)
    morning = evening + timedelta(days=1)  # wall-clock noon next day
    assert cal.between(evening, morning) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 3, 8), 23 * H), (date(2026, 11, 1), 25 * H), (date(2026, 11, 2), 24 * H)],
)
def test_24x7_new_york_days_have_their_real_length(day: date, expected: timedelta) -> None:
    cal = calendar_24x7("America/New_York")
    start = datetime.combine(day, time(0), NEW_YORK)
    end = datetime.combine(day + timedelta(days=1), time(0), NEW_YORK)
    assert cal.between(start, end) == expected
    assert cal.add(start, expected) == end.astimezone(UTC)


def test_new_york_spring_forward_business_day() -> None:
    # Sunday 8 Mar 2026, an interval 01:00-04:00 EST/EDT: 06:00 UTC to 08:00 UTC = 2h.
    cal = BusinessCalendar("America/New_York", {6: [(time(1), time(4))]})
    assert cal.add(datetime(2026, 3, 8, 0, tzinfo=NEW_YORK), 2 * H) == utc(2026, 3, 8, 8)
    # Sunday 1 Nov 2026: 01:00 is ambiguous, first occurrence EDT (05:00 UTC), 04:00 EST is
    # 09:00 UTC: 4h.
    assert cal.between(utc(2026, 11, 1, 0), utc(2026, 11, 2, 0)) == 4 * H


def test_nonexistent_opening_time_is_read_past_the_gap() -> None:
    # Sunday 29 Mar 2026 02:30 does not exist in Berlin; fold=0 reads it with CET, i.e. 01:30
    # UTC = 03:30 CEST. The interval closes at 05:00 CEST = 03:00 UTC: 1.5h.
    cal = BusinessCalendar("Europe/Berlin", {6: [(time(2, 30), time(5))]})
    assert cal.next_open(utc(2026, 3, 29, 0)) == utc(2026, 3, 29, 1, 30)
    assert cal.between(utc(2026, 3, 29, 0), utc(2026, 3, 30, 0)) == timedelta(hours=1, minutes=30)
    # Sunday 25 Oct 2026 02:30 happens twice; the first (CEST, 00:30 UTC) opens. Until 05:00 CET
    # (04:00 UTC): 3.5h.
    assert cal.next_open(utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 0, 30)
    assert cal.between(utc(2026, 10, 25, 0), utc(2026, 10, 26, 0)) == timedelta(hours=3.5)


def test_overnight_interval_belongs_to_the_day_it_starts() -> None:
    # Weekday nights 22:00-06:00 Istanbul (UTC+3): Friday's night runs into Saturday morning,
    # Saturday has no night of its own.
    cal = office("Europe/Istanbul", (time(22), time(6)))
    assert cal.is_open(datetime(2026, 5, 16, 5, 59, tzinfo=ISTANBUL))  # Sat, Friday's night
    assert not cal.is_open(datetime(2026, 5, 16, 6, 0, tzinfo=ISTANBUL))  # end is exclusive
    assert not cal.is_open(datetime(2026, 5, 16, 23, tzinfo=ISTANBUL))  # Sat night closed
    assert cal.is_open(datetime(2026, 5, 18, 22, tzinfo=ISTANBUL))  # start is inclusive
    # Sat noon + 1h: Monday 22:00-23:00 local = 20:00 UTC.
    assert cal.add(datetime(2026, 5, 16, 12, tzinfo=ISTANBUL), H) == utc(2026, 5, 18, 20)


def test_holiday_closes_the_night_that_starts_on_it() -> None:
    cal = BusinessCalendar(
        "Europe/Istanbul", dict.fromkeys(range(7), ((time(22), time(6)),)), [date(2026, 10, 29)]
    )
    assert cal.is_open(datetime(2026, 10, 29, 5, tzinfo=ISTANBUL))  # the 28th's night
    assert not cal.is_open(datetime(2026, 10, 29, 23, tzinfo=ISTANBUL))
    assert not cal.is_open(datetime(2026, 10, 30, 1, tzinfo=ISTANBUL))
    assert cal.next_open(utc(2026, 10, 29, 12)) == utc(2026, 10, 30, 19)  # 30th 22:00 local


def test_several_intervals_per_day() -> None:
    cal = office("Europe/Istanbul", (time(9), time(12)), (time(13), time(18)))
    monday = date(2026, 6, 1)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(monday, time(hour, minute), ISTANBUL)

    assert cal.add(at(11), 2 * H) == at(14).astimezone(UTC)  # 11-12, lunch, 13-14
    assert cal.between(at(8), at(20)) == 8 * H
    assert cal.between(at(12, 15), at(12, 45)) == timedelta(0)
    # Exactly the day's 8h ends at the 18:00 close, not at Tuesday's opening.
    assert cal.add(at(9), 8 * H) == at(18).astimezone(UTC)
    assert cal.next_open(at(12, 30)) == at(13).astimezone(UTC)
    assert cal.next_open(at(10)) == at(10).astimezone(UTC)


def test_overlapping_intervals_count_once() -> None:
    cal = office("UTC", (time(9), time(13)), (time(11), time(15)))
    assert cal.between(utc(2026, 6, 1, 0), utc(2026, 6, 2, 0)) == 6 * H
    assert cal.add(utc(2026, 6, 1, 9), 5 * H) == utc(2026, 6, 1, 14)


def test_zero_duration_is_due_at_start_even_when_closed() -> None:
    cal = office("Europe/Berlin", NINE_TO_FIVE)
    saturday = datetime(2026, 6, 6, 12, tzinfo=BERLIN)
    assert cal.add(saturday, timedelta(0)) == utc(2026, 6, 6, 10)
    assert cal.add(saturday, timedelta(microseconds=1)) == utc(2026, 6, 8, 7, 0, 0, 1)


def test_between_is_zero_when_end_is_not_after_start() -> None:
    cal = calendar_24x7()
    assert cal.between(utc(2026, 1, 2), utc(2026, 1, 1)) == timedelta(0)
    assert cal.between(utc(2026, 1, 1), utc(2026, 1, 1)) == timedelta(0)


def test_turkish_holidays_2026_in_a_calendar() -> None:
    tr = country_holidays("TR", [2026])
    assert date(2026, 10, 29) in tr  # Republic Day
    assert date(2026, 5, 19) in tr  # Atatürk, Youth and Sports Day
    assert date(2026, 5, 27) in tr  # Eid al-Adha, day 1
    assert date(2026, 10, 28) not in tr  # only a half day: not a closed date
    cal = office("Europe/Istanbul", (time(9), time(18)), holidays=tuple(tr))
    # Wed 28 Oct 17:00 (14:00 UTC): 1h that day, Thursday closed, Friday 09:00-10:00 local.
    assert cal.add(datetime(2026, 10, 28, 17, tzinfo=ISTANBUL), 2 * H) == utc(2026, 10, 30, 7)


def test_german_and_us_presets() -> None:
    assert date(2026, 1, 6) in country_holidays("DE", [2026], subdiv="BY")  # Epiphany, Bavaria
    assert date(2026, 1, 6) not in country_holidays("DE", [2026], subdiv="BE")
    us = country_holidays("US", [2026, 2027])
    assert date(2026, 7, 3) in us  # 4 July is a Saturday: observed on Friday
    assert date(2027, 11, 25) in us  # Thanksgiving
    with pytest.raises(ValueError, match="no holiday preset"):
        country_holidays("XX", [2026])


def test_long_holiday_runs_are_walked_not_refused() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=w) for w in range(52)]
    cal = BusinessCalendar("UTC", {0: [NINE_TO_FIVE]}, mondays)
    assert cal.add(utc(2026, 1, 1), H) == utc(2027, 1, 4, 10)


@pytest.mark.parametrize("weekly", [{}, {0: []}, {1: [], 3: []}])
def test_calendar_without_hours_is_refused(weekly: dict[int, list[tuple[time, time]]]) -> None:
    with pytest.raises(ValueError, match="calendar has no business hours"):
        BusinessCalendar("UTC", weekly, [])


@pytest.mark.parametrize(
    ("tz", "weekly"),
    [
        ("Mars/Olympus", {0: [NINE_TO_FIVE]}),
        ("UTC", {7: [NINE_TO_FIVE]}),
        ("UTC", {0: [(time(9, tzinfo=UTC), time(17))]}),
    ],
)
def test_bad_configuration_is_refused(tz: str, weekly: dict[int, list[tuple[time, time]]]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        BusinessCalendar(tz, weekly)


def test_naive_instants_are_refused() -> None:
    cal = calendar_24x7()
    naive = datetime(2026, 1, 1, 12)
    with pytest.raises(ValueError, match="aware"):
        cal.add(naive, H)
    with pytest.raises(ValueError, match="aware"):
        cal.between(utc(2026, 1, 1), naive)
    with pytest.raises(ValueError, match="aware"):
        cal.is_open(naive)
    with pytest.raises(ValueError, match="aware"):
        cal.next_open(naive)
    with pytest.raises(ValueError, match="negative"):
        cal.add(utc(2026, 1, 1), -H)

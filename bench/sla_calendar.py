"""How fast is BusinessCalendar.add? Run on demand: .venv/bin/python bench/sla_calendar.py

Prints add() calls per second for typical SLA targets on a realistic calendar (Istanbul,
Mon-Fri 09:00-12:30 and 13:30-18:00, Turkish holidays) and the ratio to plain
`datetime + timedelta` additions measured in the same run. Start instants are spread over two
years so the per-date cache is exercised the way a server computing many tickets' deadlines
would (warm), plus one cold-cache figure per target.
"""

from __future__ import annotations

import random
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

# Run as a plain script from any directory, whether or not the project is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sla.calendar import BusinessCalendar
from sla.holiday_presets import country_holidays

N = 20_000
TARGETS = {
    "1h": timedelta(hours=1),
    "8h": timedelta(hours=8),
    "3 business days": timedelta(hours=3 * 8),
    "2 business weeks": timedelta(hours=10 * 8),
}


HOURS = [(time(9), time(12, 30)), (time(13, 30), time(18))]
HOLIDAYS = country_holidays("TR", [2025, 2026, 2027])


def make_calendar() -> BusinessCalendar:
    return BusinessCalendar("Europe/Istanbul", {d: HOURS for d in range(5)}, HOLIDAYS)


def rate(
    fn: Callable[[datetime, timedelta], object], starts: list[datetime], d: timedelta
) -> float:
    began = clock.perf_counter()
    for start in starts:
        fn(start, d)
    return len(starts) / (clock.perf_counter() - began)


def main() -> None:
    rng = random.Random(42)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(N)]

    def plain(start: datetime, d: timedelta) -> datetime:
        return start + d

    baseline = rate(plain, starts, timedelta(hours=8))
    print(f"baseline datetime + timedelta: {baseline:,.0f}/s")
    warm = make_calendar()
    for d in TARGETS.values():  # fill the per-date cache for the whole range once
        rate(warm.add, starts, d)
    for name, d in TARGETS.items():
        warm_rate = rate(warm.add, starts, d)
        cold_rate = rate(lambda s, dd: make_calendar().add(s, dd), starts[:2000], d)
        print(
            f"add {name:>16}: {warm_rate:>10,.0f}/s warm  "
            f"(1/{baseline / warm_rate:,.0f} of baseline)  "
            f"cold: {cold_rate:>8,.0f}/s (1/{baseline / cold_rate:,.0f}), fresh calendar per call"
        )


if __name__ == "__main__":
    main()

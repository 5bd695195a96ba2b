"""Durations in configuration files and commands are written with a unit, never guessed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1h 30m", timedelta(minutes=90)),
        ("PT4H", timedelta(hours=4)),
        ("pt30m", timedelta(minutes=30)),
        ("P2D", timedelta(days=2)),
        ("P1DT12H", timedelta(hours=36)),
    ],
)
def test_durations_people_write(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (30, "has no unit"),
        ("30", "has no unit"),
        (1.5, "has no unit"),
        ("", "is not a duration"),
        ("4 parsecs", "is not a duration"),
        ("1:30", "is not a duration"),
        ("P1Y", "is not a duration"),
        ("P", "is not a duration"),
        ("-4h", "is not a duration"),
        (None, "as text"),
    ],
)
def test_ambiguous_or_wrong_durations_are_refused_with_a_hint(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(value)

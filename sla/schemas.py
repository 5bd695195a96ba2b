"""Validated shapes of SLA configuration, shared by the API, the CLI and the tests.

Each model checks what it can on its own (time zones, opening hours, holiday presets, action
targets); references to other rows (calendar, category, users, teams) are checked by
`sla.admin` against the database.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from helpdesk.domain import Priority, Status
from helpdesk.durations import parse_duration
from helpdesk.endpoints import BodyId
from sla._config import parse_hhmm
from sla.holiday_presets import country_holidays
from sla.targets import Metric

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
DOC = "docs/configuration.md"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _seconds(value: object) -> int:
    """A duration written with a unit ("4h", "30m", "PT4H"), as whole seconds."""
    return round(parse_duration(value).total_seconds())


def _signed_seconds(value: object) -> int:
    """An escalation offset: a duration after the breach, "-15m" before it, 0 at it."""
    if value == 0 or value == "0":
        return 0  # at the breach: the one number that needs no unit
    if isinstance(value, str) and value.strip().startswith("-"):
        return -_seconds(value.strip()[1:])
    if isinstance(value, str) and value.strip().startswith("+"):
        return _seconds(value.strip()[1:])
    return _seconds(value)


def _weekday(key: object) -> str:
    """ "mon" / "Monday" -> "0" (storage keeps 0 = Monday); "0".."6" are still read as such."""
    text = str(key).strip().lower()
    if text in {str(n) for n in range(7)}:
        return text
    for number, name in enumerate(_WEEKDAYS):
        if text in (name, name[:3]):
            return str(number)
    raise ValueError(
        f"{key!r} is not a weekday: write mon, tue, wed, thu, fri, sat or sun (or the full name)"
    )


def _weekdays(value: object) -> object:
    if not isinstance(value, dict):
        return value
    days: dict[str, object] = {}
    for key, intervals in value.items():
        day = _weekday(key)
        if day in days:
            raise ValueError(f"{_WEEKDAYS[int(day)]} is given twice")
        # Pairs as tuples: the API validates bodies strictly, where a list is not a tuple.
        if isinstance(intervals, list):
            intervals = [tuple(i) if isinstance(i, list) else i for i in intervals]
        days[day] = intervals
    return days


# Durations are text with a unit; a bare number is refused (30 could be s, min or h).
# The API document states the written form; the validators above turn it into seconds.
_DURATION_TEXT = r"^[0-9]+(\.[0-9]+)?[smhdw]([0-9]+(\.[0-9]+)?[smhdw])*$"
_Duration = Annotated[
    int, WithJsonSchema({"type": "string", "pattern": _DURATION_TEXT, "examples": ["4h"]})
]
Offset = Annotated[
    int,
    BeforeValidator(_signed_seconds),
    WithJsonSchema({"type": "string", "pattern": r"^[-+]?[0-9]+[smhdw]$", "examples": ["30m"]}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    tz: str = Field(min_length=1, max_length=64)
    # weekday ("mon".."sun", stored as "0" = Monday .. "6") -> [["09:00", "18:00"], ...]; an
    # end at or before its start runs past midnight.
    weekly: Annotated[
        dict[Literal["0", "1", "2", "3", "4", "5", "6"], list[tuple[str, str]]],
        BeforeValidator(_weekdays),
    ]
    holiday_country: str | None = Field(default=None, min_length=2, max_length=8)
    holiday_subdiv: str | None = Field(default=None, max_length=16)
    custom_holidays: list[date] = []

    @field_validator("tz")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("weekly")
    @classmethod
    def _hours(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        import re

        for intervals in value.values():
            for start, end in intervals:
                for text in (start, end):
                    if not re.match(_HHMM, text):
                        raise ValueError(f"{text!r} is not a HH:MM time")
                parse_hhmm(start)
        if not any(value.values()):
            raise ValueError("a calendar needs at least one opening interval")
        return value

    @model_validator(mode="after")
    def _preset(self) -> Self:
        if self.holiday_country:
            try:
                country_holidays(self.holiday_country, [2026], self.holiday_subdiv or None)
            except ValueError as exc:
                raise ValueError(f"holiday_country: {exc}") from None
        elif self.holiday_subdiv:
            raise ValueError("holiday_subdiv needs holiday_country")
        return self

    def row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tz": self.tz,
            "weekly": {day: [list(pair) for pair in pairs] for day, pairs in self.weekly.items()},
            "holiday_country": self.holiday_country.upper() if self.holiday_country else None,
            "holiday_subdiv": self.holiday_subdiv,
            "custom_holidays": sorted(d.isoformat() for d in self.custom_holidays),
        }


class PolicyIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    # Policies are tried in position order, first match wins; a new policy without one goes
    # after the others.
    position: int | None = Field(default=None, ge=0, le=1_000_000)
    active: bool = True
    priorities: list[Priority] = []
    category_ids: list[BodyId] = []
    channels: list[str] = []
    tiers: list[str] = []
    tags: list[str] = []
    # metric -> priority -> duration ("4h", "30m", "2d", "PT4H"), kept as seconds
    targets: dict[Metric, dict[Priority, _Duration]]
    business_hours: bool = True
    pause_statuses: dict[Metric, list[Status]] = {}
    warn_fraction: float | None = Field(default=0.75, gt=0, le=1)
    bots_fulfil: bool = False
    first_reply_from_handover: bool = False
    calendar_id: BodyId | None = None

    @field_validator("targets", mode="before")
    @classmethod
    def _durations(cls, value: object) -> object:
        # Read here rather than per item, so an error names the field people look for.
        if not isinstance(value, dict):
            return value
        out: dict[object, object] = {}
        for metric, per_priority in value.items():
            if not isinstance(per_priority, dict):
                out[metric] = per_priority
                continue
            seconds: dict[object, int] = {}
            for priority, text in per_priority.items():
                try:
                    seconds[priority] = _seconds(text)
                except ValueError as exc:
                    raise ValueError(f"{metric}.{priority}: {exc}") from None
            out[metric] = seconds
        return out

    @field_validator("targets")
    @classmethod
    def _targets(
        cls, value: dict[Metric, dict[Priority, int]]
    ) -> dict[Metric, dict[Priority, int]]:
        for per_priority in value.values():
            for seconds in per_priority.values():
                if not 0 < seconds <= 366 * 86400:
                    raise ValueError("a target is between one second and a year")
        if not any(value.values()):
            raise ValueError(
                'a policy needs at least one target, e.g. {"first_reply": {"normal": "4h"}}'
            )
        return value

    def row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "position": self.position,
            "active": self.active,
            "priorities": [p.value for p in self.priorities],
            "category_ids": self.category_ids,
            "channels": self.channels,
            "tiers": self.tiers,
            "tags": self.tags,
            "targets": {
                m.value: {p.value: s for p, s in per.items()} for m, per in self.targets.items()
            },
            "business_hours": self.business_hours,
            "pause_statuses": {
                m.value: [s.value for s in statuses] for m, statuses in self.pause_statuses.items()
            },
            "warn_fraction": self.warn_fraction,
            "bots_fulfil": self.bots_fulfil,
            "first_reply_from_handover": self.first_reply_from_handover,
            "calendar_id": self.calendar_id,
        }


class ActionIn(_Strict):
    type: Literal["notify", "reassign", "raise_priority", "webhook"]
    target: Literal["user", "team", "supervisor", "assignee"] | None = None
    user_id: BodyId | None = None
    team_id: BodyId | None = None
    url: HttpUrl | None = None
    email: bool = True

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.type in ("notify", "reassign"):
            if self.target is None:
                raise ValueError(f"a {self.type} action needs a target")
            if self.target == "user" and self.user_id is None:
                raise ValueError("target user needs user_id")
            if self.target == "team" and self.team_id is None:
                raise ValueError("target team needs team_id")
            if self.type == "reassign" and self.target == "assignee":
                raise ValueError("reassigning to the current assignee changes nothing")
        if self.type == "webhook" and self.url is None:
            raise ValueError("a webhook action needs url")
        return self


class LevelIn(_Strict):
    # "30m" after the breach, "-15m" before it, 0 at it; kept as seconds
    offset: Annotated[Offset, Field(ge=-366 * 86400, le=366 * 86400)]
    business_time: bool = True
    actions: list[ActionIn] = Field(min_length=1)


class LadderIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    category_id: BodyId | None = None
    metrics: list[Metric] = []
    levels: list[LevelIn] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _ordered(cls, value: list[LevelIn]) -> list[LevelIn]:
        offsets = [level.offset for level in value]
        if offsets != sorted(offsets):
            raise ValueError("levels must be ordered by offset")
        return value

    def row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category_id": self.category_id,
            "metrics": [m.value for m in self.metrics],
            "levels": [level.model_dump(mode="json", exclude_none=True) for level in self.levels],
        }


class AckIn(_Strict):
    note: str = Field(default="", max_length=2000)

"""Validated shapes of SLA configuration, shared by the API, the CLI and the tests.

Each model checks what it can on its own (time zones, opening hours, holiday presets, action
targets); references to other rows (calendar, category, users, teams) are checked by
`sla.admin` against the database.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    JsonValue,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from helpdesk.domain import Priority, Status
from helpdesk.endpoints import BodyId
from sla._config import parse_hhmm
from sla.holiday_presets import country_holidays, supported_countries
from sla.targets import Metric

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_COUNTRIES: list[JsonValue] = [*supported_countries()]
_ZONES: list[JsonValue] = [*sorted(available_timezones())]
# Checked by CalendarIn._hours (one message for the whole week); stated here for the document.
_Time = Annotated[str, WithJsonSchema({"type": "string", "pattern": _HHMM})]
# Checked by PolicyIn._targets (one message for all targets); stated here for the document.
_Seconds = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 366 * 86400})]
_DAYS = ("0", "1", "2", "3", "4", "5", "6")
_OPEN_SOME_DAY: JsonDict = {
    # At least one day with at least one interval: stated so the API document says it too.
    "anyOf": [
        {"required": ["weekly"], "properties": {"weekly": {
            "required": [day], "properties": {day: {"type": "array", "minItems": 1}}}}}
        for day in _DAYS
    ]
}  # fmt: skip


class CalendarIn(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_OPEN_SOME_DAY)

    name: str = Field(min_length=1, max_length=200)
    tz: str = Field(
        min_length=1,
        max_length=64,
        json_schema_extra={"enum": list(_ZONES)},
        description="An IANA time zone, e.g. Europe/Istanbul",
    )
    # weekday "0" (Monday) .. "6" -> [["09:00", "18:00"], ...]; an end at or before its start
    # runs past midnight.
    weekly: dict[
        Literal["0", "1", "2", "3", "4", "5", "6"],
        list[tuple[_Time, _Time]],
    ]
    holiday_country: (
        Annotated[str, Field(min_length=2, max_length=8, json_schema_extra={"enum": _COUNTRIES})]
        | None
    ) = None
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
    position: int = Field(default=0, ge=0, le=1_000_000)
    active: bool = True
    priorities: list[Priority] = []
    category_ids: list[BodyId] = []
    channels: list[str] = []
    tiers: list[str] = []
    tags: list[str] = []
    # metric -> priority -> seconds
    targets: dict[Metric, dict[Priority, _Seconds]]
    business_hours: bool = True
    pause_statuses: dict[Metric, list[Status]] = {}
    warn_fraction: float | None = Field(default=0.75, gt=0, le=1)
    bots_fulfil: bool = False
    first_reply_from_handover: bool = False
    calendar_id: BodyId | None = None

    @field_validator("targets")
    @classmethod
    def _targets(
        cls, value: dict[Metric, dict[Priority, int]]
    ) -> dict[Metric, dict[Priority, int]]:
        for per_priority in value.values():
            for seconds in per_priority.values():
                if not 0 <= seconds <= 366 * 86400:
                    raise ValueError("a target is between 0 seconds and a year")
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


def _when(condition: JsonDict, then: JsonDict) -> JsonDict:
    return {"if": condition, "then": then}


def _is(name: str, *values: str) -> JsonDict:
    return {"required": [name], "properties": {name: {"enum": list(values)}}}


def _needs(name: str, kind: str) -> JsonDict:
    return {"required": [name], "properties": {name: {"type": kind}}}


# ActionIn._complete's rules, so the API document states them.
_ACTION_RULES: JsonDict = {
    "allOf": [
        _when(_is("type", "notify", "reassign"), _needs("target", "string")),
        _when(_is("target", "user"), _needs("user_id", "integer")),
        _when(_is("target", "team"), _needs("team_id", "integer")),
        _when(_is("type", "reassign"), {"properties": {"target": {"not": {"const": "assignee"}}}}),
        _when(_is("type", "webhook"), _needs("url", "string")),
    ]
}


class ActionIn(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_ACTION_RULES)

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
    offset: int = Field(ge=-366 * 86400, le=366 * 86400)  # seconds; negative: before breach
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

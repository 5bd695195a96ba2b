"""The routing configuration: one validated document (pydantic), stored as JSON.

Patterns are compiled here at validation time, so a bad regular expression is a 422 naming
the field when it is saved, never an error while a ticket is being routed. Nothing is ever
evaluated as code.
"""

from __future__ import annotations

import re
from datetime import time
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from routing import language
from routing.automations import Automation
from routing.rules import Rule
from routing.text import normalise

DEFAULT_LANGUAGES = ["en", "tr"]
SkillName = Annotated[str, Field(pattern=r"^[\w:.-]{1,64}$")]


class KeywordRule(BaseModel):
    """Categorise by words: any keyword (whole words, case- and diacritic-insensitive, so
    "iade" matches "İADE") or any regular expression (matched on the folded text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=100)
    keywords: list[str] = Field(default_factory=list, max_length=200)
    patterns: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _something_to_match(self) -> KeywordRule:
        if not self.keywords and not self.patterns:
            raise ValueError("a keyword rule needs keywords or patterns")
        return self

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        words = [re.escape(normalise(k)) for k in self.keywords if normalise(k)]
        alternatives = ([rf"\b(?:{'|'.join(words)})\b"] if words else []) + [
            f"(?:{p})" for p in self.patterns
        ]
        return re.compile("|".join(alternatives))

    def matches(self, folded_text: str) -> bool:
        return self._regex.search(folded_text) is not None


class TeamAssignment(BaseModel):
    """How one team's tickets are assigned. A team without an entry is not auto-assigned:
    agents pick from its queue, as before routing was configured."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    team: str = Field(min_length=1, max_length=200)
    strategy: Literal["least_loaded", "round_robin", "none"] = "least_loaded"
    capacity: int = Field(default=8, ge=1, le=1000)


class RoutingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # Below this classifier confidence a ticket waits in triage instead of being guessed.
    threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES), min_length=2)
    keyword_rules: list[KeywordRule] = Field(default_factory=list, max_length=500)
    teams: list[TeamAssignment] = Field(default_factory=list, max_length=500)
    default_capacity: int = Field(default=8, ge=1, le=1000)
    # The desk's opening hours for rule conditions: "0" (Monday) .. "6" -> [["09:00", "18:00"]].
    timezone: str = "UTC"
    hours: dict[str, list[tuple[str, str]]] = Field(
        default_factory=lambda: {str(d): [("09:00", "18:00")] for d in range(5)}
    )
    rules: list[Rule] = Field(default_factory=list, max_length=500)
    automations: list[Automation] = Field(default_factory=list, max_length=200)
    # Skills an agent needs for a category's tickets (slug -> skills); with
    # `language_skills`, a ticket in Turkish also needs "language:tr".
    category_skills: dict[str, list[SkillName]] = Field(default_factory=dict, max_length=500)
    language_skills: bool = False
    # An online agent with no activity for this long is away until active again; None: never.
    idle_away_minutes: int | None = Field(default=None, ge=1, le=10_080)
    # A rule fires at most this often on one ticket over its life (loop protection).
    max_rule_firings_per_ticket: int = Field(default=10, ge=1, le=1000)

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not language.supported(c)]
        if bad:
            raise ValueError(f"unknown ISO 639-1 language codes: {bad}")
        return [c.lower() for c in codes]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, tz: str) -> str:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        return tz

    @field_validator("hours")
    @classmethod
    def _intervals(
        cls, hours: dict[str, list[tuple[str, str]]]
    ) -> dict[str, list[tuple[str, str]]]:
        for day, intervals in hours.items():
            if day not in {str(d) for d in range(7)}:
                raise ValueError(f"weekday keys are '0' (Monday) to '6', not {day!r}")
            for start, end in intervals:
                if time.fromisoformat(start) >= time.fromisoformat(end):
                    raise ValueError(f"opening interval {start}-{end} ends before it starts")
        return hours

    @model_validator(mode="after")
    def _unique_names(self) -> RoutingConfig:
        # A name identifies an automation's episodes on tickets: two would share them.
        names = [a.name for a in self.automations]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"automations need distinct names; repeated: {twice}")
        return self

    def team_assignment(self, team: str) -> TeamAssignment:
        for entry in self.teams:
            if entry.team == team:
                return entry
        return TeamAssignment(team=team, strategy="none", capacity=self.default_capacity)

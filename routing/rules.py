"""Rules (triggers): validated data, evaluated by a pure function.

A rule says on which triggers it runs, which conditions must hold (`all` of them and, when
given, `any` of them) and which actions follow. `evaluate` runs an ordered rule set over a
ticket's facts the way desks' triggers run: the first matching rule fires, its actions change
the facts, and the set is run again from the top, so a later rule can react to an earlier
one's change. Loop protection: within one event chain a rule fires at most once, and over a
ticket's life at most `max_per_ticket` times; so evaluation always ends.

No I/O, no clock: the caller passes the facts (including the time-derived ones) in.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from helpdesk.domain import Priority, Status
from routing.text import normalise

Trigger = Literal["created", "updated", "customer_replied", "status_changed"]
FactValue = str | int | bool | tuple[str, ...] | None

Field_ = Literal[
    "ticket.subject",
    "ticket.status",
    "ticket.priority",
    "ticket.category",
    "ticket.team",
    "ticket.assignee",
    "ticket.channel",
    "ticket.source",
    "ticket.language",
    "ticket.tags",
    "message.text",
    "customer.tier",
    "customer.language",
    "time.weekday",
    "time.hour",
    "time.business_hours",  # the desk's opening hours (RoutingConfig.hours)
]
FIELDS: tuple[str, ...] = get_args(Field_)
Op = Literal["is", "is_not", "in", "not_in", "contains", "not_contains", "matches", "gte", "lte"]
ActionKind = Literal[
    "set_category",
    "set_team",
    "set_priority",
    "set_status",
    "add_tags",
    "remove_tags",
    "assign",
    "add_note",
    "send_reply",  # a template reply to the customer through the ticket's channel
    "notify",  # staff notification feed entries: value names the recipients
    "call_webhook",  # a signed POST to a webhook subscription: value is its id
    "require_skills",  # assignment considers only agents with these skills
]
# Placeholders a reply or notification text may use (filled from the ticket when it fires).
PLACEHOLDERS = frozenset({"number", "subject", "name", "status", "priority", "team", "category"})
# Which fact an action changes, so later rules in the same chain see the change.
_ACTION_FACT: dict[str, str] = {
    "set_category": "ticket.category",
    "set_team": "ticket.team",
    "set_priority": "ticket.priority",
    "set_status": "ticket.status",
    "assign": "ticket.assignee",
}


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: Field_
    op: Op = "is"
    value: str | int | bool | list[str] | None = None

    @model_validator(mode="after")
    def _fits(self) -> Condition:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"{self.op!r} needs a list of values")
        if self.op in ("gte", "lte") and (
            not isinstance(self.value, int) or isinstance(self.value, bool)
        ):
            raise ValueError(f"{self.op!r} needs a number")
        if self.op == "matches":
            if not isinstance(self.value, str):
                raise ValueError("'matches' needs a regular expression")
            try:
                re.compile(self.value)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from exc
        return self

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        return _holds(self.op, facts.get(self.field), self.value)


_ONE_VALUE = frozenset(
    {"set_status", "set_priority", "set_category", "set_team", "assign", "add_note"}
)
_ALLOWED: dict[str, frozenset[str]] = {
    "set_status": frozenset(s.value for s in Status),
    "set_priority": frozenset(p.value for p in Priority),
}


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ActionKind
    value: str | list[str] = Field(default="")
    # The message of send_reply and notify, with {number}, {name}... placeholders.
    text: str = Field(default="", max_length=10_000)

    @field_validator("value")
    @classmethod
    def _short(cls, value: str | list[str]) -> str | list[str]:
        items = value if isinstance(value, list) else [value]
        if any(len(v) > 2000 for v in items):
            raise ValueError("an action value is at most 2000 characters")
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        # Checked here, where the rule is saved or dry-run, so a bad action is a 422 naming it
        # instead of an error when the rule later fires on a ticket.
        if self.kind in _ONE_VALUE:
            if not isinstance(self.value, str) or not self.value.strip():
                raise ValueError(f"{self.kind} takes one non-empty value")
            allowed = _ALLOWED.get(self.kind)
            if allowed is not None and self.value not in allowed:
                raise ValueError(f"{self.kind} takes one of {', '.join(sorted(allowed))}")
        check = _CHECKS.get(self.kind)
        if check is not None:
            check(self)
        elif self.text:
            raise ValueError(f"{self.kind} takes no text")
        return self

    def values(self) -> tuple[str, ...]:
        return tuple(self.value) if isinstance(self.value, list) else (self.value,)


def placeholders(text: str) -> set[str]:
    """The {names} a template uses; ValueError when it is not a valid template."""
    return {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}


def _check_text(action: Action) -> None:
    if not action.text.strip():
        raise ValueError(f"{action.kind} needs a text")
    try:
        unknown = placeholders(action.text) - PLACEHOLDERS
    except ValueError as exc:
        raise ValueError(f"not a valid template: {exc}") from exc
    if unknown:
        names = ", ".join("{" + n + "}" for n in sorted(unknown))
        allowed = ", ".join("{" + n + "}" for n in sorted(PLACEHOLDERS))
        raise ValueError(f"unknown placeholders {names}; use {allowed}")


def _check_reply(action: Action) -> None:
    if action.value not in ("", []):
        raise ValueError("send_reply takes its message in text, not value")
    _check_text(action)


def _check_notify(action: Action) -> None:
    targets = action.values()
    if not targets or not all(t.strip() for t in targets):
        raise ValueError(
            "notify takes recipients: 'assignee', 'team' (the ticket's), 'team:<name>' "
            "or an agent's email"
        )
    for target in targets:
        named = target in ("assignee", "team") or target.startswith("team:") or "@" in target
        if not named:
            raise ValueError(f"notify: {target!r} is not a recipient")
    _check_text(action)


def _check_webhook(action: Action) -> None:
    if not isinstance(action.value, str) or not action.value.isdigit() or len(action.value) > 9:
        raise ValueError("call_webhook takes a webhook subscription id")
    if action.text:
        raise ValueError("call_webhook takes no text")


def _check_skills(action: Action) -> None:
    skills = action.values()
    if not skills or not all(SKILL.fullmatch(s) for s in skills):
        raise ValueError("require_skills takes skill names (letters, digits, - _ : .)")


SKILL = re.compile(r"[\w:.-]{1,64}")
_CHECKS: dict[str, Callable[[Action], None]] = {
    "send_reply": _check_reply,
    "notify": _check_notify,
    "call_webhook": _check_webhook,
    "require_skills": _check_skills,
}


def _on_created() -> list[Trigger]:
    return ["created"]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    on: list[Trigger] = Field(default_factory=_on_created, min_length=1)
    all: list[Condition] = Field(default_factory=list, max_length=50)
    any: list[Condition] = Field(default_factory=list, max_length=50)
    actions: list[Action] = Field(min_length=1, max_length=20)

    def matches(self, facts: Mapping[str, FactValue]) -> bool:
        return all(c.holds(facts) for c in self.all) and (
            not self.any or any(c.holds(facts) for c in self.any)
        )


@dataclass(frozen=True, slots=True)
class Firing:
    rule: str
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    firings: tuple[Firing, ...]
    facts: Mapping[str, FactValue] = field(default_factory=dict)


def listens(rules: Sequence[Rule], trigger: Trigger) -> bool:
    """Whether any active rule could fire on `trigger` (else there is nothing to evaluate)."""
    return any(rule.active and trigger in rule.on for rule in rules)


def evaluate(
    rules: Sequence[Rule],
    trigger: Trigger,
    facts: Mapping[str, FactValue],
    *,
    fired_before: Mapping[str, int] | None = None,
    chain: frozenset[str] = frozenset(),
    max_per_ticket: int = 10,
) -> Outcome:
    """The rules that fire, in order, and the facts after their actions.

    `fired_before` counts each rule's firings on this ticket so far; `chain` names the rules
    that already fired in this event chain (a rule's own change re-triggering rules).
    """
    fired_before = fired_before or {}
    current = dict(facts)
    done = set(chain)
    firings: list[Firing] = []
    while True:
        for rule in rules:
            if (
                rule.active
                and trigger in rule.on
                and rule.name not in done
                and fired_before.get(rule.name, 0) < max_per_ticket
                and rule.matches(current)
            ):
                done.add(rule.name)
                firings.append(Firing(rule.name, tuple(rule.actions)))
                current = apply(current, rule.actions)
                break
        else:
            return Outcome(tuple(firings), current)


def apply(facts: Mapping[str, FactValue], actions: Sequence[Action]) -> dict[str, FactValue]:
    """The facts as the actions leave them (pure)."""
    result = dict(facts)
    for action in actions:
        if action.kind in _ACTION_FACT:
            result[_ACTION_FACT[action.kind]] = action.values()[0]
        elif action.kind in ("add_tags", "remove_tags"):
            tags = set(_as_tuple(result.get("ticket.tags")))
            changed = {t.strip().lower() for t in action.values() if t.strip()}
            tags = tags | changed if action.kind == "add_tags" else tags - changed
            result["ticket.tags"] = tuple(sorted(tags))
    return result


def _as_tuple(value: FactValue) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return value
    return (str(value),)


def _text(value: FactValue) -> str:
    if isinstance(value, tuple):
        return " ".join(value)
    return "" if value is None else str(value)


def _holds(op: Op, actual: FactValue, expected: str | int | bool | list[str] | None) -> bool:
    if op in ("is", "is_not"):
        same = (
            actual == expected
            if not isinstance(expected, str) or not isinstance(actual, str)
            else normalise(actual) == normalise(expected)
        )
        return same if op == "is" else not same
    if op in ("in", "not_in"):
        options = {normalise(v) for v in expected} if isinstance(expected, list) else set()
        have = {normalise(v) for v in _as_tuple(actual)} if actual is not None else set()
        inside = bool(have & options)
        return inside if op == "in" else not inside
    if op in ("contains", "not_contains"):
        found = normalise(str(expected or "")) in normalise(_text(actual))
        return found if op == "contains" else not found
    if op == "matches":
        return re.search(str(expected), normalise(_text(actual))) is not None
    if not isinstance(actual, int) or isinstance(actual, bool) or not isinstance(expected, int):
        return False
    return actual >= expected if op == "gte" else actual <= expected

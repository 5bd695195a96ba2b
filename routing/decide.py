"""Category, team and priority decisions, each with the reason written on the timeline.

Pure: the handler loads the ticket, its first message and the directory, and applies what
these functions decide through the core services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from routing.config import KeywordRule
from routing.text import normalise

if TYPE_CHECKING:  # scikit-learn is imported only where a model is used
    from routing.classifier import Prediction


@dataclass(frozen=True, slots=True)
class Decision:
    value: str | None  # a category slug, team name or priority; None: no decision (triage)
    reason: str
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Hints:
    """What the channel suggested on the inbound message."""

    channel: str
    source: str | None = None
    category: str | None = None
    team: str | None = None
    priority: str | None = None


def _via(hints: Hints) -> str:
    where = hints.channel.replace("_", " ")
    return f"{where} '{hints.source}'" if hints.source else where


def categorise(
    text: str,
    hints: Hints,
    *,
    names: Mapping[str, str],
    keyword_rules: Sequence[KeywordRule],
    prediction: Prediction | None,
    threshold: float,
) -> Decision:
    """The channel's category first (a customer's choice on a form, a mailbox's default),
    then keyword rules in order, then the classifier's `prediction` (None: no classifier is
    trained) when it is confident enough; otherwise no category: the ticket waits in triage.
    `names` maps known slugs to display names."""
    if hints.category and hints.category in names:
        return Decision(hints.category, f"category {names[hints.category]} from {_via(hints)}")
    folded = normalise(text)
    for rule in keyword_rules:
        if rule.category in names and rule.matches(folded):
            return Decision(rule.category, f"category {names[rule.category]} by rule '{rule.name}'")
    if prediction is None:
        return Decision(None, "triage: no keyword rule matched and no classifier is trained")
    guess = prediction
    if guess.label not in names:
        return Decision(
            None, f"triage: classifier chose '{guess.label}', which is no longer a category"
        )
    if guess.confidence < threshold:
        return Decision(
            None,
            f"triage: classifier unsure (best guess {names[guess.label]}, confidence "
            f"{guess.confidence:.2f} < {threshold:.2f})",
            guess.confidence,
        )
    return Decision(
        guess.label,
        f"category {names[guess.label]} by classifier, confidence {guess.confidence:.2f}",
        guess.confidence,
    )


def choose_team(
    category_name: str | None, category_team: str | None, hints: Hints, known: set[str]
) -> Decision:
    """The category's team, else the channel's default team, else none (triage)."""
    if category_team and category_name:
        return Decision(category_team, f"team {category_team} by category {category_name}")
    if hints.team and hints.team in known:
        return Decision(hints.team, f"team {hints.team}: default of {_via(hints)}")
    return Decision(None, "triage: no team for this category or channel")


def choose_priority(
    current: str, category_name: str | None, category_priority: str | None, hints: Hints
) -> Decision:
    """A priority the channel set explicitly stands; else the category's default."""
    if hints.priority:
        return Decision(current, f"priority {current} from {_via(hints)}")
    if category_priority and category_name and category_priority != current:
        return Decision(
            category_priority, f"priority {category_priority} by category {category_name}"
        )
    return Decision(current, "")


def in_hours(now: datetime, tz: str, weekly: Mapping[str, Sequence[Sequence[str]]]) -> bool:
    """Whether `now` falls in the desk's opening hours ("0" = Monday: [["09:00", "18:00"]])."""
    local = now.astimezone(ZoneInfo(tz))
    for start, end in weekly.get(str(local.weekday()), []):
        if time.fromisoformat(start) <= local.time() < time.fromisoformat(end):
            return True
    return False

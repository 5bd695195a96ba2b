"""SLA policies as values: which policy a ticket matches and the targets it promises. Pure.

Policies are ordered (position, then id) and the first match wins. An empty condition list
matches anything; a category condition matches the category and all its descendants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from helpdesk.domain import Priority, Status
from sla.targets import Metric, MetricTarget

__all__ = ["PolicyRule", "TicketView", "first_match", "targets_from_json", "targets_to_json"]


@dataclass(frozen=True)
class TicketView:
    """What policies match on. `category_path` is the ticket's category and its ancestors."""

    priority: str
    category_path: tuple[int, ...] = ()
    channel: str = ""
    tier: str | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyRule:
    id: int
    priorities: frozenset[str] = frozenset()
    category_ids: frozenset[int] = frozenset()
    channels: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    # metric -> priority -> seconds
    targets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    business_hours: bool = True
    pause_statuses: Mapping[str, Sequence[str]] = field(default_factory=dict)
    warn_fraction: float | None = 0.75
    bots_fulfil: bool = False
    first_reply_from_handover: bool = False
    calendar_id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> PolicyRule:
        return cls(
            id=int(row["id"]),
            priorities=frozenset(row["priorities"] or ()),
            category_ids=frozenset(int(c) for c in row["category_ids"] or ()),
            channels=frozenset(row["channels"] or ()),
            tiers=frozenset(row["tiers"] or ()),
            tags=frozenset(row["tags"] or ()),
            targets=dict(row["targets"] or {}),
            business_hours=bool(row["business_hours"]),
            pause_statuses=dict(row["pause_statuses"] or {}),
            warn_fraction=row["warn_fraction"],
            bots_fulfil=bool(row["bots_fulfil"]),
            first_reply_from_handover=bool(row["first_reply_from_handover"]),
            calendar_id=row["calendar_id"],
        )

    def matches(self, ticket: TicketView) -> bool:
        """True when every non-empty condition holds for `ticket`."""
        if self.priorities and ticket.priority not in self.priorities:
            return False
        if self.category_ids and not self.category_ids.intersection(ticket.category_path):
            return False
        if self.channels and ticket.channel not in self.channels:
            return False
        if self.tiers and ticket.tier not in self.tiers:
            return False
        return not self.tags or bool(self.tags & ticket.tags)

    def targets_for(self, priority: str) -> tuple[MetricTarget, ...]:
        """The metric targets this policy promises at `priority` (metrics without one: none)."""
        found: list[MetricTarget] = []
        for metric in Metric:
            seconds = (self.targets.get(metric.value) or {}).get(priority)
            if seconds is None:
                continue
            pauses = self.pause_statuses.get(metric.value)
            found.append(
                MetricTarget(
                    metric=metric,
                    target=timedelta(seconds=int(seconds)),
                    business_hours=self.business_hours,
                    pause_statuses=None if pauses is None else frozenset(map(Status, pauses)),
                    warn_fraction=self.warn_fraction,
                    bots_fulfil=self.bots_fulfil,
                    from_handover=metric is Metric.FIRST_REPLY and self.first_reply_from_handover,
                )
            )
        return tuple(found)


def first_match(rules: Iterable[PolicyRule], ticket: TicketView) -> PolicyRule | None:
    """The first rule (in the given order) that matches `ticket`, or None."""
    return next((rule for rule in rules if rule.matches(ticket)), None)


def targets_to_json(targets: Iterable[MetricTarget]) -> list[dict[str, Any]]:
    """Targets as plain JSON, for the per-ticket target log."""
    return [
        {
            "metric": t.metric.value,
            "seconds": int(t.target.total_seconds()),
            "business_hours": t.business_hours,
            "pause_statuses": None
            if t.pause_statuses is None
            else sorted(s.value for s in t.pause_statuses),
            "warn_fraction": t.warn_fraction,
            "bots_fulfil": t.bots_fulfil,
            "from_handover": t.from_handover,
        }
        for t in targets
    ]


def targets_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[MetricTarget, ...]:
    """The inverse of `targets_to_json`."""
    return tuple(
        MetricTarget(
            metric=Metric(item["metric"]),
            target=timedelta(seconds=int(item["seconds"])),
            business_hours=bool(item["business_hours"]),
            pause_statuses=None
            if item.get("pause_statuses") is None
            else frozenset(Status(s) for s in item["pause_statuses"]),
            warn_fraction=item.get("warn_fraction"),
            bots_fulfil=bool(item.get("bots_fulfil", False)),
            from_handover=bool(item.get("from_handover", False)),
        )
        for item in items
    )


def raised(priority: str) -> str:
    """The next priority up (urgent stays urgent)."""
    order = sorted(Priority, key=lambda p: p.rank)
    current = Priority(priority)
    return order[min(current.rank + 1, len(order) - 1)].value

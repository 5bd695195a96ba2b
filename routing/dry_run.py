"""Dry-run: what a rule set would change on the last N tickets, before it is enabled.

It evaluates exactly what a real run evaluates (the same facts from the ticket as recorded,
the same firing history for loop protection, the same pure `rules.evaluate`) and changes
nothing; `run` applies the same rule set for real.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from helpdesk.store import Store
from helpdesk.tables import ticket_t
from routing.engine import Routing
from routing.rules import Action, FactValue, Rule, Trigger

# The facts an action can change, as a person reads them.
WATCHED = (
    "ticket.category",
    "ticket.team",
    "ticket.priority",
    "ticket.status",
    "ticket.assignee",
    "ticket.tags",
)


@dataclass(frozen=True, slots=True)
class TicketPreview:
    ticket_id: int
    number: int
    rules: tuple[str, ...]
    changes: dict[str, tuple[FactValue, FactValue]]
    notes: tuple[str, ...]
    effects: tuple[str, ...] = ()  # replies, notifications, webhook calls, required skills


def effect(action: Action) -> str | None:
    """What an action beyond the ticket's fields would do, as a person reads it."""
    if action.kind == "send_reply":
        return f"reply to the customer: {action.text}"
    if action.kind == "notify":
        return f"notify {', '.join(action.values())}: {action.text}"
    if action.kind == "call_webhook":
        return f"call webhook {action.value}"
    if action.kind == "require_skills":
        return f"require skills {', '.join(action.values())}"
    return None


async def _recent(store: Store, last: int) -> list[tuple[int, int]]:
    rows = await store.execute(
        select(ticket_t.c.id, ticket_t.c.number)
        .where(ticket_t.c.merged_into_id.is_(None))
        .order_by(ticket_t.c.id.desc())
        .limit(max(1, min(last, 10_000)))
    )
    return [(int(r.id), int(r.number)) for r in rows]


async def dry_run(
    store: Store, rules: Sequence[Rule], *, last: int, trigger: Trigger = "created"
) -> list[TicketPreview]:
    """For each of the last `last` tickets that a rule would touch: which rules fire, which
    fields change from what to what, and which notes would be added."""
    routing = await Routing.open(store)
    previews: list[TicketPreview] = []
    for ticket_id, number in await _recent(store, last):
        before = await routing.facts(ticket_id)
        outcome = await routing.outcome(ticket_id, trigger, frozenset(), rules=rules)
        if before is None or outcome is None or not outcome.firings:
            continue
        changes = {
            name: (before.get(name), outcome.facts.get(name))
            for name in WATCHED
            if before.get(name) != outcome.facts.get(name)
        }
        notes = tuple(
            str(action.values()[0])
            for firing in outcome.firings
            for action in firing.actions
            if action.kind == "add_note"
        )
        effects = tuple(
            found
            for firing in outcome.firings
            for action in firing.actions
            if (found := effect(action)) is not None
        )
        previews.append(
            TicketPreview(
                ticket_id, number, tuple(f.rule for f in outcome.firings), changes, notes, effects
            )
        )
    return previews


async def run(
    store: Store, rules: Sequence[Rule], *, last: int, trigger: Trigger = "created"
) -> None:
    """Apply the rule set for real to the same tickets a dry-run looks at."""
    routing = await Routing.open(store)
    for ticket_id, _number in await _recent(store, last):
        await routing.run_rules(ticket_id, trigger, frozenset(), rules=rules)


def describe(previews: Sequence[TicketPreview]) -> list[str]:
    lines = []
    for p in previews:
        what = ", ".join(
            f"{k.split('.')[1]} {old!r} -> {new!r}" for k, (old, new) in p.changes.items()
        )
        notes = f"; notes: {len(p.notes)}" if p.notes else ""
        notes += f"; {'; '.join(p.effects)}" if p.effects else ""
        lines.append(f"#{p.number}: {', '.join(p.rules)}: {what or 'no field changes'}{notes}")
    lines.append(f"{len(previews)} tickets would change")
    return lines

"""Evaluates one ticket's SLA: match the policy, replay its facts, persist the clocks and their
events, record warnings and breaches, fire due escalation levels, and say when to wake up next.

Idempotent: evaluating twice at the same instant changes nothing the second time, and every
one-off effect (a notification, an escalation level) sits behind a unique key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping

from helpdesk.domain import Status
from helpdesk.store import Store
from helpdesk.tables import ticket_t
from sla import _config
from sla._escalate import fire_level, notify_users
from sla._history import ticket_facts
from sla.calendar import BusinessCalendar
from sla.clocks import ClockInstance, evaluate
from sla.ladder import level_fire_at
from sla.policies import first_match, targets_from_json, targets_to_json
from sla.tables import clock_event_t, clock_t, escalation_t, sla_ticket_t, target_log_t

__all__ = ["Outcome", "evaluate_ticket"]


@dataclass
class Outcome:
    """What the caller does after commit: arm `wakeup` under `version`, post `webhooks`."""

    ticket_id: int
    wakeup: datetime | None
    arm: bool
    version: int
    webhooks: list[int] = field(default_factory=list)


async def evaluate_ticket(
    store: Store,
    ticket_id: int,
    calendars: _config.CalendarCache,
    *,
    rearm: bool = False,
    memo: _config.ConfigMemo | None = None,
) -> Outcome | None:
    """Bring `ticket_id`'s clocks up to `store.now()`; None when the ticket does not exist.

    `rearm` forces a fresh wake-up key (the wake-up job and the reconciliation pass use it, as
    the job that would have fired at the armed instant is the one running or was lost).
    `memo` shares policies and ladders between evaluations in the same unit of work.
    """
    memo = memo or _config.ConfigMemo()
    now = store.now()
    state = await _lock(store, ticket_id, now)
    ticket = (
        (await store.execute(select(ticket_t).where(ticket_t.c.id == ticket_id))).mappings().first()
    )
    if ticket is None or state is None:
        return None
    view = await _config.ticket_view(store, ticket)
    rule = first_match(await memo.rules(store), view)
    targets = rule.targets_for(view.priority) if rule is not None else ()
    log = await _target_log(
        store, ticket, rule.id if rule else None, rule.calendar_id if rule else None, targets, now
    )
    calendar = await calendars.get(store, log[-1]["calendar_id"], now)
    facts = await ticket_facts(store, ticket, log)
    clocks = evaluate(targets_from_json(log[0]["targets"]), facts, calendar, now)

    outcome = Outcome(ticket_id, None, False, int(state["version"]))
    ladder = await memo.ladder_for(store, view.category_path)
    previous = await _previous_clocks(store, ticket_id)
    fired, acked = await _escalations(store, ticket_id)
    due_times: list[datetime] = []
    for instances in clocks.values():
        for clock in instances:
            key = (clock.metric.value, clock.cycle)
            row = _clock_values(ticket_id, clock, now)
            await _notify_crossings(store, ticket, clock, previous.get(key))
            next_level = None
            if ladder is not None and _escalates(clock, ladder) and key not in acked:
                next_level = await _climb(
                    store, ticket, row, ladder, fired.get(key, set()), calendar, now, outcome
                )
            row["next_due"] = _next_due(clock, next_level)
            if row["next_due"] is not None:
                due_times.append(row["next_due"])
            await _save_clock(store, row, key in previous)
            await _save_events(store, ticket_id, clock)
    outcome.wakeup = min((t for t in due_times if t > now), default=None)
    if outcome.wakeup != state["armed_at"] or (rearm and outcome.wakeup is not None):
        outcome.arm = outcome.wakeup is not None
        outcome.version += 1
    await store.execute(
        update(sla_ticket_t)
        .where(sla_ticket_t.c.ticket_id == ticket_id)
        .values(
            version=outcome.version,
            armed_at=outcome.wakeup,
            policy_id=log[-1]["policy_id"],
            calendar_id=log[-1]["calendar_id"],
            evaluated_at=now,
        )
    )
    return outcome


async def _lock(store: Store, ticket_id: int, now: datetime) -> RowMapping | None:
    """Serialise evaluations of one ticket: the upsert takes SQLite's write lock at once, and
    PostgreSQL's row lock holds concurrent evaluators until this one commits."""
    exists = (await store.execute(select(ticket_t.c.id).where(ticket_t.c.id == ticket_id))).first()
    if exists is None:
        return None
    await store.execute(
        store.upsert(sla_ticket_t, index_elements=["ticket_id"], update=["evaluated_at"]).values(
            ticket_id=ticket_id, version=0, evaluated_at=now
        )
    )
    stmt = select(sla_ticket_t).where(sla_ticket_t.c.ticket_id == ticket_id)
    if store.dialect == "postgresql":
        stmt = stmt.with_for_update()
    return (await store.execute(stmt)).mappings().first()


async def _target_log(
    store: Store,
    ticket: RowMapping,
    policy_id: int | None,
    calendar_id: int | None,
    targets: tuple[Any, ...],
    now: datetime,
) -> list[RowMapping]:
    """The ticket's target log, with an entry appended when what applies now has changed."""
    stmt = (
        select(target_log_t)
        .where(target_log_t.c.ticket_id == ticket["id"])
        .order_by(target_log_t.c.id)
    )
    log = list((await store.execute(stmt)).mappings())
    wanted = {
        "policy_id": policy_id,
        "calendar_id": calendar_id,
        "targets": targets_to_json(targets),
    }
    last = log[-1] if log else None
    if last is not None and (
        ticket["status"] == Status.CLOSED.value
        or all(last[name] == value for name, value in wanted.items())
    ):
        return log
    at = now if last is not None else ticket["created_at"]
    await store.execute(target_log_t.insert().values(ticket_id=ticket["id"], at=at, **wanted))
    return list((await store.execute(stmt)).mappings())


async def _previous_clocks(store: Store, ticket_id: int) -> dict[tuple[str, int], RowMapping]:
    rows = await store.execute(select(clock_t).where(clock_t.c.ticket_id == ticket_id))
    return {(r["metric"], r["cycle"]): r for r in rows.mappings()}


async def _escalations(
    store: Store, ticket_id: int
) -> tuple[dict[tuple[str, int], set[int]], set[tuple[str, int]]]:
    rows = await store.execute(
        select(
            escalation_t.c.metric,
            escalation_t.c.cycle,
            escalation_t.c.level,
            escalation_t.c.acknowledged_at,
        ).where(escalation_t.c.ticket_id == ticket_id)
    )
    fired: dict[tuple[str, int], set[int]] = {}
    acked: set[tuple[str, int]] = set()
    for row in rows:
        fired.setdefault((row.metric, row.cycle), set()).add(row.level)
        if row.acknowledged_at is not None:
            acked.add((row.metric, row.cycle))
    return fired, acked


def _escalates(clock: ClockInstance, ladder: _config.Ladder) -> bool:
    if clock.stopped or clock.paused or clock.due_at is None:
        return False
    return not ladder.metrics or clock.metric.value in ladder.metrics


async def _climb(
    store: Store,
    ticket: RowMapping,
    clock: dict[str, Any],
    ladder: _config.Ladder,
    fired: set[int],
    calendar: BusinessCalendar,
    now: datetime,
    outcome: Outcome,
) -> datetime | None:
    """Fire every level that is due and not yet fired, in order; the next level's instant."""
    for number, level in enumerate(ladder.levels):
        if number in fired:
            continue
        fire_at = level_fire_at(level, clock["due_at"], calendar)
        if fire_at > now:
            return fire_at
        webhook = await fire_level(
            store, ticket, clock, ladder_id=ladder.id, level_no=number, level=level, fire_at=fire_at
        )
        if webhook is not None:
            outcome.webhooks.append(webhook)
    return None


async def _notify_crossings(
    store: Store, ticket: RowMapping, clock: ClockInstance, before: RowMapping | None
) -> None:
    """Tell the assignee in the inbox feed when a clock newly warns or breaches."""
    if ticket["assignee_id"] is None or clock.stopped:
        return
    metric = clock.metric.value
    crossings = (
        ("warning", clock.warned_at, before["warned_at"] if before else None),
        ("breach", clock.breached_at, before["breached_at"] if before else None),
    )
    for kind, now_at, was_at in crossings:
        if now_at is None or was_at is not None:
            continue
        verb = "is close to its" if kind == "warning" else "breached its"
        await notify_users(
            store,
            ticket,
            [int(ticket["assignee_id"])],
            key=f"{kind}:{ticket['id']}:{metric}:{clock.cycle}",
            kind=kind,
            metric=metric,
            text=f"Ticket #{ticket['number']} {verb} {metric.replace('_', ' ')} target",
            email=False,
        )


def _next_due(clock: ClockInstance, next_level: datetime | None) -> datetime | None:
    if clock.stopped or clock.paused:
        return None
    candidates = [next_level] if next_level is not None else []
    if clock.warned_at is None and clock.warn_at is not None:
        candidates.append(clock.warn_at)
    if clock.breached_at is None and clock.due_at is not None:
        candidates.append(clock.due_at)
    return min(candidates, default=None)


def _clock_values(ticket_id: int, clock: ClockInstance, now: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "metric": clock.metric.value,
        "cycle": clock.cycle,
        "state": clock.state.value,
        "paused": clock.paused,
        "target_s": int(clock.target.total_seconds()),
        "business_hours": clock.business_hours,
        "activated_at": clock.activated_at,
        "due_at": clock.due_at,
        "warn_at": clock.warn_at,
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
        "fulfilled_at": clock.fulfilled_at,
        "elapsed_s": int(clock.elapsed.total_seconds()),
        "left_s": int(clock.left.total_seconds()),
        "next_due": None,
        "updated_at": now,
    }


async def _save_clock(store: Store, row: dict[str, Any], exists: bool) -> None:
    if not exists:
        await store.execute(clock_t.insert().values(**row))
        return
    await store.execute(
        update(clock_t)
        .where(
            clock_t.c.ticket_id == row["ticket_id"],
            clock_t.c.metric == row["metric"],
            clock_t.c.cycle == row["cycle"],
        )
        .values(**row)
    )


async def _save_events(store: Store, ticket_id: int, clock: ClockInstance) -> None:
    if not clock.events:
        return
    rows = [
        {
            "ticket_id": ticket_id,
            "metric": clock.metric.value,
            "cycle": clock.cycle,
            "seq": seq,
            "at": event.at,
            "kind": event.kind.value,
            "business_time_left_s": int(event.business_time_left.total_seconds()),
            "due_at": event.due_at,
        }
        for seq, event in enumerate(clock.events)
    ]
    await store.execute(store.insert_ignoring_duplicates(clock_event_t), rows)

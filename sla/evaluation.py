"""Evaluates one ticket's SLA: match the policy, replay its facts, persist the clocks and their
events, record warnings and breaches, fire due escalation levels, and say when to wake up next.

Idempotent: evaluating twice at the same instant changes nothing the second time, and every
one-off effect (a notification, an escalation level) sits behind a unique key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import RowMapping

from helpdesk.domain import Status
from helpdesk.store import Store
from sla import _config
from sla._escalate import fire_level, notify_users
from sla._history import ticket_facts
from sla._load import Loaded, load
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
    loaded: Loaded | None = None,
) -> Outcome | None:
    """Bring `ticket_id`'s clocks up to `store.now()`; None when the ticket does not exist.

    `rearm` forces a fresh wake-up key (the wake-up job and the reconciliation pass use it, as
    the job that would have fired at the armed instant is the one running or was lost).
    `memo` shares policies and ladders between evaluations in the same unit of work; `loaded`
    is the ticket's rows when a batch pass already locked and read them (`load_batch`).
    """
    memo = memo or _config.ConfigMemo()
    now = store.now()
    if loaded is None:
        found = await load(store, [ticket_id], now, escalations=await memo.has_ladders(store))
        loaded = found.get(ticket_id)
    if loaded is None or loaded.ticket is None:
        return None
    ticket, state = loaded.ticket, loaded.state
    view = _config.ticket_view(ticket, await memo.category_path(store, ticket["category_id"]))
    rule = first_match(await memo.rules(store), view)
    targets = rule.targets_for(view.priority) if rule is not None else ()
    log = await _target_log(
        store,
        ticket,
        loaded.log,
        rule.id if rule else None,
        rule.calendar_id if rule else None,
        targets,
        now,
    )
    calendar = await memo.calendar(store, calendars, log[-1]["calendar_id"], now)
    facts = ticket_facts(ticket, log, loaded.messages, loaded.audits)
    clocks = evaluate(targets_from_json(log[0]["targets"]), facts, calendar, now)

    outcome = Outcome(ticket_id, None, False, int(state["version"]))
    ladder = await memo.ladder_for(store, view.category_path)
    previous = loaded.clocks
    fired, acked = loaded.fired, loaded.acked
    if ladder is not None and fired is None:
        fired, acked = await _escalations(store, ticket_id)
    due_times: list[datetime] = []
    events: list[dict[str, Any]] = []
    for instances in clocks.values():
        for clock in instances:
            key = (clock.metric.value, clock.cycle)
            row = _clock_values(ticket_id, clock, now)
            before = previous.get(key)
            await _notify_crossings(store, ticket, clock, before)
            next_level = None
            if ladder is not None and _escalates(clock, ladder) and key not in acked:
                next_level = await _climb(
                    store, ticket, row, ladder, (fired or {}).get(key, set()), calendar, now,
                    outcome,
                )  # fmt: skip
            row["next_due"] = _next_due(clock, next_level)
            if row["next_due"] is not None:
                due_times.append(row["next_due"])
            await _save_clock(store, row, before)
            stored = int(before["event_count"]) if before is not None else 0
            events.extend(_event_rows(ticket_id, clock, stored))
    if events:
        await store.execute(store.insert_ignoring_duplicates(clock_event_t), events)
    outcome.wakeup = min((t for t in due_times if t > now), default=None)
    if outcome.wakeup != state["armed_at"] or (rearm and outcome.wakeup is not None):
        outcome.arm = outcome.wakeup is not None
        outcome.version += 1
    values = {
        "version": outcome.version,
        "armed_at": outcome.wakeup,
        "policy_id": log[-1]["policy_id"],
        "calendar_id": log[-1]["calendar_id"],
    }
    # The lock already stamped evaluated_at; the rest is written only when it changed.
    if any(not _same(state[name], value) for name, value in values.items()):
        await store.execute(
            _UPDATE_STATE, {"id": ticket_id, **{f"v_{k}": v for k, v in values.items()}}
        )
    return outcome


_UPDATE_STATE = (
    update(sla_ticket_t)
    .where(sla_ticket_t.c.ticket_id == bindparam("id"))
    .values(
        version=bindparam("v_version"),
        armed_at=bindparam("v_armed_at"),
        policy_id=bindparam("v_policy_id"),
        calendar_id=bindparam("v_calendar_id"),
    )
)


async def _target_log(
    store: Store,
    ticket: RowMapping,
    log: list[RowMapping],
    policy_id: int | None,
    calendar_id: int | None,
    targets: tuple[Any, ...],
    now: datetime,
) -> list[RowMapping]:
    """The ticket's target log, with an entry appended when what applies now has changed."""
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
    added = await store.execute(
        target_log_t.insert()
        .values(ticket_id=ticket["id"], at=at, **wanted)
        .returning(*target_log_t.c)
    )
    return [*log, added.mappings().one()]


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


_CLOCK_COLUMNS = (
    "ticket_id",
    "metric",
    "cycle",
    "state",
    "paused",
    "target_s",
    "business_hours",
    "activated_at",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
    "fulfilled_at",
    "elapsed_s",
    "left_s",
    "next_due",
    "updated_at",
)


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


_INSERT_CLOCK = clock_t.insert()
_UPDATE_CLOCK = update(clock_t).where(
    clock_t.c.ticket_id == bindparam("k_ticket_id"),
    clock_t.c.metric == bindparam("k_metric"),
    clock_t.c.cycle == bindparam("k_cycle"),
)
# SET takes every column named in the parameters (the row's), so one statement serves all.


def _same(stored: Any, fresh: Any) -> bool:
    if isinstance(stored, datetime) and isinstance(fresh, datetime):
        # SQLite hands times back naive; they were stored as UTC.
        if stored.tzinfo is None:
            stored = stored.replace(tzinfo=UTC)
        if fresh.tzinfo is None:
            fresh = fresh.replace(tzinfo=UTC)
    return bool(stored == fresh)


async def _save_clock(store: Store, row: dict[str, Any], before: RowMapping | None) -> None:
    """Insert a new instance; update a stored one only when something but the stamp changed."""
    if before is None:
        await store.execute(_INSERT_CLOCK, row)
        return
    if all(_same(before[name], row[name]) for name in _CLOCK_COLUMNS if name != "updated_at"):
        return
    keys = {"k_ticket_id": row["ticket_id"], "k_metric": row["metric"], "k_cycle": row["cycle"]}
    await store.execute(_UPDATE_CLOCK, {**row, **keys})


def _event_rows(ticket_id: int, clock: ClockInstance, stored: int) -> list[dict[str, Any]]:
    """The instance's events not stored yet: the first `stored` are (they never change)."""
    return [
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
        if seq >= stored
    ]

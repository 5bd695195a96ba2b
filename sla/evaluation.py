"""Evaluates one ticket's SLA: match the policy, replay its facts, persist the clocks and their
events, record warnings and breaches, fire due escalation levels, and say when to wake up next.

Idempotent: evaluating twice at the same instant changes nothing the second time, and every
one-off effect (a notification, an escalation level) sits behind a unique key.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from helpdesk.domain import Status
from helpdesk.store import Store
from sla import _config
from sla._escalate import fire_level, notify_users
from sla._history import ticket_facts
from sla._load import Loaded, load
from sla._writes import Writes
from sla.calendar import BusinessCalendar
from sla.clocks import ClockInstance, evaluate
from sla.ladder import level_fire_at
from sla.policies import first_match, targets_from_json, targets_to_json
from sla.tables import escalation_t

__all__ = ["Outcome", "evaluate_ticket"]


@dataclass
class Outcome:
    """What the caller does after commit: arm `wakeup` under `version`, post `webhooks`."""

    ticket_id: int
    wakeup: datetime | None
    arm: bool
    version: int
    webhooks: list[int] = field(default_factory=list)


@dataclass
class _Inputs:
    """Everything one evaluation reads, gathered before anything is decided."""

    ticket: RowMapping
    state: RowMapping
    log: list[Any]
    calendar: BusinessCalendar
    ladder: _config.Ladder | None
    previous: dict[tuple[str, int], RowMapping]
    fired: dict[tuple[str, int], set[int]]
    acked: set[tuple[str, int]]
    clocks: list[ClockInstance]


@dataclass
class _Plan:
    """What the clocks say now: which climb the ladder, and whether anything must be written
    at once (a notification or an escalation level) rather than batched."""

    climbing: set[tuple[str, int]]
    inline: bool


async def evaluate_ticket(
    store: Store,
    ticket_id: int,
    calendars: _config.CalendarCache,
    *,
    rearm: bool = False,
    memo: _config.ConfigMemo | None = None,
    loaded: Loaded | None = None,
    writes: Writes | None = None,
) -> Outcome | None:
    """Bring `ticket_id`'s clocks up to `store.now()`; None when the ticket does not exist.

    `rearm` forces a fresh wake-up key (the wake-up job and the reconciliation pass use it, as
    the job that would have fired at the armed instant is the one running or was lost).
    `memo` shares policies and ladders between evaluations in the same unit of work.

    Batch passes pass `loaded` (the rows `sla._load.load` locked and read for the batch) and
    `writes`, which receives this ticket's rows only when its evaluation succeeded, for the
    pass to write them all at once. The writes that cannot wait (notifications, escalation
    levels) then run in a savepoint, so a failure undoes this ticket's and nothing else.

    Three steps: gather what applies (reads), plan from it (pure), then write.
    """
    now = store.now()
    mine = Writes()
    inputs = await _gather(store, ticket_id, calendars, memo or _config.ConfigMemo(), loaded, mine)
    if inputs is None:
        return None
    plan = _plan(inputs, now)
    # In a batch, only a ticket that writes now needs a savepoint of its own.
    async with store.savepoint() if writes is not None and plan.inline else nullcontext():
        outcome = await _write(store, inputs, plan, now, rearm, mine)
    if writes is None:
        await mine.flush(store)
    else:
        writes.extend(mine)
    return outcome


async def _gather(
    store: Store,
    ticket_id: int,
    calendars: _config.CalendarCache,
    memo: _config.ConfigMemo,
    loaded: Loaded | None,
    mine: Writes,
) -> _Inputs | None:
    now = store.now()
    if loaded is None:
        loaded = (await load(store, [ticket_id], now, escalations=False)).get(ticket_id)
    if loaded is None or loaded.ticket is None:
        return None
    ticket = loaded.ticket
    memo.at_version(ticket["config_version"])
    view = _config.ticket_view(ticket, await memo.category_path(store, ticket["category_id"]))
    rule = first_match(await memo.rules(store), view)
    targets = rule.targets_for(view.priority) if rule is not None else ()
    log = _target_log(
        ticket,
        loaded.log,
        rule.id if rule else None,
        rule.calendar_id if rule else None,
        targets,
        now,
        mine,
    )
    calendar = await memo.calendar(store, calendars, log[-1]["calendar_id"], now)
    facts = ticket_facts(ticket, log, loaded.messages, loaded.audits)
    clocks = [
        clock
        for instances in evaluate(
            targets_from_json(log[0]["targets"]), facts, calendar, now
        ).values()
        for clock in instances
    ]
    ladder = await memo.ladder_for(store, view.category_path)
    fired, acked = loaded.fired, loaded.acked
    if ladder is not None and fired is None:
        fired, acked = await _escalations(store, ticket_id)
    return _Inputs(
        ticket=ticket,
        state=loaded.state,
        log=log,
        calendar=calendar,
        ladder=ladder,
        previous=loaded.clocks,
        fired=fired or {},
        acked=acked,
        clocks=clocks,
    )


def _plan(inputs: _Inputs, now: datetime) -> _Plan:
    ladder, fired = inputs.ladder, inputs.fired
    climbing = {
        (c.metric.value, c.cycle)
        for c in inputs.clocks
        if ladder is not None
        and _escalates(c, ladder)
        and (c.metric.value, c.cycle) not in inputs.acked
    }
    inline = any(
        _crossings(inputs.ticket, c, inputs.previous.get((c.metric.value, c.cycle)))
        for c in inputs.clocks
    ) or any(
        _level_due(ladder, fired.get(key, set()), _due_of(inputs.clocks, key), inputs.calendar, now)
        for key in climbing
        if ladder is not None
    )
    return _Plan(climbing=climbing, inline=inline)


async def _write(
    store: Store, inputs: _Inputs, plan: _Plan, now: datetime, rearm: bool, mine: Writes
) -> Outcome:
    ticket, state, ladder = inputs.ticket, inputs.state, inputs.ladder
    ticket_id = int(ticket["id"])
    outcome = Outcome(ticket_id, None, False, int(state["version"]))
    due_times: list[datetime] = []
    for clock in inputs.clocks:
        key = (clock.metric.value, clock.cycle)
        row = _clock_values(ticket_id, clock, now)
        before = inputs.previous.get(key)
        await _notify_crossings(store, ticket, clock, before)
        next_level = None
        if ladder is not None and key in plan.climbing:
            next_level = await _climb(
                store,
                ticket,
                row,
                ladder,
                inputs.fired.get(key, set()),
                inputs.calendar,
                now,
                outcome,
            )
        row["next_due"] = _next_due(clock, next_level)
        if row["next_due"] is not None:
            due_times.append(row["next_due"])
        mine.clock(row, before)
        mine.clock_events(ticket_id, clock, before)
    mine.ticket_due(ticket_id, ticket["sla_next_due_at"], inputs.clocks)
    outcome.wakeup = min((t for t in due_times if t > now), default=None)
    if outcome.wakeup != state["armed_at"] or (rearm and outcome.wakeup is not None):
        outcome.arm = outcome.wakeup is not None
        outcome.version += 1
    # The lock already stamped evaluated_at; the rest is written only when it changed.
    mine.state(
        ticket_id,
        state,
        {
            "version": outcome.version,
            "armed_at": outcome.wakeup,
            "policy_id": inputs.log[-1]["policy_id"],
            "calendar_id": inputs.log[-1]["calendar_id"],
        },
    )
    return outcome


def _due_of(clocks: list[ClockInstance], key: tuple[str, int]) -> datetime | None:
    return next(c.due_at for c in clocks if (c.metric.value, c.cycle) == key)


def _level_due(
    ladder: _config.Ladder,
    fired: set[int],
    due_at: datetime | None,
    calendar: BusinessCalendar,
    now: datetime,
) -> bool:
    """Whether `_climb` would fire a level now (the first level not fired yet is due)."""
    for number, level in enumerate(ladder.levels):
        if number in fired:
            continue
        return due_at is not None and level_fire_at(level, due_at, calendar) <= now
    return False


def _target_log(
    ticket: RowMapping,
    log: list[RowMapping],
    policy_id: int | None,
    calendar_id: int | None,
    targets: tuple[Any, ...],
    now: datetime,
    writes: Writes,
) -> list[Any]:
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
    entry = {"ticket_id": ticket["id"], "at": at, **wanted}
    writes.logs.append(entry)
    # The entry will get the next id: only its order among the ticket's entries matters here.
    return [*log, {**entry, "id": int(last["id"]) + 1 if last is not None else 0}]


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
    metric = clock.metric.value
    for kind in _crossings(ticket, clock, before):
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


def _crossings(ticket: RowMapping, clock: ClockInstance, before: RowMapping | None) -> list[str]:
    """The warning and breach this evaluation newly records, if the ticket has an assignee."""
    if ticket["assignee_id"] is None or clock.stopped:
        return []
    crossings = (
        ("warning", clock.warned_at, before["warned_at"] if before else None),
        ("breach", clock.breached_at, before["breached_at"] if before else None),
    )
    return [kind for kind, now_at, was_at in crossings if now_at is not None and was_at is None]


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

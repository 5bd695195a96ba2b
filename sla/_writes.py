"""The rows an evaluation writes (target log entries, clock rows, clock events, wake-up state),
collected instead of written one statement each, then written with one executemany per kind.

Only what changed is collected: a clock row whose values are what is stored, events already
stored, and an unchanged wake-up state are left alone. A batch pass merges the rows of every
ticket whose evaluation succeeded and writes them once, before its commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import RowMapping

from helpdesk.services import set_sla_next_due
from helpdesk.store import Store
from helpdesk.tables import ticket_t
from sla.clocks import ClockInstance
from sla.rollup import DECIDED
from sla.tables import clock_event_t, clock_t, sla_ticket_t, target_log_t

CLOCK_COLUMNS = (
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
STATE_COLUMNS = ("version", "armed_at", "policy_id", "calendar_id")

_INSERT_LOG = target_log_t.insert()
_INSERT_CLOCK = clock_t.insert()
# No explicit SET: an UPDATE executed with parameters sets every column they name.
_UPDATE_CLOCK = update(clock_t).where(
    clock_t.c.ticket_id == bindparam("k_ticket_id"),
    clock_t.c.metric == bindparam("k_metric"),
    clock_t.c.cycle == bindparam("k_cycle"),
)
_UPDATE_STATE = update(sla_ticket_t).where(sla_ticket_t.c.ticket_id == bindparam("k_ticket_id"))
# PostgreSQL: the tickets with a decided clock written or a new due time, locked in id order
# before any of it is written. The roll-up's triggers count a decided clock under its ticket's
# team, category, assignee and channel, and move a ticket's decided clocks when those change;
# at READ COMMITTED, an evaluation deciding a clock and a request moving its ticket would each
# miss the other's uncommitted change, and the clock stay counted under the old assignee for
# good. With the lock, the clock writes wait for a move in flight and then see it (each
# statement reads what was committed before it began), or the move waits for them and its
# trigger sees the clocks. The due-time update locked the same rows in the same order before;
# a merge locks its two tickets in id order too.
_LOCK_TICKETS = (
    select(ticket_t.c.id)
    .where(ticket_t.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(ticket_t.c.id)
    .with_for_update(key_share=True)
)


def same(stored: Any, fresh: Any) -> bool:
    """Equal as stored values: SQLite hands times back naive, and they were stored as UTC."""
    if isinstance(stored, datetime) and isinstance(fresh, datetime):
        if stored.tzinfo is None:
            stored = stored.replace(tzinfo=UTC)
        if fresh.tzinfo is None:
            fresh = fresh.replace(tzinfo=UTC)
    return bool(stored == fresh)


@dataclass
class Writes:
    logs: list[dict[str, Any]] = field(default_factory=list)
    clock_inserts: list[dict[str, Any]] = field(default_factory=list)
    clock_updates: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    # ticket id -> its soonest due time, for the core's views (only when it changed)
    ticket_dues: dict[int, datetime | None] = field(default_factory=dict)
    # tickets with a clock written that is or was decided: the roll-up's triggers count those
    decided: set[int] = field(default_factory=set)

    def extend(self, other: Writes) -> None:
        self.logs += other.logs
        self.clock_inserts += other.clock_inserts
        self.clock_updates += other.clock_updates
        self.events += other.events
        self.states += other.states
        self.ticket_dues.update(other.ticket_dues)
        self.decided |= other.decided

    def clock(self, row: dict[str, Any], before: RowMapping | None) -> None:
        """Insert a new instance; update a stored one when more than its stamp changed."""
        if before is None:
            self.clock_inserts.append(row)
            if row["state"] in DECIDED:
                self.decided.add(row["ticket_id"])
            return
        if all(same(before[name], row[name]) for name in CLOCK_COLUMNS if name != "updated_at"):
            return
        if row["state"] in DECIDED or before["state"] in DECIDED:
            self.decided.add(row["ticket_id"])
        keys = {"k_ticket_id": row["ticket_id"], "k_metric": row["metric"], "k_cycle": row["cycle"]}
        self.clock_updates.append({**row, **keys})

    def clock_events(self, ticket_id: int, clock: ClockInstance, before: RowMapping | None) -> None:
        """The instance's events not stored yet: stored ones never change, and are numbered
        from 0, so the first `event_count` are there already."""
        stored = int(before["event_count"]) if before is not None else 0
        self.events.extend(
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
        )

    def state(self, ticket_id: int, stored: RowMapping, values: dict[str, Any]) -> None:
        """The wake-up state, when it differs from what the lock read."""
        if any(not same(stored[name], values[name]) for name in STATE_COLUMNS):
            self.states.append({"k_ticket_id": ticket_id, **values})

    def ticket_due(self, ticket_id: int, stored: Any, clocks: list[ClockInstance]) -> None:
        """The soonest due time of the clocks still running (breached ones included: they are
        the most urgent), when it differs from what the ticket row holds."""
        due = min(
            (c.due_at for c in clocks if c.due_at is not None and not c.stopped and not c.paused),
            default=None,
        )
        if not same(stored, due):
            self.ticket_dues[ticket_id] = due

    async def flush(self, store: Store) -> None:
        if store.dialect == "postgresql":
            ids = self.decided | set(self.ticket_dues)
            if ids:
                await store.execute(_LOCK_TICKETS, {"ids": sorted(ids)})
        for statement, rows in (
            (_INSERT_LOG, self.logs),
            (_INSERT_CLOCK, self.clock_inserts),
            (_UPDATE_CLOCK, self.clock_updates),
            (store.insert_ignoring_duplicates(clock_event_t), self.events),
            (_UPDATE_STATE, self.states),
        ):
            if rows:
                await store.execute(statement, rows)
        await set_sla_next_due(store, self.ticket_dues)
        for rows in (self.logs, self.clock_inserts, self.clock_updates, self.events, self.states):
            rows.clear()
        self.ticket_dues.clear()
        self.decided.clear()

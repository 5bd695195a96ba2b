"""SLA storage: configuration (calendars, policies, ladders) and per-ticket state (clocks, their
event log, escalations, the inbox feed). Hot paths use the `*_t` Core tables at the bottom.

Durations are whole seconds; time columns hold aware UTC datetimes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from helpdesk.tables import table


def _json(default: Any = list) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class SlaCalendar(SQLModel, table=True):
    """Opening hours: `weekly` maps "0".."6" (Monday first) to [["09:00", "18:00"], ...]."""

    __tablename__ = "sla_calendar"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    tz: str = Field(max_length=64)
    weekly: dict[str, Any] = _json(dict)
    holiday_country: str | None = Field(default=None, max_length=8)
    holiday_subdiv: str | None = Field(default=None, max_length=16)
    custom_holidays: list[str] = _json()  # ISO dates
    created_at: datetime
    updated_at: datetime


class SlaPolicy(SQLModel, table=True):
    """Ordered, first match wins. Empty condition lists match anything.

    `targets` maps a metric to {priority: seconds}; `pause_statuses` maps a metric to the
    statuses it pauses in (absent: the metric's default).
    """

    __tablename__ = "sla_policy"
    __table_args__ = (Index("ix_sla_policy_position", "position", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    position: int = 0
    active: bool = True
    priorities: list[str] = _json()
    category_ids: list[int] = _json()  # a category matches its descendants too
    channels: list[str] = _json()
    tiers: list[str] = _json()
    tags: list[str] = _json()  # any of them
    targets: dict[str, Any] = _json(dict)
    business_hours: bool = True
    pause_statuses: dict[str, Any] = _json(dict)
    warn_fraction: float | None = 0.75
    bots_fulfil: bool = False
    # On tickets that start with a bot, first reply is measured from the handover to people.
    first_reply_from_handover: bool = False
    calendar_id: int | None = Field(default=None, foreign_key="sla_calendar.id")
    created_at: datetime
    updated_at: datetime


class SlaLadder(SQLModel, table=True):
    """A category's escalation ladder (category None: the default for uncategorised tickets and
    categories without one up their tree). `levels` is a list of
    {"offset": seconds (negative: before breach), "business_time": bool, "actions": [...]}."""

    __tablename__ = "sla_ladder"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    category_id: int | None = Field(
        default=None, foreign_key="category.id", unique=True, ondelete="CASCADE"
    )
    metrics: list[str] = _json()  # which metrics escalate; empty: all
    levels: list[dict[str, Any]] = _json()
    created_at: datetime
    updated_at: datetime


class SlaTicket(SQLModel, table=True):
    """Per-ticket SLA state: which policy applies, and the armed wake-up (`version` keys it)."""

    __tablename__ = "sla_ticket"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    policy_id: int | None = None
    calendar_id: int | None = None
    version: int = 0
    armed_at: datetime | None = None
    evaluated_at: datetime


class SlaTargetLog(SQLModel, table=True):
    """The targets in force from `at` on: kept so a later policy edit never rewrites history."""

    __tablename__ = "sla_target_log"
    __table_args__ = (Index("ix_sla_target_log_ticket", "ticket_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    at: datetime
    policy_id: int | None = None
    calendar_id: int | None = None
    targets: list[dict[str, Any]] = _json()


class SlaClock(SQLModel, table=True):
    """One clock instance as last evaluated. `next_due` is the next instant something is due
    (warning, breach, escalation level), indexed for the reconciliation pass."""

    __tablename__ = "sla_clock"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", "cycle", name="uq_sla_clock_instance"),
        Index("ix_sla_clock_next_due", "next_due"),
        Index("ix_sla_clock_state_due", "state", "due_at"),
        # The reports' partial quarter hours at a period's edges (sla.rollup), and the board's
        # warned-but-not-yet-due branch: small, as most clocks have neither.
        Index("ix_sla_clock_activated", "activated_at"),
        Index(
            "ix_sla_clock_fulfilled",
            "fulfilled_at",
            sqlite_where=text("fulfilled_at IS NOT NULL"),
            postgresql_where=text("fulfilled_at IS NOT NULL"),
        ),
        Index(
            "ix_sla_clock_breached",
            "breached_at",
            sqlite_where=text("breached_at IS NOT NULL"),
            postgresql_where=text("breached_at IS NOT NULL"),
        ),
        Index(
            "ix_sla_clock_warned_due",
            "due_at",
            sqlite_where=text("warned_at IS NOT NULL"),
            postgresql_where=text("warned_at IS NOT NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    metric: str = Field(max_length=30)
    cycle: int
    state: str = Field(max_length=30)
    paused: bool = False
    target_s: int
    business_hours: bool = True
    activated_at: datetime
    due_at: datetime | None = None
    warn_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    fulfilled_at: datetime | None = None
    elapsed_s: int = 0
    left_s: int = 0
    next_due: datetime | None = None
    updated_at: datetime


class SlaClockEvent(SQLModel, table=True):
    __tablename__ = "sla_clock_event"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", "cycle", "seq", name="uq_sla_clock_event"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    metric: str = Field(max_length=30)
    cycle: int
    seq: int
    at: datetime
    kind: str = Field(max_length=20)
    business_time_left_s: int
    due_at: datetime | None = None


class SlaEscalation(SQLModel, table=True):
    """One ladder level fired for one clock instance; the unique key makes it fire once."""

    __tablename__ = "sla_escalation"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", "cycle", "level", name="uq_sla_escalation_level"),
        Index("ix_sla_escalation_webhook", "webhook_state", "webhook_next_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    metric: str = Field(max_length=30)
    cycle: int
    level: int
    ladder_id: int | None = None
    due_at: datetime | None = None
    fire_at: datetime
    fired_at: datetime
    actions: list[dict[str, Any]] = _json()
    errors: list[str] = _json()
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    webhook_state: str | None = Field(default=None, max_length=20)
    webhook_attempts: int = 0
    webhook_next_at: datetime | None = None
    webhook_error: str | None = Field(default=None, sa_column=Column(Text))


class SlaNotification(SQLModel, table=True):
    """The inbox feed: warnings, breaches and escalations addressed to a user."""

    __tablename__ = "sla_notification"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_sla_notification_key"),
        Index("ix_sla_notification_user", "user_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    key: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # warning, breach, escalation
    metric: str = Field(max_length=30)
    text: str = Field(sa_column=Column(Text, nullable=False))
    escalation_id: int | None = None
    created_at: datetime
    read_at: datetime | None = None


class SlaChange(SQLModel, table=True):
    """Who changed which piece of SLA configuration (or the category tree it reads), when, to
    what, and how many open tickets were re-evaluated for it: the admin pages' audit trail."""

    __tablename__ = "sla_change"
    __table_args__ = (Index("ix_sla_change_kind_row", "kind", "row_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=20)  # calendar, policy, ladder, category
    row_id: int
    action: str = Field(max_length=20)  # created, updated, moved
    data: dict[str, Any] = _json(dict)
    open_tickets: int = 0


class SlaRollup(SQLModel, table=True):
    """Decided clocks (met or breached) counted per UTC quarter hour, metric and the ticket's
    team, category, assignee and channel, twice: by the quarter the clock was activated in
    (`basis` "activated": the achievement report) and by the quarter it was decided in
    ("decided": the trend). A missing team, category or assignee is stored as 0 so the key has
    no NULLs. Only `sla.rollup.fold` writes it; see that module for why it is exact."""

    __tablename__ = "sla_rollup"
    basis: str = Field(max_length=10, primary_key=True)
    bucket: datetime = Field(primary_key=True)
    metric: str = Field(max_length=30, primary_key=True)
    team_id: int = Field(primary_key=True)
    category_id: int = Field(primary_key=True)
    assignee_id: int = Field(primary_key=True)
    channel: str = Field(max_length=32, primary_key=True)
    total: int
    met: int


class SlaRollupDelta(SQLModel, table=True):
    """Changes to the roll-up not folded into it yet: +1 or -1 decided clock (and met), written
    by database triggers in the transaction that changed the clock or its ticket."""

    __tablename__ = "sla_rollup_delta"
    id: int | None = Field(default=None, primary_key=True)
    metric: str = Field(max_length=30)
    team_id: int
    category_id: int
    assignee_id: int
    channel: str = Field(max_length=32)
    activated_bucket: datetime
    decided_bucket: datetime | None = None
    total: int
    met: int


calendar_t = table(SlaCalendar)
policy_t = table(SlaPolicy)
ladder_t = table(SlaLadder)
sla_ticket_t = table(SlaTicket)
target_log_t = table(SlaTargetLog)
clock_t = table(SlaClock)
clock_event_t = table(SlaClockEvent)
escalation_t = table(SlaEscalation)
notification_t = table(SlaNotification)
change_t = table(SlaChange)
rollup_t = table(SlaRollup)
rollup_delta_t = table(SlaRollupDelta)

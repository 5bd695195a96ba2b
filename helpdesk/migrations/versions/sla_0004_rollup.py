"""sla: a roll-up of decided clocks for the reports, kept by triggers

Revision ID: sla_0004
Revises: sla_0003

`sla_rollup` counts decided clocks (fulfilled, breached, breached_fulfilled) per UTC quarter
hour, metric and the ticket's team, category, assignee and channel. Triggers on `sla_clock` and
`ticket` append +1/-1 rows to `sla_rollup_delta` in the transaction of the change, whoever
makes it (the SLA engine, a recomputation after a configuration change, a reopen, a team or
assignee change, a merge, hand-written SQL), and `sla.rollup.fold` moves them into the roll-up.
Only appends on the hot path: no row is updated by two writers, so no lock waits or deadlocks.

A ticket's deletion first deletes its clocks itself, so their trigger still finds the ticket's
team, category and assignee (the cascade would run after the ticket row is gone).

SQLite's batch mode drops a table's triggers when it rebuilds it: a later migration that
rebuilds `ticket` or `sla_clock` must create these triggers again (tests/sla/test_rollup.py
fails otherwise).
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "sla_0004"
down_revision: str | None = "sla_0003"
branch_labels: str | Sequence[str] | None = None
# autoreply_0001 rebuilds `ticket` on SQLite, which would drop the triggers made here.
depends_on: str | Sequence[str] | None = ("autoreply_0001",)

_DECIDED = "('fulfilled', 'breached', 'breached_fulfilled')"
_COLUMNS = (
    "metric, team_id, category_id, assignee_id, channel, activated_bucket, decided_bucket, "
    "total, met"
)


def _decided_at(row: str) -> str:
    return f"CASE WHEN {row}.state = 'fulfilled' THEN {row}.fulfilled_at ELSE {row}.breached_at END"


def _sqlite_quarter(value: str) -> str:
    # SQLAlchemy stores times as 'YYYY-MM-DD HH:MM:SS.ffffff' text on SQLite.
    minute = f"substr({value}, 15, 2)"
    return (
        f"substr({value}, 1, 14) || CASE WHEN {minute} < '15' THEN '00' "
        f"WHEN {minute} < '30' THEN '15' WHEN {minute} < '45' THEN '30' ELSE '45' END "
        "|| '\\:00.000000'"  # escaped: op.execute would take :00 for a bind parameter
    )


def _pg_quarter(value: str) -> str:
    return f"date_bin('15 minutes', {value}, TIMESTAMPTZ '2000-01-01 00:00:00+00')"


Quarter = Callable[[str], str]


def _clock_row(q: Quarter, clock: str, ticket: str, sign: str) -> str:
    """The delta of one clock row `clock` (NEW or OLD or an alias) under `ticket`'s values."""
    return (
        f"{clock}.metric, coalesce({ticket}.team_id, 0), coalesce({ticket}.category_id, 0), "
        f"coalesce({ticket}.assignee_id, 0), {ticket}.channel, "
        f"{q(f'{clock}.activated_at')}, {q(_decided_at(clock))}, "
        f"{sign}1, CASE WHEN {clock}.state = 'fulfilled' THEN {sign}1 ELSE 0 END"
    )


def _clock_delta(quarter: Quarter, clock: str, sign: str) -> str:
    return (
        f"INSERT INTO sla_rollup_delta ({_COLUMNS}) SELECT {_clock_row(quarter, clock, 't', sign)} "
        f"FROM ticket t WHERE t.id = {clock}.ticket_id AND {clock}.state IN {_DECIDED};"
    )


def _ticket_delta(quarter: Quarter, ticket: str, sign: str) -> str:
    return (
        f"INSERT INTO sla_rollup_delta ({_COLUMNS}) "
        f"SELECT {_clock_row(quarter, 'c', ticket, sign)} FROM sla_clock c "
        f"WHERE c.ticket_id = {ticket}.id AND c.state IN {_DECIDED};"
    )


# An update matters when it changes what the clock counts for: decided or not, met or not,
# its metric, ticket, activation or decision instant.
_CLOCK_CHANGED = (
    f"(OLD.state IN {_DECIDED} OR NEW.state IN {_DECIDED}) AND ("
    "OLD.ticket_id IS DISTINCT FROM NEW.ticket_id OR OLD.metric IS DISTINCT FROM NEW.metric "
    "OR OLD.activated_at IS DISTINCT FROM NEW.activated_at "
    f"OR (OLD.state IN {_DECIDED}) IS DISTINCT FROM (NEW.state IN {_DECIDED}) "
    "OR (OLD.state = 'fulfilled') IS DISTINCT FROM (NEW.state = 'fulfilled') "
    f"OR ({_decided_at('OLD')}) IS DISTINCT FROM ({_decided_at('NEW')}))"
)
_TICKET_CHANGED = (
    "OLD.team_id IS DISTINCT FROM NEW.team_id "
    "OR OLD.category_id IS DISTINCT FROM NEW.category_id "
    "OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id "
    "OR OLD.channel IS DISTINCT FROM NEW.channel"
)
_CLOCK_COLUMNS = "ticket_id, metric, state, activated_at, fulfilled_at, breached_at"
_TICKET_COLUMNS = "team_id, category_id, assignee_id, channel"


def _sqlite(condition: str) -> str:
    return condition.replace("IS DISTINCT FROM", "IS NOT")


_SQLITE_TRIGGERS = {
    "sla_rollup_clock_ins": (
        f"AFTER INSERT ON sla_clock WHEN NEW.state IN {_DECIDED}",
        _clock_delta(_sqlite_quarter, "NEW", ""),
    ),
    "sla_rollup_clock_upd": (
        f"AFTER UPDATE OF {_CLOCK_COLUMNS} ON sla_clock WHEN {_sqlite(_CLOCK_CHANGED)}",
        _clock_delta(_sqlite_quarter, "OLD", "-") + _clock_delta(_sqlite_quarter, "NEW", ""),
    ),
    "sla_rollup_clock_del": (
        f"AFTER DELETE ON sla_clock WHEN OLD.state IN {_DECIDED}",
        _clock_delta(_sqlite_quarter, "OLD", "-"),
    ),
    "sla_rollup_ticket_upd": (
        f"AFTER UPDATE OF {_TICKET_COLUMNS} ON ticket WHEN {_sqlite(_TICKET_CHANGED)}",
        _ticket_delta(_sqlite_quarter, "OLD", "-") + _ticket_delta(_sqlite_quarter, "NEW", ""),
    ),
    "sla_rollup_ticket_del": (
        "BEFORE DELETE ON ticket",
        "DELETE FROM sla_clock WHERE ticket_id = OLD.id;",
    ),
}

_PG_FUNCTIONS = {
    "sla_rollup_on_clock": (
        f"IF TG_OP <> 'INSERT' THEN {_clock_delta(_pg_quarter, 'OLD', '-')} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_clock_delta(_pg_quarter, 'NEW', '')} END IF; "
        "RETURN NULL;"
    ),
    "sla_rollup_on_ticket": (
        f"{_ticket_delta(_pg_quarter, 'OLD', '-')} {_ticket_delta(_pg_quarter, 'NEW', '')} "
        "RETURN NULL;"
    ),
    "sla_rollup_on_ticket_delete": "DELETE FROM sla_clock WHERE ticket_id = OLD.id; RETURN OLD;",
}
_PG_TRIGGERS = {
    "sla_rollup_clock_ins": (
        f"AFTER INSERT ON sla_clock FOR EACH ROW WHEN (NEW.state IN {_DECIDED})",
        "sla_rollup_on_clock",
    ),
    "sla_rollup_clock_upd": (
        f"AFTER UPDATE OF {_CLOCK_COLUMNS} ON sla_clock FOR EACH ROW WHEN ({_CLOCK_CHANGED})",
        "sla_rollup_on_clock",
    ),
    "sla_rollup_clock_del": (
        f"AFTER DELETE ON sla_clock FOR EACH ROW WHEN (OLD.state IN {_DECIDED})",
        "sla_rollup_on_clock",
    ),
    "sla_rollup_ticket_upd": (
        f"AFTER UPDATE OF {_TICKET_COLUMNS} ON ticket FOR EACH ROW WHEN ({_TICKET_CHANGED})",
        "sla_rollup_on_ticket",
    ),
    "sla_rollup_ticket_del": (
        "BEFORE DELETE ON ticket FOR EACH ROW",
        "sla_rollup_on_ticket_delete",
    ),
}
_TRIGGER_TABLES = {"sla_rollup_ticket_upd": "ticket", "sla_rollup_ticket_del": "ticket"}

_INDEXES = {
    "ix_sla_clock_activated": ("activated_at", None),
    "ix_sla_clock_fulfilled": ("fulfilled_at", "fulfilled_at IS NOT NULL"),
    "ix_sla_clock_breached": ("breached_at", "breached_at IS NOT NULL"),
    "ix_sla_clock_warned_due": ("due_at", "warned_at IS NOT NULL"),
}


def upgrade() -> None:
    op.create_table(
        "sla_rollup",
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("bucket", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "basis", "bucket", "metric", "team_id", "category_id", "assignee_id", "channel"
        ),
    )
    op.create_table(
        "sla_rollup_delta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("activated_bucket", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_bucket", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, (column, where) in _INDEXES.items():
        partial = None if where is None else sa.text(where)
        op.create_index(name, "sla_clock", [column], sqlite_where=partial, postgresql_where=partial)
    if op.get_bind().dialect.name == "postgresql":
        for function, body in _PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} END $$"
            )
        for name, (when, function) in _PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {function}()")
    else:
        for name, (when, body) in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    # The clocks decided so far, as one delta each: the first fold rolls them up.
    quarter: Quarter = (
        _pg_quarter if op.get_bind().dialect.name == "postgresql" else _sqlite_quarter
    )
    op.execute(
        f"INSERT INTO sla_rollup_delta ({_COLUMNS}) SELECT {_clock_row(quarter, 'c', 't', '')} "
        f"FROM sla_clock c JOIN ticket t ON t.id = c.ticket_id WHERE c.state IN {_DECIDED}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {_TRIGGER_TABLES.get(name, 'sla_clock')}")
        for function in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in _INDEXES:
        op.drop_index(name, "sla_clock")
    op.drop_table("sla_rollup_delta")
    op.drop_table("sla_rollup")

"""csat: survey policies per team and one survey per ticket per resolution cycle

Revision ID: csat_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "csat_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("csat",)
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "survey_policy",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("delay_s", sa.Integer(), nullable=True),
        sa.Column("sample_percent", sa.Integer(), nullable=False),
        sa.Column("cooldown_days", sa.Integer(), nullable=False),
        sa.Column("resurvey_after_reopen", sa.Boolean(), nullable=False),
        sa.Column("bad_threshold", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id"),
    )
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("solved_at", _T(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("status", _S(length=16), nullable=False),
        sa.Column("reason", _S(length=200), nullable=True),
        sa.Column("channel", _S(length=32), nullable=False),
        sa.Column("due_at", _T(), nullable=False),
        sa.Column("sent_at", _T(), nullable=True),
        sa.Column("expires_at", _T(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", _T(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["agent_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "solved_at"),
    )
    op.create_index("ix_survey_ticket_id", "survey", ["ticket_id"])
    op.create_index("ix_survey_status_due", "survey", ["status", "due_at"])
    op.create_index("ix_survey_customer_sent", "survey", ["customer_id", "sent_at"])
    # Tickets solved before surveys existed are not surveyed now: without these rows the first
    # reconciliation pass would send a month of late surveys at once.
    op.execute(
        "INSERT INTO survey (ticket_id, solved_at, customer_id, status, reason, channel, due_at,"
        " created_at) SELECT id, solved_at, requester_id, 'skipped',"
        " 'solved before surveys were introduced', channel, solved_at, solved_at"
        " FROM ticket WHERE solved_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("survey")
    op.drop_table("survey_policy")

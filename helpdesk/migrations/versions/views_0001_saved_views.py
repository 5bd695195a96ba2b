"""views: saved inbox views, indexes for triage, unassigned, all by due

Revision ID: views_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "views_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("views",)
# The index covers ticket.sla_next_due_at, which search_0001 adds.
depends_on: str | Sequence[str] | None = ("search_0001",)


def upgrade() -> None:
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("base_view", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_saved_view_owner_id", "saved_view", ["owner_id"], unique=False)
    # Not in batch mode: SQLite creates an index in place, where a batch would rebuild `ticket`
    # and drop the full-text triggers on it.
    op.create_index(
        "ix_ticket_category_status_due",
        "ticket",
        ["category_id", "status", "sla_next_due_at", "id"],
        unique=False,
    )
    op.create_index("ix_ticket_due", "ticket", ["sla_next_due_at", "id"], unique=False)
    op.create_index(
        "ix_ticket_team_assignee_status_updated",
        "ticket",
        ["team_id", "assignee_id", "status", "updated_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_team_assignee_status_updated", table_name="ticket")
    op.drop_index("ix_ticket_due", table_name="ticket")
    op.drop_index("ix_ticket_category_status_due", table_name="ticket")
    op.drop_index("ix_saved_view_owner_id", table_name="saved_view")
    op.drop_table("saved_view")

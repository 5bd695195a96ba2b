"""sla: an audit trail of configuration changes made in the admin pages

Revision ID: sla_0003
Revises: sla_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "sla_0003"
down_revision: str | None = "sla_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("open_tickets", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sla_change_kind_row", "sla_change", ["kind", "row_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_sla_change_kind_row", table_name="sla_change")
    op.drop_table("sla_change")

"""config_log: the configuration change log

Revision ID: config_log_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "config_log_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("config_log",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "config_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_config_change_area_id", "config_change", ["area", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_config_change_area_id", table_name="config_change")
    op.drop_table("config_change")

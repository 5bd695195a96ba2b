"""routing: agents' skills and idle-away, tickets' required skills, automation runs

Revision ID: routing_0002
Revises: routing_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "routing_0002"
down_revision: str | None = "routing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routing_agent") as batch:
        batch.add_column(sa.Column("skills", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("idle_away", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "routing_ticket_skill",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_table(
        "routing_automation_run",
        sa.Column("automation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("episode", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("automation", "ticket_id", "episode"),
    )


def downgrade() -> None:
    op.drop_table("routing_automation_run")
    op.drop_table("routing_ticket_skill")
    with op.batch_alter_table("routing_agent") as batch:
        batch.drop_column("idle_away")
        batch.drop_column("skills")

"""sla: a policy can start first reply at a bot's handover to people

Revision ID: sla_0002
Revises: sla_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sla_0002"
down_revision: str | None = "sla_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sla_policy") as batch:
        batch.add_column(
            sa.Column(
                "first_reply_from_handover",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_policy") as batch:
        batch.drop_column("first_reply_from_handover")

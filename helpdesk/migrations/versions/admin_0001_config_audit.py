"""admin: configuration changes in the audit trail (no ticket), indexes for the audit log

Revision ID: admin_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "admin_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("admin",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index("ix_audit_actor_user_id", ["actor_user_id", "id"], unique=False)
        batch_op.create_index("ix_audit_kind", ["kind", "id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM audit_event WHERE ticket_id IS NULL")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_kind")
        batch_op.drop_index("ix_audit_actor_user_id")
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)

"""mail: the outbox also carries system mail that belongs to no ticket

Revision ID: mail_0001
Revises: ops_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mail_0001"
# After ops_0001, the other change to the outbox, so SQLite's table copies happen in one order.
down_revision: str | None = "ops_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # System mail has no ticket to point at: it goes before the column can be required again.
    op.execute("DELETE FROM outbox WHERE ticket_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)

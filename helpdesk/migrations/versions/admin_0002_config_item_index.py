"""admin: configuration entries' item in its own column, indexed for the "recent changes" lists

Revision ID: admin_0002
Revises: admin_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "admin_0002"
down_revision: str | None = "admin_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The item of the entries written so far, out of their JSON.
_ITEM = {
    "sqlite": "substr(CAST(json_extract(data, '$.item') AS TEXT), 1, 200)",
    "postgresql": "left(data ->> 'item', 200)",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("audit_event", sa.Column("item", sa.String(length=200), nullable=True))
    op.execute(f"UPDATE audit_event SET item = {_ITEM[dialect]} WHERE ticket_id IS NULL")  # noqa: S608 - constant text
    op.create_index(
        "ix_audit_config_item",
        "audit_event",
        ["item", "id"],
        unique=False,
        sqlite_where=sa.text("ticket_id IS NULL"),
        postgresql_where=sa.text("ticket_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_config_item", table_name="audit_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("item")

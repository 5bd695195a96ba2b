"""views: the tag index (ticket_tag), back-filled from every ticket's tags

Revision ID: views_0002
Revises: views_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "views_0002"
down_revision: str | None = "views_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each ticket's JSON list, one row per distinct tag, with the ticket's sort keys as they are.
# Tags longer than the column (never written by the services since) are left out.
_BACKFILL = {
    "postgresql": """
        INSERT INTO ticket_tag (ticket_id, tag, updated_at, sla_next_due_at)
        SELECT DISTINCT t.id, e.tag, t.updated_at, t.sla_next_due_at
        FROM ticket AS t CROSS JOIN LATERAL json_array_elements_text(t.tags) AS e(tag)
        WHERE json_typeof(t.tags) = 'array' AND length(e.tag) BETWEEN 1 AND 100
    """,
    "sqlite": """
        INSERT INTO ticket_tag (ticket_id, tag, updated_at, sla_next_due_at)
        SELECT DISTINCT t.id, j.value, t.updated_at, t.sla_next_due_at
        FROM ticket AS t, json_each(t.tags) AS j
        WHERE json_valid(t.tags) AND json_type(t.tags) = 'array' AND j.type = 'text'
          AND length(j.value) BETWEEN 1 AND 100
    """,
}


def upgrade() -> None:
    op.create_table(
        "ticket_tag",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sla_next_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", "tag"),
    )
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    # After the back-fill: building an index once is cheaper than growing it row by row.
    op.create_index(
        "ix_ticket_tag_updated", "ticket_tag", ["tag", "updated_at", "ticket_id"], unique=False
    )
    op.create_index(
        "ix_ticket_tag_due", "ticket_tag", ["tag", "sla_next_due_at", "ticket_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_tag_due", table_name="ticket_tag")
    op.drop_index("ix_ticket_tag_updated", table_name="ticket_tag")
    op.drop_table("ticket_tag")

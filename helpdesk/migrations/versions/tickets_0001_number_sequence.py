"""tickets: numbers from a sequence on PostgreSQL

Revision ID: tickets_0001
Revises: 0001

The `counter` row handed out ticket numbers under its row lock, held until the creating
transaction committed: concurrent creates queued on it one after another (at 16 clients, ten
of them waited there at any moment). A sequence hands out numbers without a lock; a number
taken by a transaction that rolls back is skipped. SQLite serialises writers anyway and keeps
the counter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tickets_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("tickets",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    last = op.get_bind().execute(sa.text("SELECT value FROM counter WHERE name = 'ticket'"))
    following = int(last.scalar_one()) + 1
    # Owned by the column: TRUNCATE ... RESTART IDENTITY starts it again from here.
    op.execute(f"CREATE SEQUENCE ticket_number START WITH {following} OWNED BY ticket.number")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "UPDATE counter SET value = GREATEST(value, "
        "(SELECT COALESCE(max(number), 0) FROM ticket)) WHERE name = 'ticket'"
    )
    op.execute("DROP SEQUENCE ticket_number")

"""autoreply: one automatic reply per ticket and kind, editable reply templates, bot-first
channels and the bot that owns a ticket until it hands it over

Revision ID: autoreply_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "autoreply_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("autoreply",)
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "auto_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", _S(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("channel", _S(length=32), nullable=False),
        sa.Column("status", _S(length=16), nullable=False),
        sa.Column("reason", _S(length=200), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "kind", name="uq_auto_reply_ticket_kind"),
    )
    op.create_index("ix_auto_reply_customer_at", "auto_reply", ["customer_id", "at"])
    op.create_table(
        "auto_reply_template",
        sa.Column("kind", _S(length=30), nullable=False),
        sa.Column("channel", _S(length=32), nullable=False),
        sa.Column("language", _S(length=16), nullable=False),
        sa.Column("subject", _S(length=998), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "channel", "language"),
    )
    op.create_table(
        "bot_first",
        sa.Column("channel", _S(length=32), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("faq", sa.Boolean(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["bot_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel"),
    )
    op.create_table(
        "kb_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", _S(length=16), nullable=False),
        sa.Column("title", _S(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_article_language_active", "kb_article", ["language", "active"])
    op.create_table(
        "faq_attempt",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", _S(length=16), nullable=False),
        sa.Column("reason", _S(length=200), nullable=True),
        sa.Column("asked_at", _T(), nullable=False),
        sa.Column("answered_at", _T(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["kb_article.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_faq_attempt_status_asked", "faq_attempt", ["status", "asked_at"])
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("bot_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("handed_over_at", _T(), nullable=True))
        batch.create_foreign_key("fk_ticket_bot_id_user", "user", ["bot_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_constraint("fk_ticket_bot_id_user", type_="foreignkey")
        batch.drop_column("handed_over_at")
        batch.drop_column("bot_id")
    op.drop_index("ix_faq_attempt_status_asked", table_name="faq_attempt")
    op.drop_table("faq_attempt")
    op.drop_index("ix_kb_article_language_active", table_name="kb_article")
    op.drop_table("kb_article")
    op.drop_table("bot_first")
    op.drop_table("auto_reply_template")
    op.drop_index("ix_auto_reply_customer_at", table_name="auto_reply")
    op.drop_table("auto_reply")

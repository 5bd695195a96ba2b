"""chat: telegram bots, received updates, ticket chats, group migrations

Revision ID: chat_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "chat_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("chat",)
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "telegram_bot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _S(length=64), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("webhook_secret", _S(length=256), nullable=False),
        sa.Column("mode", _S(length=16), nullable=False),
        sa.Column("username", _S(length=64), nullable=True),
        sa.Column("api_url", _S(length=500), nullable=False),
        sa.Column("file_url", _S(length=500), nullable=False),
        sa.Column("default_category", _S(length=100), nullable=True),
        sa.Column("default_team_id", sa.Integer(), nullable=True),
        sa.Column("greetings", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("poll_offset", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["default_team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "telegram_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", _S(length=64), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("status", _S(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("received_at", _T(), nullable=False),
        sa.Column("processed_at", _T(), nullable=True),
        sa.ForeignKeyConstraint(["bot_id"], ["telegram_bot.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bot_id", "update_id", name="uq_telegram_update_bot_update"),
    )
    op.create_index("ix_telegram_update_status", "telegram_update", ["status", "received_at"])
    op.create_table(
        "telegram_ticket_chat",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["bot_id"], ["telegram_bot.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_telegram_ticket_chat_bot_id", "telegram_ticket_chat", ["bot_id"])
    op.create_index("ix_telegram_ticket_chat_chat_id", "telegram_ticket_chat", ["chat_id"])
    op.create_table(
        "telegram_chat_migration",
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("old_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("new_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["bot_id"], ["telegram_bot.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("bot_id", "old_chat_id"),
    )


def downgrade() -> None:
    op.drop_table("telegram_chat_migration")
    op.drop_index("ix_telegram_ticket_chat_chat_id", table_name="telegram_ticket_chat")
    op.drop_index("ix_telegram_ticket_chat_bot_id", table_name="telegram_ticket_chat")
    op.drop_table("telegram_ticket_chat")
    op.drop_index("ix_telegram_update_status", table_name="telegram_update")
    op.drop_table("telegram_update")
    op.drop_table("telegram_bot")

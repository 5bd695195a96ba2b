"""email: mailboxes, IMAP checkpoints, auto-reply throttle

Revision ID: email_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "email_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("email",)
depends_on: str | Sequence[str] | None = None

_S = AutoString
_T = UTCDateTime


def upgrade() -> None:
    op.create_table(
        "email_mailbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _S(length=100), nullable=False),
        sa.Column("address", _S(length=320), nullable=False),
        sa.Column("display_name", _S(length=200), nullable=False),
        sa.Column("imap_host", _S(length=255), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column("imap_tls", _S(length=16), nullable=False),
        sa.Column("imap_user", _S(length=320), nullable=False),
        sa.Column("imap_password", sa.Text(), nullable=False),
        sa.Column("imap_folder", _S(length=255), nullable=False),
        sa.Column("after_import", _S(length=300), nullable=False),
        sa.Column("smtp_host", _S(length=255), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_tls", _S(length=16), nullable=False),
        sa.Column("smtp_user", _S(length=320), nullable=False),
        sa.Column("smtp_password", sa.Text(), nullable=False),
        sa.Column("default_category", _S(length=100), nullable=True),
        sa.Column("default_team", _S(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status", _S(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _T(), nullable=True),
        sa.Column("last_success_at", _T(), nullable=True),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("address"),
    )
    op.create_table(
        "email_checkpoint",
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("folder", _S(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["email_mailbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mailbox_id", "folder"),
    )
    op.create_table(
        "email_autoreply_throttle",
        sa.Column("address", _S(length=320), nullable=False),
        sa.Column("window_start", _T(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )


def downgrade() -> None:
    op.drop_table("email_autoreply_throttle")
    op.drop_table("email_checkpoint")
    op.drop_table("email_mailbox")

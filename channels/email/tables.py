"""The email channel's own state: mailboxes, IMAP checkpoints and the auto-reply throttle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from helpdesk.tables import table


class EmailMailbox(SQLModel, table=True):
    """One support address with its IMAP (in) and SMTP (out) settings and its health."""

    __tablename__ = "email_mailbox"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    address: str = Field(max_length=320, unique=True)
    display_name: str = Field(default="", max_length=200)
    imap_host: str = Field(max_length=255)
    imap_port: int
    imap_tls: str = Field(default="implicit", max_length=16)  # implicit | starttls | none
    imap_user: str = Field(max_length=320)
    imap_password: str = Field(sa_column=Column(Text, nullable=False))  # SecretBox ciphertext
    imap_folder: str = Field(default="INBOX", max_length=255)
    after_import: str = Field(default="seen", max_length=300)  # seen | move:<folder>
    smtp_host: str = Field(max_length=255)
    smtp_port: int
    smtp_tls: str = Field(default="starttls", max_length=16)
    smtp_user: str = Field(default="", max_length=320)
    smtp_password: str = Field(default="", sa_column=Column(Text, nullable=False))
    default_category: str | None = Field(default=None, max_length=100)
    default_team: str | None = Field(default=None, max_length=200)
    active: bool = True
    status: str = Field(default="new", max_length=20)  # new | ok | error
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class EmailCheckpoint(SQLModel, table=True):
    """How far a mailbox folder was imported: UIDs only mean something within one UIDVALIDITY."""

    __tablename__ = "email_checkpoint"
    mailbox_id: int = Field(primary_key=True, foreign_key="email_mailbox.id", ondelete="CASCADE")
    folder: str = Field(primary_key=True, max_length=255)
    uidvalidity: int = Field(sa_type=BigInteger)
    last_uid: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime


class EmailAutoReplyThrottle(SQLModel, table=True):
    """Automatic mail sent to one address in the current window, to break loops with robots."""

    __tablename__ = "email_autoreply_throttle"
    address: str = Field(primary_key=True, max_length=320)
    window_start: datetime
    count: int = 0


mailbox_t = table(EmailMailbox)
checkpoint_t = table(EmailCheckpoint)
throttle_t = table(EmailAutoReplyThrottle)

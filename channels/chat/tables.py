"""The Telegram channel's own state: bots, received updates, chats of tickets, migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk.tables import table

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"


class TelegramBot(SQLModel, table=True):
    """One configured bot. The token is stored encrypted (`helpdesk.crypto.SecretBox`)."""

    __tablename__ = "telegram_bot"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)  # slug used in URLs, conversation keys
    token_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    webhook_secret: str = Field(max_length=256)
    mode: str = Field(default="webhook", max_length=16)  # "webhook" | "polling"
    username: str | None = Field(default=None, max_length=64)
    api_url: str = Field(default=DEFAULT_API_URL, max_length=500)
    file_url: str = Field(default=DEFAULT_FILE_URL, max_length=500)
    default_category: str | None = Field(default=None, max_length=100)
    default_team_id: int | None = Field(default=None, foreign_key="team.id")
    greetings: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = True
    poll_offset: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime


class TelegramUpdate(SQLModel, table=True):
    """Every update received, kept raw: idempotency on (bot, update_id) and a durable inbox."""

    __tablename__ = "telegram_update"
    __table_args__ = (
        UniqueConstraint("bot_id", "update_id", name="uq_telegram_update_bot_update"),
        Index("ix_telegram_update_status", "status", "received_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    bot_id: int = Field(foreign_key="telegram_bot.id", ondelete="CASCADE")
    update_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(default="", max_length=64)
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | done | failed
    outcome: str | None = Field(default=None, sa_column=Column(Text))
    received_at: datetime
    processed_at: datetime | None = None


class TelegramTicketChat(SQLModel, table=True):
    """Where replies to a ticket go: the chat (private or group) it came from, through which bot."""

    __tablename__ = "telegram_ticket_chat"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    bot_id: int = Field(foreign_key="telegram_bot.id", index=True, ondelete="CASCADE")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class TelegramChatMigration(SQLModel, table=True):
    """A group that became a supergroup: its old chat id now lives on under the new one."""

    __tablename__ = "telegram_chat_migration"
    bot_id: int = Field(foreign_key="telegram_bot.id", primary_key=True, ondelete="CASCADE")
    old_chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    new_chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime


bot_t = table(TelegramBot)
update_t = table(TelegramUpdate)
ticket_chat_t = table(TelegramTicketChat)
migration_t = table(TelegramChatMigration)

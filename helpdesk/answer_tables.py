"""Tables of automatic answers: acknowledgements sent per ticket and their edited texts, the
channels whose new tickets a bot answers first, and the FAQ bot's articles and attempts.

Core tables like those in `helpdesk.tables`, in a module of their own so that one stays a
readable size; the trunk's migrations created them, so nothing about the schema changes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk.tables import table


class AutoReply(SQLModel, table=True):
    """One automatic message (an acknowledgement) per ticket and kind, and what became of it:
    `queued` (an outbox entry), `throttled` (the customer got too many lately) or `skipped`."""

    __tablename__ = "auto_reply"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", name="uq_auto_reply_ticket_kind"),
        Index("ix_auto_reply_customer_at", "customer_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    kind: str = Field(max_length=30)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    channel: str = Field(max_length=32)
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=200)
    outbox_id: int | None = None
    at: datetime


class AutoReplyTemplate(SQLModel, table=True):
    """An edited text of an automatic message for one channel (`*`: any) and language; without
    a row the built-in default applies."""

    __tablename__ = "auto_reply_template"
    kind: str = Field(primary_key=True, max_length=30)
    channel: str = Field(primary_key=True, max_length=32)
    language: str = Field(primary_key=True, max_length=16)
    subject: str = Field(default="", max_length=998)
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime


class BotFirst(SQLModel, table=True):
    """New tickets of `channel` start with bot user `bot_id` instead of a human queue."""

    __tablename__ = "bot_first"
    channel: str = Field(primary_key=True, max_length=32)
    bot_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    faq: bool = False  # the built-in FAQ bot answers first, as this bot user
    created_at: datetime


class KbArticle(SQLModel, table=True):
    """A knowledge-base article the FAQ bot answers from, in one language."""

    __tablename__ = "kb_article"
    __table_args__ = (Index("ix_kb_article_language_active", "language", "active"),)
    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=16)
    title: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    created_at: datetime
    updated_at: datetime


class FaqAttempt(SQLModel, table=True):
    """The FAQ bot's one try on a ticket: the article it offered and what came of it
    (`asked` until the customer answers; then `solved` or `handed_over`)."""

    __tablename__ = "faq_attempt"
    __table_args__ = (Index("ix_faq_attempt_status_asked", "status", "asked_at"),)
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    article_id: int | None = Field(default=None, foreign_key="kb_article.id", ondelete="SET NULL")
    score: float = 0.0
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=200)
    asked_at: datetime
    answered_at: datetime | None = None


auto_reply_t = table(AutoReply)
auto_reply_template_t = table(AutoReplyTemplate)
bot_first_t = table(BotFirst)
kb_article_t = table(KbArticle)
faq_attempt_t = table(FaqAttempt)

"""Tables of personal-data handling and integrations: the access log, erasures, retention
rules and redaction markers, webhook subscriptions and their delivery log.

Core tables like those in `helpdesk.tables`, kept in their own module (and their own migration
branch, `privacy`) so the trunk's schema stays what it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from helpdesk.tables import table


class AccessLog(SQLModel, table=True):
    """One view of a customer's data by staff: who, what, when and through which door."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_at", "at", "id"),
        Index("ix_access_log_customer_at", "customer_id", "at"),
        Index("ix_access_log_user_at", "user_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    user_id: int | None = Field(default=None, foreign_key="user.id")
    via: str = Field(max_length=20)  # api | inbox | cli
    action: str = Field(max_length=50)  # ticket.view, attachment.read, customer.export, ...
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    ticket_id: int | None = Field(default=None)  # no FK: the log outlives what it names
    attachment_id: int | None = Field(default=None)


class PrivacyErasure(SQLModel, table=True):
    """An erasure of a customer: who asked for it, when, why, and what was removed."""

    __tablename__ = "privacy_erasure"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    at: datetime
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    via: str = Field(max_length=20)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TicketRedaction(SQLModel, table=True):
    """A ticket whose personal content was removed (by an erasure or by retention)."""

    __tablename__ = "ticket_redaction"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    at: datetime
    reason: str = Field(max_length=20)  # erasure | retention
    action: str = Field(max_length=20)  # anonymise | delete


class RetentionRule(SQLModel, table=True):
    """Closed tickets of `channel` lose their personal content `days` after closing."""

    __tablename__ = "retention_rule"
    channel: str = Field(primary_key=True, max_length=32)
    days: int
    action: str = Field(default="anonymise", max_length=20)  # anonymise | delete
    updated_at: datetime


class WebhookSubscription(SQLModel, table=True):
    """An integrator's endpoint and the event types it wants; the secret is stored encrypted."""

    __tablename__ = "webhook_subscription"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", max_length=200)
    active: bool = True
    created_at: datetime


class WebhookAttempt(SQLModel, table=True):
    """One HTTP attempt of one webhook delivery (an outbox entry): the delivery log."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_outbox", "outbox_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", ondelete="CASCADE")
    subscription_id: int | None = Field(default=None)
    event_id: str = Field(max_length=64)
    at: datetime
    status_code: int | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    duration_ms: int = 0


access_log_t = table(AccessLog)
erasure_t = table(PrivacyErasure)
redaction_t = table(TicketRedaction)
retention_rule_t = table(RetentionRule)
webhook_subscription_t = table(WebhookSubscription)
webhook_attempt_t = table(WebhookAttempt)

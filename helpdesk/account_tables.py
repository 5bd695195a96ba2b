"""Tables of staff accounts beyond sign-in: one-use password links (reset and invitation) and
the throttle log of reset requests. (Who sent or used a link is in the core's audit log.)

Core tables like those in `helpdesk.tables`, kept in their own module and migration
(`accounts_0001`, on the inbox branch) so the trunk's schema stays what it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from helpdesk.tables import table


class PasswordToken(SQLModel, table=True):
    """A link that lets its holder set a user's password once, until `expires_at`.

    Only the SHA-256 of the link's secret is stored: a database leak opens no account."""

    __tablename__ = "password_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)  # reset | invitation
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    # The admin who sent it (an invitation, a reset from the users page); None when self-served.
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class PasswordResetRequest(SQLModel, table=True):
    """One "forgot password" request, counted per address and per email to throttle them."""

    __tablename__ = "password_reset_request"
    __table_args__ = (
        Index("ix_password_reset_request_email_at", "email", "at"),
        Index("ix_password_reset_request_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    address: str = Field(max_length=64)
    at: datetime


password_token_t = table(PasswordToken)
password_reset_request_t = table(PasswordResetRequest)

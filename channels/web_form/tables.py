"""Storage of the web-form channel: form definitions and the log of accepted submissions.

A form is data (fields, languages, origins, limits), so admins change it without a deploy. The
submission log doubles as the rate limiter's memory: limits count accepted submissions per
client address and per email address inside the form's window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Column, Index, Table
from sqlmodel import Field, SQLModel


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class WebForm(SQLModel, table=True):
    __tablename__ = "web_form"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    title: dict[str, str] = _json(dict)  # language -> text
    intro: dict[str, str] = _json(dict)
    fields: list[dict[str, Any]] = _json(list)  # FieldSpec dicts, in display order
    categories: list[str] = _json(list)  # category slugs a customer may choose
    default_category: str | None = Field(default=None, max_length=100)
    default_team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    languages: list[str] = _json(list)
    allowed_origins: list[str] = _json(list)
    max_files: int = 3
    max_file_bytes: int = 10 * 1024 * 1024
    content_types: list[str] = _json(list)
    rate_limit: int = 5
    rate_window_seconds: int = 600
    active: bool = True
    created_at: datetime
    updated_at: datetime


class WebFormSubmission(SQLModel, table=True):
    """One accepted submission: which ticket it opened, from which addresses."""

    __tablename__ = "web_form_submission"
    __table_args__ = (
        Index("ix_web_form_submission_ip_at", "client_ip", "created_at"),
        Index("ix_web_form_submission_email_at", "email", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    form_id: int = Field(foreign_key="web_form.id", index=True, ondelete="CASCADE")
    external_id: str = Field(max_length=200, unique=True)
    client_ip: str = Field(max_length=64)
    email: str = Field(max_length=320)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", ondelete="SET NULL")
    ticket_number: int
    created_at: datetime


web_form_t = cast(Table, WebForm.__table__)  # type: ignore[attr-defined]
web_form_submission_t = cast(Table, WebFormSubmission.__table__)  # type: ignore[attr-defined]

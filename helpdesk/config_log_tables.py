"""The configuration change log: every change an admin makes to how the desk works (routing
rules, web forms, ...) with who made it, when, and what it was.

Ticket changes have their own timeline (`audit_event`); configuration belongs to no ticket, so
it is logged here, in its own migration branch (`config_log`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from helpdesk.tables import table


class ConfigChange(SQLModel, table=True):
    """One configuration change: the area ("routing", "web_form"), what was done to which
    item, and the item's new state (or what was removed)."""

    __tablename__ = "config_change"
    __table_args__ = (Index("ix_config_change_area_id", "area", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    user_id: int | None = Field(default=None, foreign_key="user.id")
    area: str = Field(max_length=40)
    action: str = Field(max_length=40)  # created, updated, enabled, disabled, moved, removed
    subject: str = Field(max_length=200)  # the item's name or slug
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


config_change_t = table(ConfigChange)

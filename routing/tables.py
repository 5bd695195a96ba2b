"""Routing storage: the validated configuration document, agents' capacity and availability,
and the categorised examples the classifier learns from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from helpdesk.tables import table


class RoutingSetting(SQLModel, table=True):
    """One JSON document per key ("config"), validated by `routing.config` before it is stored."""

    __tablename__ = "routing_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class RoutingAgent(SQLModel, table=True):
    """An agent's routing state; an agent without a row is online with the team's capacity."""

    __tablename__ = "routing_agent"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    availability: str = Field(default="online", max_length=10)
    capacity: int | None = None
    last_assigned_at: datetime | None = None


class RoutingExample(SQLModel, table=True):
    """A ticket's text and the category a person gave it: the classifier's training data."""

    __tablename__ = "routing_example"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=100)
    source: str = Field(max_length=20)
    created_at: datetime


routing_setting_t = table(RoutingSetting)
routing_agent_t = table(RoutingAgent)
routing_example_t = table(RoutingExample)

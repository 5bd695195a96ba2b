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
    # What the agent can take: languages ("language:tr"), products, categories.
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Away because idle (not by choice): activity brings them back online by itself.
    idle_away: bool = False


class RoutingExample(SQLModel, table=True):
    """A ticket's text and the category a person gave it: the classifier's training data."""

    __tablename__ = "routing_example"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=100)
    source: str = Field(max_length=20)
    created_at: datetime


class RoutingTicketSkill(SQLModel, table=True):
    """Skills a rule said a ticket needs (on top of its category's and language's)."""

    __tablename__ = "routing_ticket_skill"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class RoutingAutomationRun(SQLModel, table=True):
    """One time-based automation fired on one ticket for one episode of its condition (the
    episode is named by when it began, e.g. when the ticket entered its status). The primary
    key makes the firing once-only across restarts and concurrent workers."""

    __tablename__ = "routing_automation_run"
    automation: str = Field(primary_key=True, max_length=200)
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    episode: str = Field(primary_key=True, max_length=40)
    at: datetime


routing_setting_t = table(RoutingSetting)
routing_agent_t = table(RoutingAgent)
routing_example_t = table(RoutingExample)
routing_ticket_skill_t = table(RoutingTicketSkill)
routing_automation_run_t = table(RoutingAutomationRun)

"""The ticket history the clock engine reads: plain, chronological facts with aware times.

The services translate stored events into these; the engine never sees tables or messages.
A customer message and the status move it causes are two facts, so the engine keeps one source
of truth for status (the status facts) and one for who is waiting (the message facts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helpdesk.domain import AuthorKind, Status
from sla.targets import MetricTarget

__all__ = [
    "AgentReply",
    "Created",
    "CustomerMessage",
    "HandedOver",
    "StatusChanged",
    "TargetChanged",
    "TicketFact",
]


@dataclass(frozen=True)
class Created:
    """The ticket was opened; by a customer's message unless `author_kind` says otherwise.
    `bot_owned`: it starts with a bot, which later hands it over (`HandedOver`)."""

    at: datetime
    status: Status = Status.NEW
    author_kind: AuthorKind = AuthorKind.CUSTOMER
    bot_owned: bool = False


@dataclass(frozen=True)
class StatusChanged:
    """The ticket moved from `old` to `new` (the engine trusts `new`; `old` is for the record)."""

    at: datetime
    old: Status
    new: Status


@dataclass(frozen=True)
class CustomerMessage:
    """A message from the customer after the one that created the ticket."""

    at: datetime


@dataclass(frozen=True)
class AgentReply:
    """A reply from our side; internal notes (`public=False`) fulfil nothing."""

    at: datetime
    public: bool = True
    author_kind: AuthorKind = AuthorKind.AGENT

    def __post_init__(self) -> None:
        if self.author_kind is AuthorKind.CUSTOMER:
            raise ValueError("a customer's message is a CustomerMessage, not an AgentReply")


@dataclass(frozen=True)
class TargetChanged:
    """A different set of targets applies from `at` on (a priority or policy change)."""

    at: datetime
    targets: tuple[MetricTarget, ...]


@dataclass(frozen=True)
class HandedOver:
    """The bot that started the ticket handed it to people."""

    at: datetime


TicketFact = Created | StatusChanged | CustomerMessage | AgentReply | TargetChanged | HandedOver

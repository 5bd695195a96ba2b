"""What happened. Services record these; the bus hands them to subscribers after commit.

Events carry ids and the facts a subscriber needs to decide whether to act, never table rows:
a subscriber that acts reloads what it needs in its own unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Event:
    ticket_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class TicketCreated(Event):
    channel: str
    follow_up_of: int | None = None
    with_bot: bool = False  # a bot answers first (its channel starts with one)


@dataclass(frozen=True, slots=True)
class MessageAdded(Event):
    message_id: int
    direction: str  # domain.Direction value
    author_kind: str  # domain.AuthorKind value
    machine: str | None = None  # set for auto-replies and bounces
    opens_ticket: bool = False  # the customer's message that opened the ticket


@dataclass(frozen=True, slots=True)
class StatusChanged(Event):
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class TicketUpdated(Event):
    """Priority, category, team, assignee or tags changed; `fields` names which."""

    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TicketMerged(Event):
    into_ticket_id: int


@dataclass(frozen=True, slots=True)
class MessageSplit(Event):
    """A message of `ticket_id` moved to the new ticket `new_ticket_id`."""

    message_id: int
    new_ticket_id: int


@dataclass(frozen=True, slots=True)
class OutboxQueued(Event):
    outbox_id: int
    deliver_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryFailed(Event):
    message_id: int
    permanent: bool
    reason: str


@dataclass(frozen=True, slots=True)
class MessageEdited(Event):
    """The customer changed the text of a message they had sent (a Telegram edit)."""

    message_id: int


@dataclass(frozen=True, slots=True)
class ConversationReleased(Event):
    """A channel conversation stopped pointing at this ticket (Telegram `/new`): the chat's
    next message opens a new ticket."""

    key: str


@dataclass(frozen=True, slots=True)
class SurveyRated(Event):
    """A customer rated a resolution (1-5); `bad` when it fell at or below the team's threshold."""

    survey_id: int
    rating: int
    bad: bool


@dataclass(frozen=True, slots=True)
class NotificationAdded(Event):
    """A staff member got a feed entry about this ticket (a mention, an assignment)."""

    notification_id: int
    user_id: int
    kind: str

"""What the core needs from the outside world, as Protocols. Adapters implement them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from helpdesk.inbound import Identity


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests set by hand, so SLA and retry logic is tested without sleeping."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self._at = self._at + timedelta(**delta)
        return self._at


JobFunction = Callable[..., Awaitable[Any]]


class Scheduler(Protocol):
    """Wakes job functions up. Jobs reload state from the database, so running one twice is safe
    and losing one only delays work until the reconciliation pass."""

    async def enqueue(
        self, job: str, *args: Any, at: datetime | None = None, key: str | None = None
    ) -> None:
        """Run `job(*args)` at `at` (now if None). A second enqueue with the same `key` while
        the first is still waiting is dropped."""
        ...


@dataclass(frozen=True, slots=True)
class OutboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """Everything a channel needs to deliver one reply, loaded fresh from the database."""

    outbox_id: int
    message_id: int
    ticket_id: int
    ticket_number: int
    ticket_token: str
    channel: str
    source: str | None  # mailbox / bot / form the ticket came through
    subject: str
    text: str
    html: str | None
    to: tuple[Identity, ...]
    cc: tuple[Identity, ...]
    references: tuple[str, ...]  # thread keys of earlier messages, oldest first
    attachments: tuple[OutboundAttachment, ...] = ()
    kind: str = "reply"  # "reply", "notification", "survey", "auto_reply"
    external_id: str | None = None  # pre-assigned id (email Message-ID) so a resend is one message
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What the channel says it delivered: its own id for the message and new thread keys.

    `not_sent` is the reason when the channel had no way to send the message at all (no
    mailbox, no address): the message then says so instead of claiming it was sent.
    """

    external_id: str | None = None
    thread_keys: tuple[str, ...] = ()
    not_sent: str | None = None


class ReplySender(Protocol):
    """Delivers outbound messages through one channel. Raise `errors.DeliveryError`."""

    channel: str

    async def send(self, message: OutboundMessage) -> DeliveryReceipt: ...


@dataclass(frozen=True, slots=True)
class PersonalDataScope:
    """What an export or erasure covers, for the components that keep data of their own.

    `customer_id` is None for retention, which clears tickets' content but keeps the customer.
    `terms` are the strings to scrub from free text (names, addresses, subjects).
    """

    customer_id: int | None
    ticket_ids: tuple[int, ...] = ()
    identities: tuple[tuple[str, str], ...] = ()  # (kind, address)
    external_ids: tuple[tuple[str, str], ...] = ()  # (channel, external id) of the messages
    terms: tuple[str, ...] = ()


class PersonalData(Protocol):
    """A component's part in exporting and erasing personal data (Telegram updates, form
    submissions, ...). Both run inside the caller's unit of work (`store`), so an erasure is
    one transaction across the core and every component."""

    name: str

    async def export(self, store: Any, scope: PersonalDataScope) -> dict[str, Any]:
        """JSON-ready data this component holds within `scope`."""
        ...

    async def erase(self, store: Any, scope: PersonalDataScope) -> int:
        """Remove or scrub the data within `scope`; the number of rows changed."""
        ...


@runtime_checkable
class ReachCheck(Protocol):
    """A sender that can tell beforehand whether it could send anything at all (a mailbox is
    set up), so a page promises a confirmation only when one will go out."""

    async def can_send(self, source: str | None) -> bool: ...

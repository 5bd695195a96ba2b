"""The core's vocabulary for inbound messages (DESIGN.md section 8).

An `InboundMessage` is what `services.ingest` takes: a channel adapter validates its raw input
at the edge, fills one of these and hands it over; `IngestResult` says where it landed. The
types belong to the core because the core decides what a message is; `channels.base`
re-exports them for adapters. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Machine(StrEnum):
    """Why a message was written by a machine; None on the message means a person wrote it."""

    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True, slots=True)
class Identity:
    """One way to reach a person: an email address, a Telegram user id, ..."""

    kind: str  # "email", "telegram", ...
    address: str  # lower-cased email address, or the channel's stable handle/id
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message; `content` holds the bytes until the core stores them."""

    filename: str
    content_type: str
    size: int
    content: bytes | None = None
    stored_ref: str | None = None  # sha256 of content already in the blob store
    content_id: str | None = None  # inline image id (cid:) for HTML mail
    inline: bool = False


@dataclass(frozen=True, slots=True)
class FailedRecipient:
    address: str
    status: str  # enhanced status code, e.g. "5.1.1", or "" when the MTA gave none
    permanent: bool
    diagnostic: str = ""


@dataclass(frozen=True, slots=True)
class Bounce:
    """What a delivery-status notification says about a message we sent."""

    original_message_id: str | None
    recipients: tuple[FailedRecipient, ...] = ()


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a customer (or a machine) on any channel, normalised."""

    channel: str  # "email", "telegram", "web_form"
    external_id: str  # unique within the channel: Message-ID, "<bot>:<update>", form submission id
    sender: Identity
    subject: str = ""
    # The visible new text: quoted history, signature blocks and device footers removed; the
    # sign-off (closing and name) stays.
    text: str = ""
    full_text: str = ""  # the whole plain-text body
    html: str | None = None  # sanitised HTML, or None
    recipients: tuple[Identity, ...] = ()
    cc: tuple[Identity, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # Thread references, most specific first: Message-IDs for email, chat keys for chat.
    references: tuple[str, ...] = ()
    # When the sender sent it, if the channel knows; None lets the core stamp it with its
    # injected clock at ingest, so no adapter reads the wall clock.
    received_at: datetime | None = None
    language: str | None = None
    machine: Machine | None = None
    bounce: Bounce | None = None
    # A conversation the channel keeps going until its ticket closes (a Telegram chat): the core
    # points it at the ticket this message lands in. Email leaves it None and threads by references.
    conversation_key: str | None = None
    # Channel-specific routing hints: a reply-to token, a mailbox's default category, ...
    ticket_token: str | None = None
    ticket_number: int | None = None  # a "[#1042]" subject tag, honoured only for participants
    category: str | None = None  # category slug the channel asks for (a form's choice)
    team: str | None = None  # name of the team the mailbox / form / bot suggests
    priority: str | None = None
    source: str | None = None  # which mailbox / bot / form it came through
    start_new: bool = False  # the customer asked for a new conversation ("/new")
    follow_up_policy: str = "follow_up"  # on a closed ticket: "follow_up" or "new"
    extra: tuple[tuple[str, str], ...] = ()  # custom form fields and other small metadata

    def __post_init__(self) -> None:
        if self.received_at is not None and self.received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Where a message landed. `ticket_id` is None only for machine mail that belongs to no
    ticket (it is quarantined, with `quarantine_id` set, rather than opening a ticket)."""

    ticket_id: int | None
    ticket_number: int | None
    message_id: int | None
    new: bool  # False when this (channel, external id) was already stored
    opened_ticket: bool = False
    quarantine_id: int | None = None

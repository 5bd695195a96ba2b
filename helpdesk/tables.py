"""SQLModel tables: the storage shape of the core. Alembic migrations are generated from these.

Time columns hold aware UTC datetimes. Hot paths (ingest, ticket lists) use the `*_t` Core
`Table` objects at the bottom with plain statements; the ORM classes serve the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Column, Index, LargeBinary, String, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk.domain import (
    AuthorKind,
    DeliveryState,
    Direction,
    OutboxStatus,
    ParticipantRole,
    Priority,
    Role,
    Status,
)


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Counter(SQLModel, table=True):
    """Named counters, e.g. the next human ticket number."""

    name: str = Field(primary_key=True, max_length=64)
    value: int


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    email: str | None = Field(default=None, max_length=320)
    supervisor_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime


class User(SQLModel, table=True):
    """A person or bot working in the helpdesk (never a customer)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(max_length=200)
    role: Role = Field(default=Role.AGENT, sa_type=String(20))
    password_hash: str | None = Field(default=None, max_length=300)
    language: str = Field(default="en", max_length=16)
    timezone: str = Field(default="UTC", max_length=64)
    active: bool = True
    created_at: datetime


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True, ondelete="CASCADE")


class ApiToken(SQLModel, table=True):
    """A Bearer token; only its SHA-256 is stored, so a database leak leaks no usable token."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None


class Category(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    default_team_id: int | None = Field(default=None, foreign_key="team.id")
    default_priority: Priority | None = Field(default=None, sa_type=String(20))
    created_at: datetime


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="", max_length=300)
    language: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    tier: str | None = Field(default=None, max_length=50)
    created_at: datetime


class CustomerIdentity(SQLModel, table=True):
    """One customer, many identities: email addresses, Telegram ids, ..."""

    __tablename__ = "customer_identity"
    __table_args__ = (UniqueConstraint("kind", "address"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    address: str = Field(max_length=320)
    display_name: str = Field(default="", max_length=300)
    created_at: datetime


class Ticket(SQLModel, table=True):
    __table_args__ = (
        # Inbox views: filter by team/assignee/status, newest activity first, keyset on id.
        Index("ix_ticket_team_status_updated", "team_id", "status", "updated_at", "id"),
        Index("ix_ticket_assignee_status_updated", "assignee_id", "status", "updated_at", "id"),
        Index("ix_ticket_status_updated", "status", "updated_at", "id"),
        Index("ix_ticket_updated", "updated_at", "id"),
        # One index per view shape (search_0001): each filter's equality columns, then the sort
        # key, so a page is an index seek and not a sort (see helpdesk/listing.py).
        Index("ix_ticket_team_updated", "team_id", "updated_at", "id"),
        Index("ix_ticket_assignee_updated", "assignee_id", "updated_at", "id", "team_id"),
        Index("ix_ticket_status_due", "status", "sla_next_due_at", "id"),
        Index("ix_ticket_team_status_due", "team_id", "status", "sla_next_due_at", "id"),
        Index(
            "ix_ticket_assignee_status_due",
            "assignee_id",
            "status",
            "sla_next_due_at",
            "id",
            "team_id",
        ),
        # The inbox's triage view: what still waits for a category, soonest due first.
        Index("ix_ticket_category_status_due", "category_id", "status", "sla_next_due_at", "id"),
        # "Unassigned in my teams": SQLite's statistics take assignee IS NULL for as rare as one
        # assignee's tickets, and would walk the unassigned tickets of every team otherwise.
        Index(
            "ix_ticket_team_assignee_status_updated",
            "team_id",
            "assignee_id",
            "status",
            "updated_at",
            "id",
        ),
        # A supervisor's "All tickets" by SLA due: no equality column to lead with.
        Index("ix_ticket_due", "sla_next_due_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    token: str = Field(max_length=32, unique=True)  # random, for reply-to addresses and links
    subject: str = Field(default="", max_length=998)
    status: Status = Field(default=Status.NEW, sa_type=String(20))
    priority: Priority = Field(default=Priority.NORMAL, sa_type=String(20))
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    requester_id: int = Field(foreign_key="customer.id", index=True)
    channel: str = Field(max_length=32)
    source: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16)
    tags: list[str] = _json_list()
    follow_up_of_id: int | None = Field(default=None, foreign_key="ticket.id")
    merged_into_id: int | None = Field(default=None, foreign_key="ticket.id")
    created_at: datetime
    updated_at: datetime
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    # A ticket that starts with a bot stays out of human queues until the bot hands it over.
    bot_id: int | None = Field(default=None, foreign_key="user.id")
    handed_over_at: datetime | None = None
    # The soonest SLA due time of the ticket's running clocks, written by the SLA engine through
    # services.set_sla_next_due so views can sort by it without the core knowing about SLAs.
    sla_next_due_at: datetime | None = None


class TicketParticipant(SQLModel, table=True):
    __tablename__ = "ticket_participant"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    customer_id: int = Field(foreign_key="customer.id", primary_key=True, index=True)
    role: ParticipantRole = Field(default=ParticipantRole.CC, sa_type=String(20))


class Message(SQLModel, table=True):
    __table_args__ = (
        # Idempotent ingest: one row per (channel, external id), also under concurrent delivery.
        UniqueConstraint("channel", "external_id", name="uq_message_channel_external_id"),
        Index("ix_message_ticket_created", "ticket_id", "created_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    direction: Direction = Field(sa_type=String(20))
    author_kind: AuthorKind = Field(sa_type=String(20))
    author_customer_id: int | None = Field(default=None, foreign_key="customer.id")
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    channel: str = Field(max_length=32)
    external_id: str | None = Field(default=None, max_length=998)
    subject: str = Field(default="", max_length=998)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    full_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    html: str | None = Field(default=None, sa_column=Column(Text))
    references: list[str] = _json_list()
    machine: str | None = Field(default=None, max_length=20)
    delivery_state: DeliveryState | None = Field(default=None, sa_type=String(20))
    delivery_error: str | None = Field(default=None, sa_column=Column(Text))
    raw_ref: str | None = Field(default=None, max_length=64)  # sha256 of the raw input blob
    meta: dict[str, Any] = _json_dict()
    created_at: datetime


class ThreadKey(SQLModel, table=True):
    """A key a later message may refer to (email Message-ID, chat key) -> the ticket it is in."""

    __tablename__ = "thread_key"
    key: str = Field(primary_key=True, max_length=998)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")


class Attachment(SQLModel, table=True):
    """Metadata of a file; the bytes live content-addressed on disk under the data directory."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=500)
    content_type: str = Field(max_length=200)
    size: int
    sha256: str = Field(max_length=64, index=True)
    content_id: str | None = Field(default=None, max_length=500)
    inline: bool = False
    created_at: datetime


class AuditEvent(SQLModel, table=True):
    """Every change to a ticket, in order, for its timeline; and every change of configuration
    made in the admin pages (no ticket), for the audit log."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_ticket_id", "ticket_id", "id"),
        # The audit log's filters, newest first.
        Index("ix_audit_actor_user_id", "actor_user_id", "id"),
        Index("ix_audit_kind", "kind", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    at: datetime
    actor_kind: AuthorKind = Field(sa_type=String(20))
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    actor_customer_id: int | None = Field(default=None, foreign_key="customer.id")
    kind: str = Field(max_length=50)
    data: dict[str, Any] = _json_dict()


class Outbox(SQLModel, table=True):
    """Work to deliver, written in the same transaction as the change that caused it."""

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="reply", max_length=30)
    # None for system mail about no ticket (a password reset link, an invitation).
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    channel: str = Field(max_length=32)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=String(20))
    attempts: int = 0
    next_attempt_at: datetime
    locked_until: datetime | None = None
    # The process (`Process.id`) holding the lease: when it is gone, the lease is void at once.
    locked_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    payload: dict[str, Any] = _json_dict()
    created_at: datetime
    sent_at: datetime | None = None


class Process(SQLModel, table=True):
    """A running process that takes work (outbox leases), with its heartbeat.

    A lease names its process; once the process is known dead (its row is gone, or its
    heartbeat is stale) the lease is void, so a restart resumes deliveries at once.
    """

    id: str = Field(primary_key=True, max_length=64)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime
    heartbeat_at: datetime


class Quarantine(SQLModel, table=True):
    """Input that could not be processed, kept whole so nothing is lost and it can be retried."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    source: str | None = Field(default=None, max_length=200)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    created_at: datetime
    resolved_at: datetime | None = None


class SurveyPolicy(SQLModel, table=True):
    """A team's CSAT rules; teams without a row use the defaults (delay: HELPDESK_CSAT_DELAY)."""

    __tablename__ = "survey_policy"
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    enabled: bool = True
    delay_s: int | None = None
    sample_percent: int = 100
    cooldown_days: int = 0  # no second survey to the same customer within this many days
    resurvey_after_reopen: bool = True
    bad_threshold: int = 2  # ratings at or below it create a follow-up for the team


class Survey(SQLModel, table=True):
    """One CSAT survey per ticket per resolution cycle (a cycle is identified by `solved_at`)."""

    __table_args__ = (
        UniqueConstraint("ticket_id", "solved_at"),
        Index("ix_survey_status_due", "status", "due_at"),
        Index("ix_survey_customer_sent", "customer_id", "sent_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    solved_at: datetime
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    status: str = Field(max_length=16)  # scheduled, sent, rated, expired, skipped
    reason: str | None = Field(default=None, max_length=200)  # why it was skipped
    channel: str = Field(max_length=32)
    due_at: datetime
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    rating: int | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text))
    rated_at: datetime | None = None
    # Snapshotted when the survey is sent, so a later reassignment does not move the rating.
    agent_id: int | None = Field(default=None, foreign_key="user.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    category_id: int | None = Field(default=None, foreign_key="category.id")
    created_at: datetime


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, and
    revoking the row (sign out, sign out everywhere) ends the session at once."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_at", "email", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    address: str = Field(max_length=64)
    at: datetime


class UserTotp(SQLModel, table=True):
    """A staff member's TOTP second factor; the shared secret is encrypted with the
    installation's key. `last_step` refuses a code that was already used once."""

    __tablename__ = "user_totp"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    secret: str = Field(sa_column=Column(Text, nullable=False))
    confirmed_at: datetime | None = None
    last_step: int = 0
    created_at: datetime


class Notification(SQLModel, table=True):
    """A staff member's feed entry: a mention in a note, a ticket assigned to them."""

    __table_args__ = (Index("ix_notification_user_id", "user_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", ondelete="CASCADE")
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=30)  # mention, assignment
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    read_at: datetime | None = None


class Macro(SQLModel, table=True):
    """A canned response: text with {{variables}}, for one team or everyone (team_id None),
    that may also set the ticket's status and priority when it is sent."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    set_status: Status | None = Field(default=None, sa_type=String(20))
    set_priority: Priority | None = Field(default=None, sa_type=String(20))
    created_at: datetime


class SavedView(SQLModel, table=True):
    """An inbox view someone saved: a standard view plus filters, sort and search (as query
    parameters), personal (its owner's), shared with one team, or with everyone."""

    __tablename__ = "saved_view"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    scope: str = Field(max_length=20)  # personal, team, everyone
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    base_view: str = Field(max_length=40)
    params: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    updated_at: datetime


def table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


counter_t = table(Counter)
team_t = table(Team)
user_t = table(User)
team_member_t = table(TeamMember)
api_token_t = table(ApiToken)
category_t = table(Category)
customer_t = table(Customer)
identity_t = table(CustomerIdentity)
ticket_t = table(Ticket)
participant_t = table(TicketParticipant)
message_t = table(Message)
thread_key_t = table(ThreadKey)
attachment_t = table(Attachment)
audit_t = table(AuditEvent)
outbox_t = table(Outbox)
quarantine_t = table(Quarantine)
survey_policy_t = table(SurveyPolicy)
survey_t = table(Survey)
web_session_t = table(WebSession)
login_failure_t = table(LoginFailure)
notification_t = table(Notification)
user_totp_t = table(UserTotp)
macro_t = table(Macro)
saved_view_t = table(SavedView)
process_t = table(Process)

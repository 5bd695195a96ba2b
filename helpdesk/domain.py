"""The ticket domain: enums and pure rules. No I/O, no database, no clock.

Everything here takes values and returns values, so routing, SLA and the services can share one
definition of what a status means and which moves between statuses are allowed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    ON_HOLD = "on_hold"  # waiting on a third party
    SOLVED = "solved"
    CLOSED = "closed"  # final: a reply opens a linked follow-up instead


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"


class AuthorKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    BOT = "bot"


class DeliveryState(StrEnum):
    """Delivery of an outbound message, as shown on the message."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # Nothing was sent and nothing will be: the ticket's channel has no way to reach the
    # customer (a phone ticket without a mailbox). The reason is on the message.
    NOT_SENT = "not_sent"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"  # the channel had no way to send it; final, never retried


class ParticipantRole(StrEnum):
    REQUESTER = "requester"
    CC = "cc"


class AuditKind(StrEnum):
    """What a timeline entry records. One list, so readers (the SLA engine, the inbox) match
    names that exist, and a new kind is added here before anything writes it."""

    TICKET_CREATED = "ticket_created"
    FOLLOW_UP_CREATED = "follow_up_created"
    LOGGED_BY_AGENT = "logged_by_agent"
    PARTICIPANT_ADDED = "participant_added"
    STATUS_CHANGED = "status_changed"
    REOPENED = "reopened"
    REPLY_ADDED = "reply_added"
    NOTE_ADDED = "note_added"
    MESSAGE_EDITED = "message_edited"
    CONVERSATION_RELEASED = "conversation_released"
    PRIORITY_CHANGED = "priority_changed"
    CATEGORY_CHANGED = "category_changed"
    TEAM_CHANGED = "team_changed"
    ASSIGNEE_CHANGED = "assignee_changed"
    TAGS_CHANGED = "tags_changed"
    MERGED_INTO = "merged_into"
    MERGED_FROM = "merged_from"
    SPLIT_INTO = "split_into"  # a message of this ticket moved to a new ticket
    SPLIT_FROM = "split_from"  # this ticket was opened from a message split off another
    DELIVERY_FAILED = "delivery_failed"
    DELIVERY_NOT_SENT = "delivery_not_sent"  # the channel had no way to reach the customer
    DELIVERY_DELAYED = "delivery_delayed"
    SURVEY_SENT = "survey_sent"
    SURVEY_RATED = "survey_rated"
    AUTO_REPLY_SENT = "auto_reply_sent"  # a bot message: its text is in the entry's data
    AUTO_REPLY_WITHHELD = "auto_reply_withheld"  # throttled or not allowed, with the reason
    BOT_STARTED = "bot_started"  # the ticket starts with a bot, out of human queues
    HANDED_OVER = "handed_over"  # the bot handed the ticket to people
    # Routing's decisions: a changed field records its own kind with the reason; these record
    # decisions that changed no field.
    LANGUAGE_CHANGED = "language_changed"
    TRIAGE = "triage"
    ASSIGNMENT_WAITING = "assignment_waiting"
    RULE_FIRED = "rule_fired"
    RULE_FAILED = "rule_failed"
    RULE_ACTION = "rule_action"  # a rule reached outside the ticket: notified, called, required
    # Changes of configuration made by staff in the admin pages: no ticket, the actor a user.
    TEAM_CREATED = "team_created"
    TEAM_CHANGED_SETTINGS = "team_changed_settings"
    TEAM_DELETED = "team_deleted"
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"
    USER_CREATED = "user_created"
    USER_CHANGED = "user_changed"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    TOKEN_CREATED = "token_created"  # noqa: S105 - an audit kind, not a secret
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - an audit kind, not a secret
    MACRO_CREATED = "macro_created"
    MACRO_CHANGED = "macro_changed"
    MACRO_DELETED = "macro_deleted"
    TEMPLATE_CHANGED = "template_changed"
    TEMPLATE_RESET = "template_reset"
    # Configuration of the engines and channels; the changed item's name is in `item` (the
    # pages' "recent changes" lists filter on it) and what was done in `action`.
    ROUTING_RULE_CHANGED = "routing_rule_changed"  # created, updated, enabled, moved, ...
    ROUTING_CONFIG_REPLACED = "routing_config_replaced"  # the whole document, API or CLI
    ROUTING_AGENT_CHANGED = "routing_agent_changed"  # availability, capacity, skills
    WEB_FORM_SAVED = "web_form_saved"  # created or updated
    WEB_FORM_REMOVED = "web_form_removed"
    MAILBOX_CHANGED = "mailbox_changed"  # added or updated
    MAILBOX_REMOVED = "mailbox_removed"  # API or CLI
    MAILBOX_TESTED = "mailbox_tested"
    BOT_ADDED = "bot_added"
    BOT_REMOVED = "bot_removed"  # deleted, or deactivated when it has history (API or CLI)
    BOT_WEBHOOK_SET = "bot_webhook_set"
    BOT_WEBHOOK_FAILED = "bot_webhook_failed"
    SLA_CALENDAR_CHANGED = "sla_calendar_changed"
    SLA_POLICY_CHANGED = "sla_policy_changed"
    SLA_LADDER_CHANGED = "sla_ladder_changed"
    CATEGORY_SAVED = "category_saved"  # the category tree, not a ticket's category
    SAVED_VIEW_CHANGED = "saved_view_changed"  # an inbox view created, renamed, shared, deleted
    # Accounts: invitations and password links (the actor is the system for a self-served
    # reset request, the user themself when they set a password with a link).
    USER_INVITED = "user_invited"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an audit kind
    PASSWORD_RESET_SENT = "password_reset_sent"  # noqa: S105 - an audit kind
    PASSWORD_SET = "password_set"  # noqa: S105 - an audit kind


class SurveyStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for the team's delay after the solve
    SENT = "sent"
    RATED = "rated"
    EXPIRED = "expired"
    SKIPPED = "skipped"  # not sent: sampled out, cool-down, reopened, no way to reach


# The audit kind a change of each editable ticket field records.
FIELD_AUDIT_KINDS: dict[str, AuditKind] = {
    "priority": AuditKind.PRIORITY_CHANGED,
    "category_id": AuditKind.CATEGORY_CHANGED,
    "team_id": AuditKind.TEAM_CHANGED,
    "assignee_id": AuditKind.ASSIGNEE_CHANGED,
    "tags": AuditKind.TAGS_CHANGED,
    "language": AuditKind.LANGUAGE_CHANGED,
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: an agent or bot user, a customer, or the system itself."""

    kind: AuthorKind
    user_id: int | None = None
    customer_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(AuthorKind.SYSTEM)

    @classmethod
    def user(cls, user_id: int, *, bot: bool = False) -> Actor:
        return cls(AuthorKind.BOT if bot else AuthorKind.AGENT, user_id=user_id)

    @classmethod
    def customer(cls, customer_id: int) -> Actor:
        return cls(AuthorKind.CUSTOMER, customer_id=customer_id)


# The system as the actor of the command line's changes (their entries say `via: cli`).
SYSTEM = Actor.system()


# Which statuses an agent may move a ticket to from each status. CLOSED is final: the
# customer's next message opens a linked follow-up ticket instead of reopening it.
_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


def can_transition(current: Status, target: Status) -> bool:
    """True when an agent may move a ticket from `current` to `target` (same status is a no-op)."""
    return current == target or target in _ALLOWED[current]


def status_after_customer_message(current: Status) -> Status | None:
    """The status a customer's new message moves a ticket to, or None for 'open a follow-up'.

    A new ticket stays new until an agent touches it; pending/on-hold/solved tickets come back
    to open because the customer is waiting again; a closed ticket is final.
    """
    if current is Status.CLOSED:
        return None
    if current is Status.NEW:
        return Status.NEW
    return Status.OPEN


def status_after_agent_reply(current: Status, requested: Status | None) -> Status:
    """The status after an agent's public reply: the one asked for, else new tickets become open."""
    if requested is not None:
        return requested
    if current is Status.NEW:
        return Status.OPEN
    return current


def is_open(status: Status) -> bool:
    return status in OPEN_STATUSES


MAX_KEY_LENGTH = 500


def storage_key(value: str) -> str:
    """A thread key or external id short enough for every database's index.

    Over-long ids (a broken mailer's 2,000-character Message-ID) become a digest; the same id
    always gives the same digest, so idempotency and threading still hold.
    """
    if len(value) <= MAX_KEY_LENGTH:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


TAG_MAX = 100  # characters of a normalised tag


def normalise_tag(tag: str) -> str:
    """Tags are lowercase words joined by dashes, so 'VIP Customer' and 'vip-customer' are one."""
    return "-".join(tag.strip().lower().split())


class Principal:
    """A signed-in user as far as access rules care: who, what role, which teams."""

    __slots__ = ("name", "role", "team_ids", "user_id")

    def __init__(self, user_id: int, role: Role, team_ids: frozenset[int], name: str = "") -> None:
        self.user_id = user_id
        self.role = role
        self.team_ids = team_ids
        self.name = name

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


def may_access_ticket(who: Principal, team_id: int | None, assignee_id: int | None) -> bool:
    """Supervisors and admins see every ticket; agents and bots see their teams' tickets,
    tickets assigned to them, and tickets no team owns yet (the triage queue)."""
    if who.sees_everything:
        return True
    return team_id is None or team_id in who.team_ids or assignee_id == who.user_id

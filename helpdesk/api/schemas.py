"""Request bodies of the JSON API, validated at the edge. Table models never cross it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from helpdesk.domain import Priority, Status
from helpdesk.endpoints import BodyId, QueryId, QueryInt, QueryTime
from helpdesk.services.message_texts import VISIBLE

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000, pattern=VISIBLE),
]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=VISIBLE)
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Requester(_Body):
    # One of the two is needed to reach the customer.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["email"], "properties": {"email": {"type": "string"}}},
                {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
            ]
        },
    )

    # One address, stated as a pattern the document can carry (no display name, no list).
    email: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True,
                max_length=320,
                pattern=r'^[^@\s<>",;]+@[^@\s<>",;]+\.[^@\s<>",;.]+$',
            ),
        ]
        | None
    ) = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{5,30}$")] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class TicketCreate(_Body):
    """An agent logs a ticket on a customer's behalf (a phone call, a walk-in)."""

    requester: Requester
    subject: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=998, pattern=VISIBLE)
    ]
    text: Text
    channel: Annotated[str, StringConstraints(pattern=r"^(phone|api|walk_in)$")] = "phone"
    priority: Priority | None = None
    category: Annotated[str, StringConstraints(max_length=100)] | None = None


class TicketPatch(_Body):
    status: Status | None = None
    priority: Priority | None = None
    category_id: BodyId | None = None
    team_id: BodyId | None = None
    assignee_id: BodyId | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)


class ReplyCreate(_Body):
    text: Text
    html: Annotated[str, StringConstraints(max_length=500_000)] | None = None
    status: Status | None = Field(
        default=None, description="Status after the reply, e.g. pending or solved"
    )


class NoteCreate(_Body):
    text: Text


class MergeRequest(_Body):
    into_ticket_id: BodyId


# -- query parameters ------------------------------------------------------------------------

_STATUS_WORD = "(" + "|".join(s.value for s in Status) + ")"


class TicketListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: (
        Annotated[
            str,
            StringConstraints(pattern=rf"^{_STATUS_WORD}(,{_STATUS_WORD})*$"),
            Field(description="Comma-separated statuses", examples=["new,open"]),
        ]
        | None
    ) = None
    team_id: QueryId | None = Field(default=None, description="Owning team")
    assignee_id: QueryId | Literal["me", "none"] | None = Field(
        default=None, description="An agent id, `me` or `none`"
    )
    category_id: QueryId | None = Field(default=None, description="Category")
    priority: Priority | None = Field(default=None, description="Priority")
    q: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None,
        description="Words in the subject, the messages or the customers' names and addresses "
        "(full-text, every word must match), or a ticket number",
    )
    view: (
        Literal["mine", "unassigned", "pending", "triage", "at_risk", "breached", "all"]
        | Annotated[str, StringConstraints(pattern=r"^team:[1-9][0-9]{0,8}$")]
        | None
    ) = Field(
        default=None,
        description="A named view: mine, unassigned, team:<id>, pending, triage, at_risk, "
        "breached, all",
    )
    sort: Literal["updated", "due"] | None = Field(
        default=None, description="`updated` (default) or `due` (soonest SLA due first)"
    )
    channel: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")] | None = Field(
        default=None, description="The channel the ticket came in on"
    )
    updated_since: QueryTime | None = Field(
        default=None, description="ISO 8601 date-time with a zone: tickets changed since then"
    )
    tag: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                   pattern=VISIBLE)
        ]
        | None
    ) = Field(
        default=None,
        description="Tickets carrying this tag (compared as stored: lowercase, words joined by "
        "dashes, so `VIP customer` finds `vip-customer`)",
        examples=["vip-customer"],
    )  # fmt: skip
    limit: Annotated[int, Field(ge=1, le=200), QueryInt] = Field(
        default=50, description="Page size (1-200)"
    )
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="`next_cursor` of the previous page"
    )


# -- responses -------------------------------------------------------------------------------


class TicketOut(BaseModel):
    id: int
    number: int
    subject: str
    status: Status
    priority: Priority
    category_id: int | None
    team_id: int | None
    assignee_id: int | None
    requester_id: int
    channel: str
    language: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    merged_into_id: int | None
    follow_up_of_id: int | None


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None


class IdentityOut(BaseModel):
    kind: str
    address: str


class PersonOut(BaseModel):
    customer_id: int
    name: str
    role: str
    identities: list[IdentityOut]


class AttachmentOut(BaseModel):
    id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    content_id: str | None
    inline: bool


class MessageOut(BaseModel):
    id: int
    ticket_id: int
    direction: str
    author_kind: str
    author_customer_id: int | None
    author_user_id: int | None
    channel: str
    external_id: str | None
    subject: str
    text: str
    full_text: str
    html: str | None
    machine: str | None
    delivery_state: str | None
    delivery_error: str | None
    created_at: datetime
    attachments: list[AttachmentOut]


class AuditOut(BaseModel):
    id: int
    ticket_id: int
    at: datetime
    actor_kind: str
    actor_user_id: int | None
    actor_customer_id: int | None
    kind: str
    data: dict[str, Any]


class SurveyOut(BaseModel):
    id: int
    status: str
    channel: str
    sent_at: datetime | None
    expires_at: datetime | None
    rating: int | None
    comment: str | None
    rated_at: datetime | None
    agent_id: int | None
    team_id: int | None


class TicketDetailOut(TicketOut):
    requester: PersonOut
    participants: list[PersonOut]
    messages: list[MessageOut]
    audit: list[AuditOut]
    merged_from: list[int]
    surveys: list[SurveyOut]


class TicketCreated(BaseModel):
    id: int
    number: int
    created: bool = Field(description="false when the Idempotency-Key was used before")


class ReplyPosted(BaseModel):
    message_id: int
    outbox_id: int | None


class NotePosted(BaseModel):
    message_id: int


class Merged(BaseModel):
    merged: int
    into: int


class TeamOut(BaseModel):
    id: int
    name: str
    email: str | None
    supervisor_id: int | None
    member_ids: list[int]


class CategoryOut(BaseModel):
    id: int
    slug: str
    name: str
    parent_id: int | None
    default_team_id: int | None
    default_priority: Priority | None


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    active: bool
    team_ids: list[int]


class Teams(BaseModel):
    items: list[TeamOut]


class Categories(BaseModel):
    items: list[CategoryOut]


class Users(BaseModel):
    items: list[UserOut]


class HealthReport(BaseModel):
    """`status` plus one section per part (database, jobs, mailboxes, bots)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "degraded"]

"""Request bodies of the JSON API, validated at the edge. Table models never cross it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from helpdesk.domain import Priority, Status

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Requester(_Body):
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{5,30}$")] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class TicketCreate(_Body):
    """An agent logs a ticket on a customer's behalf (a phone call, a walk-in)."""

    requester: Requester
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=998)]
    text: Text
    channel: Annotated[str, StringConstraints(pattern=r"^(phone|api|walk_in)$")] = "phone"
    priority: Priority | None = None
    category: Annotated[str, StringConstraints(max_length=100)] | None = None


class TicketPatch(_Body):
    status: Status | None = None
    priority: Priority | None = None
    category_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
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
    into_ticket_id: int = Field(gt=0)

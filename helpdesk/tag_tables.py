"""The tag index: one row per (ticket, tag), so a tag filter reads an index in the page's order.

`ticket.tags` (a JSON list) stays the ticket's tags as the API shows them; this table is its
index. Each row also carries the two sort keys of the ticket lists (`updated_at`,
`sla_next_due_at`), so a tagged view seeks `(tag, sort key, ticket_id)` and reads a page, where
a join on the tag alone would read and sort every ticket with the tag. `services._tags` is the
one writer; it keeps the rows equal to the ticket's tags and sort keys in the same
transaction as the ticket's change. Core table in its own module and migration (`views_0002`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from helpdesk.domain import TAG_MAX
from helpdesk.tables import table


class TicketTag(SQLModel, table=True):
    __tablename__ = "ticket_tag"
    __table_args__ = (
        Index("ix_ticket_tag_updated", "tag", "updated_at", "ticket_id"),
        Index("ix_ticket_tag_due", "tag", "sla_next_due_at", "ticket_id"),
    )
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, max_length=TAG_MAX)
    updated_at: datetime
    sla_next_due_at: datetime | None = None


ticket_tag_t = table(TicketTag)

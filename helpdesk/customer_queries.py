"""Customer 360, the read model behind the ticket page's customer sidebar: who the requester
is across channels, what else they asked us, and how they rated us before.

Other tickets follow `helpdesk.domain.may_access_ticket`, expressed in SQL: an agent sees the
subjects of the tickets they may open and only a count of the rest, so the sidebar leaks
nothing a ticket page would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true

from helpdesk.domain import Principal, SurveyStatus
from helpdesk.store import Store
from helpdesk.tables import customer_t, identity_t, participant_t, survey_t, ticket_t

OTHER_TICKETS = 20
SURVEYS = 20


def _visible(who: Principal) -> ColumnElement[bool]:
    if who.sees_everything:
        return true()
    return or_(
        ticket_t.c.team_id.is_(None),
        ticket_t.c.team_id.in_(who.team_ids or {-1}),
        ticket_t.c.assignee_id == who.user_id,
    )


@dataclass(frozen=True, slots=True)
class Customer360:
    customer_id: int
    name: str
    language: str | None
    timezone: str | None
    identities: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    hidden_tickets: int
    surveys: list[dict[str, Any]] = field(default_factory=list)

    @property
    def average_rating(self) -> float | None:
        rated = [s["rating"] for s in self.surveys if s["rating"] is not None]
        return sum(rated) / len(rated) if rated else None


async def customer_360(
    store: Store, who: Principal, customer_id: int, ticket_id: int
) -> Customer360 | None:
    """The requester of `ticket_id` seen across channels; None when the customer is gone."""
    customer = (
        (await store.execute(select(customer_t).where(customer_t.c.id == customer_id)))
        .mappings()
        .first()
    )
    if customer is None:
        return None
    identities = [
        dict(r)
        for r in (
            await store.execute(
                select(identity_t.c.kind, identity_t.c.address, identity_t.c.display_name)
                .where(identity_t.c.customer_id == customer_id)
                .order_by(identity_t.c.kind, identity_t.c.id)
            )
        ).mappings()
    ]
    theirs = select(participant_t.c.ticket_id).where(participant_t.c.customer_id == customer_id)
    others = [
        ticket_t.c.id.in_(theirs),
        ticket_t.c.id != ticket_id,
        ticket_t.c.merged_into_id.is_(None),
    ]
    tickets = [
        dict(r)
        for r in (
            await store.execute(
                select(
                    ticket_t.c.id,
                    ticket_t.c.number,
                    ticket_t.c.subject,
                    ticket_t.c.status,
                    ticket_t.c.channel,
                    ticket_t.c.updated_at,
                )
                .where(*others, _visible(who))
                .order_by(ticket_t.c.updated_at.desc(), ticket_t.c.id.desc())
                .limit(OTHER_TICKETS)
            )
        ).mappings()
    ]
    total = (
        await store.execute(select(func.count()).select_from(ticket_t).where(*others))
    ).scalar_one()
    visible_total = (
        await store.execute(
            select(func.count()).select_from(ticket_t).where(*others, _visible(who))
        )
    ).scalar_one()
    surveys = [
        dict(r)
        for r in (
            await store.execute(
                select(
                    survey_t.c.rating,
                    survey_t.c.comment,
                    survey_t.c.rated_at,
                    survey_t.c.ticket_id,
                    ticket_t.c.number,
                    ticket_t.c.subject,
                )
                .join(ticket_t, ticket_t.c.id == survey_t.c.ticket_id)
                .where(
                    survey_t.c.customer_id == customer_id,
                    survey_t.c.status == SurveyStatus.RATED.value,
                    _visible(who),
                )
                .order_by(survey_t.c.rated_at.desc(), survey_t.c.id.desc())
                .limit(SURVEYS)
            )
        ).mappings()
    ]
    return Customer360(
        customer_id=customer_id,
        name=customer["name"],
        language=customer["language"],
        timezone=customer["timezone"],
        identities=identities,
        tickets=tickets,
        hidden_tickets=int(total) - int(visible_total),
        surveys=surveys,
    )

"""CSAT surveys: scheduled when a ticket is solved, sent through the ticket's channel after the
team's delay, rated once per resolution cycle.

A resolution cycle is identified by the ticket's `solved_at`: a reopen clears it and the next
solve sets a new one, so one row per (ticket, solved_at) is exactly one survey per cycle, and
scheduling twice is harmless. Like every service these take a `Store` and never send: sending
is an outbox entry the caller queues in the same unit of work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import RowMapping

from helpdesk import events
from helpdesk.domain import Actor, AuditKind, Status, SurveyStatus
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.inbound import Identity
from helpdesk.security import Signer, ascii_digits, same_secret
from helpdesk.services._common import audit, ticket_row
from helpdesk.services.customers import requester_identity
from helpdesk.services.messages import add_note
from helpdesk.services.tickets import TicketChanges, update_ticket
from helpdesk.store import Store
from helpdesk.tables import (
    customer_t,
    survey_policy_t,
    survey_t,
    ticket_t,
)

_SURVEYED = (Status.SOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True, slots=True)
class Policy:
    enabled: bool
    delay: timedelta
    sample_percent: int
    cooldown: timedelta
    resurvey_after_reopen: bool
    bad_threshold: int


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A survey that is to go out now: what the caller needs to compose and queue it."""

    survey_id: int
    ticket_id: int
    ticket_number: int
    subject: str
    channel: str
    language: str | None
    token: str
    to: tuple[Identity, ...]
    expires_at: datetime


async def policy_for(store: Store, team_id: int | None, default_delay: timedelta) -> Policy:
    """The team's CSAT rules, or the defaults (every solve surveyed after `default_delay`)."""
    row = None
    if team_id is not None:
        found = await store.execute(
            select(survey_policy_t).where(survey_policy_t.c.team_id == team_id)
        )
        row = found.mappings().first()
    if row is None:
        return Policy(True, default_delay, 100, timedelta(0), True, 2)
    delay = default_delay if row["delay_s"] is None else timedelta(seconds=row["delay_s"])
    return Policy(
        enabled=bool(row["enabled"]),
        delay=delay,
        sample_percent=int(row["sample_percent"]),
        cooldown=timedelta(days=int(row["cooldown_days"])),
        resurvey_after_reopen=bool(row["resurvey_after_reopen"]),
        bad_threshold=int(row["bad_threshold"]),
    )


async def set_policy(
    store: Store,
    team_id: int,
    *,
    enabled: bool = True,
    delay: timedelta | None = None,
    sample_percent: int = 100,
    cooldown_days: int = 0,
    resurvey_after_reopen: bool = True,
    bad_threshold: int = 2,
) -> None:
    """Set a team's CSAT rules (delay None: the installation's HELPDESK_CSAT_DELAY)."""
    errors: dict[str, str] = {}
    if not 0 <= sample_percent <= 100:
        errors["sample_percent"] = "must be between 0 and 100"
    if not 0 <= cooldown_days <= 3650:
        errors["cooldown_days"] = "must be between 0 and 3650"
    if not 0 <= bad_threshold <= 5:
        errors["bad_threshold"] = "must be between 0 (never) and 5"
    if delay is not None and not timedelta(0) <= delay <= timedelta(days=60):
        errors["delay"] = "must be between 0s and 60d"
    if errors:
        raise ValidationFailed(errors)
    values = {
        "enabled": enabled,
        "delay_s": None if delay is None else int(delay.total_seconds()),
        "sample_percent": sample_percent,
        "cooldown_days": cooldown_days,
        "resurvey_after_reopen": resurvey_after_reopen,
        "bad_threshold": bad_threshold,
    }
    await store.execute(
        store.upsert(survey_policy_t, index_elements=["team_id"], update=list(values)).values(
            team_id=team_id, **values
        )
    )


async def schedule(
    store: Store, ticket_id: int, default_delay: timedelta
) -> tuple[int, datetime] | None:
    """Plan the survey of the ticket's current resolution: its id and when it is due, or None
    when the ticket is not solved (any more) or its team does not survey. Safe to call twice."""
    ticket = await ticket_row(store, ticket_id)
    if ticket["status"] not in _SURVEYED or ticket["solved_at"] is None:
        return None
    policy = await policy_for(store, ticket["team_id"], default_delay)
    now = store.now()
    # A team that does not survey still gets a (skipped) row: the reconciliation pass looks
    # for solves without one, and would otherwise find these again every time.
    await store.execute(
        store.insert_ignoring_duplicates(survey_t).values(
            ticket_id=ticket_id,
            solved_at=ticket["solved_at"],
            customer_id=ticket["requester_id"],
            status=(SurveyStatus.SCHEDULED if policy.enabled else SurveyStatus.SKIPPED).value,
            reason=None if policy.enabled else "the team does not survey",
            channel=ticket["channel"],
            due_at=ticket["solved_at"] + policy.delay,
            created_at=now,
        )
    )
    if not policy.enabled:
        return None
    found = await store.execute(
        select(survey_t.c.id, survey_t.c.due_at).where(
            survey_t.c.ticket_id == ticket_id, survey_t.c.solved_at == ticket["solved_at"]
        )
    )
    row = found.one()
    return int(row.id), row.due_at


async def channel_of(store: Store, survey_id: int) -> str | None:
    found = await store.execute(select(survey_t.c.channel).where(survey_t.c.id == survey_id))
    channel = found.scalar_one_or_none()
    return None if channel is None else str(channel)


async def language_of(store: Store, ticket_id: int) -> str | None:
    found = await store.execute(select(ticket_t.c.language).where(ticket_t.c.id == ticket_id))
    language = found.scalar_one_or_none()
    return None if language is None else str(language)


async def unscheduled_solves(store: Store, since: datetime, limit: int = 200) -> list[int]:
    """Tickets solved since `since` whose resolution has no survey row (a lost job)."""
    rows = await store.execute(
        select(ticket_t.c.id)
        .outerjoin(
            survey_t,
            and_(
                survey_t.c.ticket_id == ticket_t.c.id, survey_t.c.solved_at == ticket_t.c.solved_at
            ),
        )
        .where(
            ticket_t.c.status.in_(_SURVEYED),
            ticket_t.c.solved_at >= since,
            survey_t.c.id.is_(None),
        )
        .limit(limit)
    )
    return [int(r) for r in rows.scalars()]


async def due(store: Store, now: datetime, limit: int = 200) -> list[tuple[int, datetime]]:
    """Scheduled surveys due by `now`, earliest first, with their due instants."""
    rows = await store.execute(
        select(survey_t.c.id, survey_t.c.due_at)
        .where(survey_t.c.status == SurveyStatus.SCHEDULED.value, survey_t.c.due_at <= now)
        .order_by(survey_t.c.due_at)
        .limit(limit)
    )
    return [(int(r.id), r.due_at) for r in rows]


def token(signer: Signer, survey_id: int, ticket_token: str) -> str:
    """The survey's link token: its id and a MAC over the id and the ticket's secret token."""
    return f"{survey_id}-{signer.mac(f'{survey_id}:{ticket_token}', 'csat', 16)}"


async def survey_for_token(store: Store, signer: Signer, value: str) -> RowMapping:
    """The survey a link token names; NotFound for anything forged, mangled or unknown."""
    head, _, mac = value.strip().lower().partition("-")
    if not ascii_digits(head) or len(head) > 12 or not mac:
        raise NotFound("this survey link is not valid")
    found = await store.execute(
        select(
            survey_t,
            ticket_t.c.token.label("ticket_token"),
            ticket_t.c.number,
            ticket_t.c.subject,
        )
        .join(ticket_t, ticket_t.c.id == survey_t.c.ticket_id)
        .where(survey_t.c.id == int(head))
    )
    row = found.mappings().first()
    genuine = row is not None and same_secret(
        value.strip().lower(), token(signer, int(row["id"]), str(row["ticket_token"]))
    )
    if row is None or not genuine:
        raise NotFound("this survey link is not valid")
    return row


async def prepare_send(
    store: Store,
    signer: Signer,
    survey_id: int,
    *,
    reaches: str | None,
    default_delay: timedelta,
    expiry: timedelta,
) -> Outgoing | None:
    """Decide whether a due survey goes out, and mark it sent or skipped (with the reason).

    Returns what to send, or None (not due yet, already handled, or skipped). The agent, team
    and category are snapshotted now, so the rating stays with who solved it.
    """
    now = store.now()
    survey = await _survey(store, survey_id)
    if survey is None or survey["status"] != SurveyStatus.SCHEDULED.value or survey["due_at"] > now:
        return None
    if store.dialect == "postgresql":
        # The due send and a reconciliation pass may decide the same survey at once, and two
        # surveys to one customer would both pass the cool-down check: the customer's row lock
        # serialises them, and the survey is read again under it.
        if survey["customer_id"] is not None:
            customer = select(customer_t.c.id).where(customer_t.c.id == survey["customer_id"])
            await store.execute(customer.with_for_update())
        survey = await _survey(store, survey_id, lock=True)
        if survey is None or survey["status"] != SurveyStatus.SCHEDULED.value:
            return None
    ticket = await ticket_row(store, survey["ticket_id"])
    policy = await policy_for(store, ticket["team_id"], default_delay)
    recipients = await requester_identity(store, ticket["id"], reaches) if reaches else ()
    reason = await _skip_reason(store, survey, ticket, policy, now, recipients)
    if reason is not None:
        await _mark(store, survey_id, status=SurveyStatus.SKIPPED.value, reason=reason)
        return None
    expires_at = now + expiry
    await _mark(
        store,
        survey_id,
        status=SurveyStatus.SENT.value,
        sent_at=now,
        expires_at=expires_at,
        agent_id=ticket["assignee_id"],
        team_id=ticket["team_id"],
        category_id=ticket["category_id"],
    )
    await audit(store, ticket["id"], Actor.system(), AuditKind.SURVEY_SENT, survey_id=survey_id)
    return Outgoing(
        survey_id=survey_id,
        ticket_id=int(ticket["id"]),
        ticket_number=int(ticket["number"]),
        subject=str(ticket["subject"]),
        channel=str(ticket["channel"]),
        language=ticket["language"],
        token=token(signer, survey_id, str(ticket["token"])),
        to=recipients,
        expires_at=expires_at,
    )


async def _skip_reason(
    store: Store,
    survey: RowMapping,
    ticket: RowMapping,
    policy: Policy,
    now: datetime,
    recipients: tuple[Identity, ...],
) -> str | None:
    if ticket["status"] not in _SURVEYED or ticket["solved_at"] != survey["solved_at"]:
        return "the ticket was reopened before the survey was due"
    if not policy.enabled:
        return "the team does not survey"
    if not recipients:
        return f"no way to reach the customer on {ticket['channel']}"
    if not _sampled(survey["id"], policy.sample_percent):
        return f"not in the {policy.sample_percent}% sample"
    earlier = await store.execute(
        select(func.count()).where(
            survey_t.c.ticket_id == ticket["id"],
            survey_t.c.id != survey["id"],
            survey_t.c.status.in_(
                [SurveyStatus.SENT.value, SurveyStatus.RATED.value, SurveyStatus.EXPIRED.value]
            ),
        )
    )
    if not policy.resurvey_after_reopen and earlier.scalar_one():
        return "the ticket was surveyed before it was reopened"
    if policy.cooldown and survey["customer_id"] is not None:
        recent = await store.execute(
            select(func.count()).where(
                survey_t.c.customer_id == survey["customer_id"],
                survey_t.c.sent_at >= now - policy.cooldown,
            )
        )
        if recent.scalar_one():
            return "the customer was surveyed recently (cool-down)"
    return None


def _sampled(survey_id: int, percent: int) -> bool:
    """A stable draw per survey, so running the decision twice gives the same answer."""
    digest = hashlib.sha256(f"csat-sample:{survey_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


async def _survey(store: Store, survey_id: int, *, lock: bool = False) -> RowMapping | None:
    stmt = select(survey_t).where(survey_t.c.id == survey_id)
    found = await store.execute(stmt.with_for_update() if lock else stmt)
    return found.mappings().first()


async def _mark(store: Store, survey_id: int, **values: object) -> None:
    """Move a scheduled survey on; a survey another run already moved is left alone."""
    await store.execute(
        update(survey_t)
        .where(survey_t.c.id == survey_id, survey_t.c.status == SurveyStatus.SCHEDULED.value)
        .values(**values)
    )


@dataclass(frozen=True, slots=True)
class Rated:
    survey_id: int
    ticket_id: int
    rating: int
    bad: bool


async def rate(
    store: Store, survey: RowMapping, rating: int, comment: str, default_delay: timedelta
) -> Rated:
    """Record the customer's rating (1-5) and comment for the survey's resolution cycle.

    Once per cycle: a second rating is a Conflict; an expired link is a Conflict too (the page
    says which). A rating at or below the team's threshold reopens a solved ticket with an
    internal note for the team, or leaves the note on a closed one.
    """
    errors: dict[str, str] = {}
    if not 1 <= rating <= 5:
        errors["rating"] = "choose a rating from 1 to 5"
    if len(comment) > 5000:
        errors["comment"] = "keep the comment under 5,000 characters"
    if errors:
        raise ValidationFailed(errors)
    now = store.now()
    if survey["status"] == SurveyStatus.RATED.value:
        raise Conflict("this survey was already answered")
    if survey["status"] == SurveyStatus.EXPIRED.value or (
        survey["expires_at"] is not None and survey["expires_at"] <= now
    ):
        raise Conflict("this survey has expired")
    if survey["status"] != SurveyStatus.SENT.value:
        raise NotFound("this survey link is not valid")
    done = await store.execute(
        update(survey_t)
        .where(survey_t.c.id == survey["id"], survey_t.c.status == SurveyStatus.SENT.value)
        .values(
            status=SurveyStatus.RATED.value,
            rating=rating,
            comment=comment.strip() or None,
            rated_at=now,
        )
    )
    if not getattr(done, "rowcount", 0):  # a concurrent answer won
        raise Conflict("this survey was already answered")
    ticket = await ticket_row(store, survey["ticket_id"])
    actor = Actor.customer(int(survey["customer_id"])) if survey["customer_id"] else Actor.system()
    await audit(
        store, ticket["id"], actor, AuditKind.SURVEY_RATED, survey_id=survey["id"], rating=rating
    )
    policy = await policy_for(store, survey["team_id"], default_delay)
    bad = rating <= policy.bad_threshold
    if bad:
        await _follow_up(store, ticket, rating, comment.strip())
    store.record(
        events.SurveyRated(
            ticket_id=int(ticket["id"]), at=now, survey_id=int(survey["id"]), rating=rating, bad=bad
        )
    )
    return Rated(int(survey["id"]), int(ticket["id"]), rating, bad)


async def _follow_up(store: Store, ticket: RowMapping, rating: int, comment: str) -> None:
    said = f": “{comment}”" if comment else " (no comment)"
    note = f"The customer rated this resolution {rating}/5{said}. Please follow up."
    if ticket["status"] == Status.SOLVED.value:
        await update_ticket(store, ticket["id"], Actor.system(), TicketChanges(status=Status.OPEN))
        note += " The ticket was reopened for it."
    await add_note(store, ticket["id"], Actor.system(), note)


async def expire(store: Store, now: datetime) -> int:
    """Sent surveys whose link ran out become expired; how many."""
    done = await store.execute(
        update(survey_t)
        .where(survey_t.c.status == SurveyStatus.SENT.value, survey_t.c.expires_at <= now)
        .values(status=SurveyStatus.EXPIRED.value)
    )
    return int(getattr(done, "rowcount", 0) or 0)

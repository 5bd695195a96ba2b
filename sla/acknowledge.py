"""The acknowledgement of a new ticket: its number and the SLA's promise (when the first reply
is due, and, out of business hours, when we open again), in the customer's language and time
zone, through the customer's own channel.

It lives in the SLA engine because it states an SLA promise: it evaluates the ticket first, so
the due time it quotes is the one the first-reply clock holds. Once per ticket (a unique row in
`auto_reply`), throttled per customer, never for machine mail (auto-replies, bounces, lists),
never for tickets an agent opened, and never for follow-ups: a reply to a closed ticket
continues a conversation the customer already has a number for (often only a "thank you"), and
acknowledging it would be noise, or a loop with a robot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from sqlalchemy import and_, bindparam, select

from helpdesk import events
from helpdesk.answer_tables import auto_reply_t
from helpdesk.runtime import Runtime
from helpdesk.services import autoreplies
from helpdesk.services.autoreplies import TicketFacts
from helpdesk.store import Store
from helpdesk.tables import ticket_t
from sla import ack_texts
from sla._config import CalendarCache
from sla.tables import clock_t, sla_ticket_t
from sla.targets import Metric

log = logging.getLogger(__name__)

ACK_JOB = "sla_acknowledge"
ACK_RECONCILE_JOB = "sla_acknowledge_reconcile"
ACK_RECONCILE_EVERY = timedelta(seconds=60)
LOOK_BACK = timedelta(hours=1)  # tickets older than this without an acknowledgement are left
KIND = ack_texts.ACKNOWLEDGEMENT
_SOON = timedelta(days=6)  # an opening within this is named by its weekday alone


@dataclass(frozen=True, slots=True)
class Promise:
    due: datetime | None  # the first reply's due instant (None: no first-reply target)
    opens: datetime | None  # when we open again, if the ticket came in out of hours


async def on_created(rt: Runtime, event: events.TicketCreated) -> None:
    if rt.settings.acknowledge and event.follow_up_of is None:
        await rt.scheduler.enqueue(ACK_JOB, event.ticket_id, key=f"sla-ack:{event.ticket_id}")


async def acknowledge(rt: Runtime, calendars: CalendarCache, ticket_id: int, evaluate: Any) -> str:
    """Evaluate the ticket's clocks (`evaluate(ticket_id)`), then queue its acknowledgement or
    record why none is sent. Safe to run twice: the unique row of the first run in
    `auto_reply` stops the second (checked there, not read first: runs twice are rare)."""
    await evaluate(ticket_id)
    async with rt.stores() as store:
        about = await autoreplies.facts(store, ticket_id, rt.reaches)
        reason = _withhold_reason(about)
        if reason is not None:
            if not await autoreplies.withhold(store, about, kind=KIND, reason=reason):
                return "already handled"
            return reason
        promise = await _promise(store, calendars, about)
        language = ack_texts.language_of(about.language)
        subject, text = await compose(store, about, promise, language, _zone(rt, about))
        return await autoreplies.send(
            store, about, kind=KIND, subject=subject, text=text, extra={"language": language}
        )


def _withhold_reason(about: TicketFacts) -> str | None:
    if about.follow_up:
        return "a follow-up of a closed ticket"
    if not about.opened_by_customer:
        return "opened by an agent, not by the customer"
    if about.machine is not None:
        return f"machine mail ({about.machine})"
    if not about.to:
        return "no way to reach the customer through the ticket's channel"
    if about.with_bot:
        # The bot answers at once, and promising a person's reply time would be wrong when the
        # first-reply clock only starts at the handover.
        return "a bot answers first"
    return None


# Built once: every new ticket's acknowledgement runs these.
_FIRST_REPLY_DUE = select(clock_t.c.due_at).where(
    clock_t.c.ticket_id == bindparam("k_id"),
    clock_t.c.metric == Metric.FIRST_REPLY.value,
    clock_t.c.cycle == 0,
)
_CALENDAR = select(sla_ticket_t.c.calendar_id).where(sla_ticket_t.c.ticket_id == bindparam("k_id"))


async def _promise(store: Store, calendars: CalendarCache, about: TicketFacts) -> Promise:
    params = {"k_id": about.ticket_id}
    due = (await store.execute(_FIRST_REPLY_DUE, params)).scalar_one_or_none()
    calendar_id = (await store.execute(_CALENDAR, params)).scalar_one_or_none()
    opens = None
    if calendar_id is not None:
        calendar = await calendars.get(store, calendar_id, about.created_at)
        if not calendar.is_open(about.created_at):
            opens = calendar.next_open(about.created_at)
    return Promise(due=due, opens=opens)


def _zone(rt: Runtime, about: TicketFacts) -> ZoneInfo:
    for name in (about.timezone, rt.settings.default_timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                log.info("unknown time zone %r for ticket %s", name, about.ticket_id)
    return ZoneInfo("UTC")


async def _text(store: Store, kind: str, channel: str, language: str) -> autoreplies.Template:
    edited = await autoreplies.template(store, kind, channel, language)
    return edited or ack_texts.default(kind, channel, language)


async def compose(
    store: Store, about: TicketFacts, promise: Promise, language: str, zone: ZoneInfo
) -> tuple[str, str]:
    """(subject, text) of the acknowledgement in `language`, times shown in `zone`."""
    sentence = ""
    if promise.due is not None:
        kind = ack_texts.PROMISE if promise.opens is None else ack_texts.PROMISE_CLOSED
        template = await _text(store, kind, about.channel, language)
        sentence = _fill(
            template.text,
            due=when(promise.due, zone, language),
            opens=opening(promise.opens, about.created_at, zone, language),
        )
    elif promise.opens is not None:
        # No first-reply target, but the customer should still know we are closed.
        template = await _text(store, ack_texts.PROMISE_CLOSED, about.channel, language)
        sentence = _fill(
            template.text.split(". ")[0] + ".",
            opens=opening(promise.opens, about.created_at, zone, language),
        )
    template = await _text(store, KIND, about.channel, language)
    first = about.to[0] if about.to else None
    name = about.customer_name or (first.display_name or first.address if first else "")
    values = {
        "name": name,
        "number": str(about.number),
        "subject": about.subject or f"#{about.number}",
        "quote": "\n".join("> " + line for line in about.first_text.splitlines()[:40]),
        "promise": sentence,
    }
    subject = _fill(template.subject, **values)[:998]
    return subject, _fill(template.text, **values).strip()


def when(instant: datetime, zone: ZoneInfo, language: str) -> str:
    """A due instant as the customer reads it: weekday, date and time in their zone."""
    shown = format_datetime(instant, "EEEE d MMMM y, HH:mm", tzinfo=zone, locale=language)
    return f"{shown} ({zone.key})"


def opening(opens: datetime | None, since: datetime, zone: ZoneInfo, language: str) -> str:
    """When we open again: "Monday 09:00" within the week, with the date beyond it."""
    if opens is None:
        return ""
    pattern = "EEEE HH:mm" if opens - since <= _SOON else "EEEE d MMMM, HH:mm"
    return format_datetime(opens, pattern, tzinfo=zone, locale=language)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(text: str, **values: str) -> str:
    return text.format_map(_Blank(values))


async def reconcile(rt: Runtime) -> int:
    """Job: re-arm acknowledgements a lost job would have sent (recent tickets with none)."""
    if not rt.settings.acknowledge:
        return 0
    since = rt.clock.now() - LOOK_BACK
    async with rt.stores() as store:
        rows = await store.execute(
            select(ticket_t.c.id)
            .outerjoin(
                auto_reply_t,
                and_(auto_reply_t.c.ticket_id == ticket_t.c.id, auto_reply_t.c.kind == KIND),
            )
            .where(
                ticket_t.c.created_at >= since,
                ticket_t.c.follow_up_of_id.is_(None),
                auto_reply_t.c.id.is_(None),
            )
            .order_by(ticket_t.c.id)
            .limit(200)
        )
        missing = list(rows.scalars())
    bucket = int(rt.clock.now().timestamp() // ACK_RECONCILE_EVERY.total_seconds())
    for ticket_id in missing:
        await rt.scheduler.enqueue(ACK_JOB, ticket_id, key=f"sla-ack:{ticket_id}:r{bucket}")
    return len(missing)

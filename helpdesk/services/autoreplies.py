"""Automatic replies to customers (the acknowledgement of a new ticket): at most one per ticket
and kind, throttled per customer across all of their addresses and chats, and written to the
timeline as a bot message.

Whoever composes the reply (the SLA engine states its promise) calls `facts` to learn whom and
in which language to answer, then `send` or `withhold` in the same unit of work. Like every
service these never send: `send` queues an outbox entry of kind `auto_reply`, so each channel's
own loop protections (the email sender's machine-mail, own-address and per-address checks)
still apply at delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from helpdesk.answer_tables import auto_reply_t, auto_reply_template_t
from helpdesk.domain import Actor, AuditKind, AuthorKind, Direction
from helpdesk.errors import NotFound
from helpdesk.inbound import Identity
from helpdesk.services._common import audit, ticket_row
from helpdesk.services.customers import requester_identity
from helpdesk.services.outbox import Reaches, queue_notification
from helpdesk.store import Store
from helpdesk.tables import customer_t, message_t

# A customer who opens more tickets than this within the window gets no more automatic
# replies until it has passed: a person rarely does, a robot writing to us does it forever.
LIMIT = 3
WINDOW = timedelta(hours=1)
ANY_CHANNEL = "*"


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What an automatic reply to a ticket needs to know, read in one unit of work."""

    ticket_id: int
    number: int
    subject: str
    channel: str
    created_at: datetime
    follow_up: bool
    customer_id: int
    customer_name: str
    language: str | None
    timezone: str | None
    first_text: str
    machine: str | None  # why the message that opened the ticket was machine-written
    opened_by_customer: bool
    to: tuple[Identity, ...]  # the requester's identity the ticket's channel reaches, if any
    with_bot: bool = False  # a bot answers first and has not handed the ticket over yet


@dataclass(frozen=True, slots=True)
class Template:
    subject: str
    text: str


# Built once: every new ticket's acknowledgement runs these.
_CUSTOMER = select(customer_t.c.name, customer_t.c.language, customer_t.c.timezone).where(
    customer_t.c.id == bindparam("k_id")
)
_FIRST_MESSAGE = (
    select(message_t.c.direction, message_t.c.machine, message_t.c.text)
    .where(message_t.c.ticket_id == bindparam("k_id"))
    .order_by(message_t.c.created_at, message_t.c.id)
    .limit(1)
)


async def facts(store: Store, ticket_id: int, reaches: Reaches) -> TicketFacts:
    """The ticket, its requester and the message that opened it; `reaches(channel)` names the
    identity kind the ticket's channel delivers to (a web form's is `email`)."""
    ticket = await ticket_row(store, ticket_id)
    customer = (await store.execute(_CUSTOMER, {"k_id": ticket["requester_id"]})).mappings().one()
    first = (await store.execute(_FIRST_MESSAGE, {"k_id": ticket_id})).mappings().first()
    kind = reaches(str(ticket["channel"]))
    to = await requester_identity(store, ticket_id, kind) if kind is not None else ()
    return TicketFacts(
        ticket_id=ticket_id,
        number=int(ticket["number"]),
        subject=str(ticket["subject"]),
        channel=str(ticket["channel"]),
        created_at=ticket["created_at"],
        follow_up=ticket["follow_up_of_id"] is not None,
        customer_id=int(ticket["requester_id"]),
        customer_name=str(customer["name"] or ""),
        language=ticket["language"] or customer["language"],
        timezone=customer["timezone"],
        first_text=str(first["text"]) if first else "",
        machine=first["machine"] if first else None,
        opened_by_customer=first is not None and first["direction"] == Direction.INBOUND.value,
        to=to,
        with_bot=ticket["bot_id"] is not None and ticket["handed_over_at"] is None,
    )


_RECENT = (
    select(func.count())
    .select_from(auto_reply_t)
    .where(
        auto_reply_t.c.customer_id == bindparam("k_customer"),
        auto_reply_t.c.status == "queued",
        auto_reply_t.c.at > bindparam("k_since", type_=auto_reply_t.c.at.type),
    )
)
_SET_OUTBOX = update(auto_reply_t).where(
    auto_reply_t.c.ticket_id == bindparam("k_ticket"), auto_reply_t.c.kind == bindparam("k_kind")
)
_TEMPLATE = select(auto_reply_template_t).where(
    auto_reply_template_t.c.kind == bindparam("k_kind"),
    auto_reply_template_t.c.language == bindparam("k_language"),
    auto_reply_template_t.c.channel.in_(bindparam("k_channels", expanding=True)),
)


async def send(
    store: Store,
    about: TicketFacts,
    *,
    kind: str,
    subject: str,
    text: str,
    extra: dict[str, Any] | None = None,
    limit: int = LIMIT,
    window: timedelta = WINDOW,
) -> str:
    """Queue `kind` for the ticket unless it was already handled ("already") or the customer
    had `limit` automatic replies within `window` ("throttled"); "queued" otherwise."""
    now = store.now()
    recent = (
        await store.execute(_RECENT, {"k_customer": about.customer_id, "k_since": now - window})
    ).scalar_one()
    throttled = int(recent) >= limit
    status = "throttled" if throttled else "queued"
    if not await _claim(
        store, about, kind, status, "throttled per customer" if throttled else None
    ):
        return "already"
    if throttled:
        await audit(
            store,
            about.ticket_id,
            Actor.system(),
            AuditKind.AUTO_REPLY_WITHHELD,
            auto_reply=kind,
            reason=f"the customer got {limit} automatic replies within {window}",
        )
        return status
    outbox_id = await queue_notification(
        store,
        about.ticket_id,
        channel=about.channel,
        to=list(about.to),
        subject=subject,
        text=text,
        kind="auto_reply",
        extra={**(extra or {}), "auto_reply": kind},
    )
    await store.execute(
        _SET_OUTBOX, {"k_ticket": about.ticket_id, "k_kind": kind, "outbox_id": outbox_id}
    )
    await audit(
        store,
        about.ticket_id,
        Actor(AuthorKind.BOT),
        AuditKind.AUTO_REPLY_SENT,
        auto_reply=kind,
        outbox_id=outbox_id,
        subject=subject,
        text=text,
    )
    return status


async def withhold(store: Store, about: TicketFacts, *, kind: str, reason: str) -> bool:
    """Record that `kind` is not sent for this ticket, and why; False if already handled."""
    if not await _claim(store, about, kind, "skipped", reason):
        return False
    await audit(
        store,
        about.ticket_id,
        Actor.system(),
        AuditKind.AUTO_REPLY_WITHHELD,
        auto_reply=kind,
        reason=reason,
    )
    return True


async def _claim(
    store: Store, about: TicketFacts, kind: str, status: str, reason: str | None
) -> bool:
    # The unique (ticket, kind) row makes the reply once-only even when two jobs race.
    inserted = await store.execute(
        store.insert_ignoring_duplicates(auto_reply_t),
        {
            "ticket_id": about.ticket_id,
            "kind": kind,
            "customer_id": about.customer_id,
            "channel": about.channel,
            "status": status,
            "reason": reason,
            "at": store.now(),
        },
    )
    return bool(inserted.rowcount)  # type: ignore[attr-defined]


async def template(store: Store, kind: str, channel: str, language: str) -> Template | None:
    """The edited text of `kind` for the channel (else for any channel) in `language`."""
    rows = await store.execute(
        _TEMPLATE, {"k_kind": kind, "k_language": language, "k_channels": [channel, ANY_CHANNEL]}
    )
    found = {row["channel"]: row for row in rows.mappings()}
    row = found.get(channel) or found.get(ANY_CHANNEL)
    return None if row is None else Template(str(row["subject"]), str(row["text"]))


async def templates(store: Store) -> list[dict[str, Any]]:
    """Every edited template."""
    rows = await store.execute(
        select(auto_reply_template_t).order_by(
            auto_reply_template_t.c.kind,
            auto_reply_template_t.c.channel,
            auto_reply_template_t.c.language,
        )
    )
    return [dict(row) for row in rows.mappings()]


async def set_template(
    store: Store, kind: str, channel: str, language: str, subject: str, text: str
) -> None:
    """Store an edited text (the caller validated its placeholders)."""
    await store.execute(
        store.upsert(
            auto_reply_template_t,
            index_elements=["kind", "channel", "language"],
            update=["subject", "text", "updated_at"],
        ).values(
            kind=kind,
            channel=channel,
            language=language,
            subject=subject,
            text=text,
            updated_at=store.now(),
        )
    )


async def reset_template(store: Store, kind: str, channel: str, language: str) -> None:
    """Drop an edited text, so the built-in default applies again."""
    result = await store.execute(
        delete(auto_reply_template_t).where(
            auto_reply_template_t.c.kind == kind,
            auto_reply_template_t.c.channel == channel,
            auto_reply_template_t.c.language == language,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no edited {kind} template for {channel}/{language}")

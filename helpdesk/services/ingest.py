"""`ingest`: one normalised inbound message into the right ticket, exactly once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from channels.base import Attachment, InboundMessage, Machine
from helpdesk import events
from helpdesk.domain import (
    AuthorKind,
    DeliveryState,
    Direction,
    ParticipantRole,
    Priority,
    Status,
    status_after_customer_message,
)
from helpdesk.security import new_ticket_token
from helpdesk.services import customers
from helpdesk.services._common import Actor, audit, next_number, touch
from helpdesk.services.quarantine import quarantine
from helpdesk.store import Store
from helpdesk.tables import (
    attachment_t,
    category_t,
    message_t,
    thread_key_t,
    ticket_t,
)

_MAX_ATTEMPTS = 3
_MERGE_CHAIN_LIMIT = 20


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


async def ingest(store: Store, message: InboundMessage, raw: bytes | None = None) -> IngestResult:
    """Store `message` in the ticket it belongs to, opening one when it belongs to none.

    Idempotent on (channel, external id): a second delivery, also a concurrent one, returns
    the first one's result with `new=False`. `raw` (the bytes as received) is kept as a blob so
    the original can be shown and re-parsed later.
    """
    if store.dialect == "sqlite":
        # SQLite transactions here hold the only write lock (BEGIN IMMEDIATE): no concurrent
        # writer can race us between the check and the insert, so no savepoint is needed.
        existing = await _existing(store, message)
        return existing or await _ingest_new(store, message, raw)
    for _attempt in range(_MAX_ATTEMPTS):
        existing = await _existing(store, message)
        if existing is not None:
            return existing
        try:
            async with store.savepoint():
                return await _ingest_new(store, message, raw)
        except IntegrityError:
            # Somebody stored the same message (or created the same customer) concurrently;
            # our savepoint is undone, and the next round finds their rows.
            continue
    existing = await _existing(store, message)
    if existing is None:
        raise RuntimeError(f"could not ingest {message.channel}:{message.external_id}")
    return existing


# The ingest path runs these for every message: built once, executed with parameters.
_EXISTING = (
    select(message_t.c.id, message_t.c.ticket_id, ticket_t.c.number)
    .join(ticket_t, ticket_t.c.id == message_t.c.ticket_id)
    .where(
        message_t.c.channel == bindparam("channel"),
        message_t.c.external_id == bindparam("external_id"),
    )
)
_INSERT_TICKET = insert(ticket_t).returning(ticket_t.c.id)
_INSERT_MESSAGE = insert(message_t).returning(message_t.c.id)
_THREAD_KEY = select(thread_key_t.c.ticket_id).where(thread_key_t.c.key == bindparam("key"))


async def _existing(store: Store, message: InboundMessage) -> IngestResult | None:
    row = (
        await store.execute(
            _EXISTING, {"channel": message.channel, "external_id": message.external_id}
        )
    ).first()
    if row is None:
        return None
    return IngestResult(row.ticket_id, row.number, row.id, new=False)


async def _ingest_new(store: Store, message: InboundMessage, raw: bytes | None) -> IngestResult:
    raw_ref = await store.blobs.put(raw) if raw is not None else None
    customer_id = await customers.resolve_customer(store, message.sender, language=message.language)

    if message.machine is Machine.BOUNCE:
        return await _ingest_bounce(store, message, customer_id, raw, raw_ref)

    ticket = None if message.start_new else await _find_ticket(store, message, customer_id)
    opened = False
    follow_up_of: int | None = None
    if ticket is not None and ticket["status"] == Status.CLOSED.value:
        if message.follow_up_policy == "follow_up":
            follow_up_of = ticket["id"]
        ticket = None
    if ticket is None:
        if message.machine is not None:
            # An out-of-office or list mail that answers nothing of ours must not open a ticket.
            qid = await quarantine(
                store,
                channel=message.channel,
                source=message.source,
                reason=f"{message.machine.value} that belongs to no ticket",
                raw=raw if raw is not None else _as_bytes(message),
            )
            return IngestResult(None, None, None, new=True, quarantine_id=qid)
        ticket = await _open_ticket(store, message, customer_id, follow_up_of)
        opened = True

    ticket_id = int(ticket["id"])
    message_id = await _store_message(store, ticket_id, message, customer_id, raw_ref)
    if not opened:
        await _join_existing(store, ticket, message, customer_id)
    if message.conversation_key:
        await _point_conversation(store, message.conversation_key, ticket_id)
    store.record(
        events.MessageAdded(
            ticket_id=ticket_id,
            at=store.now(),
            message_id=message_id,
            direction=Direction.INBOUND.value,
            author_kind=AuthorKind.CUSTOMER.value,
            machine=message.machine.value if message.machine else None,
        )
    )
    return IngestResult(
        ticket_id, int(ticket["number"]), message_id, new=True, opened_ticket=opened
    )


async def _find_ticket(
    store: Store, message: InboundMessage, customer_id: int
) -> RowMapping | None:
    """Threading, in DESIGN.md order: conversation, references, signed token, subject tag."""
    keys = ([message.conversation_key] if message.conversation_key else []) + list(
        message.references
    )
    for key in keys:
        ticket_id = (await store.execute(_THREAD_KEY, {"key": key})).scalar_one_or_none()
        if ticket_id is not None:
            return await _follow_merges(store, int(ticket_id))
    if message.ticket_token:
        token = store.signer.verify_ticket_token(message.ticket_token)
        if token is not None:
            row = (
                (await store.execute(select(ticket_t).where(ticket_t.c.token == token)))
                .mappings()
                .first()
            )
            if row is not None:
                return await _follow_merges(store, int(row["id"]))
    if message.ticket_number is not None:
        row = (
            (
                await store.execute(
                    select(ticket_t).where(ticket_t.c.number == message.ticket_number)
                )
            )
            .mappings()
            .first()
        )
        # A bare "[#1042]" is guessable, so it only threads mail from people already on it.
        if row is not None and await customers.is_participant(store, int(row["id"]), customer_id):
            return await _follow_merges(store, int(row["id"]))
    return None


async def _follow_merges(store: Store, ticket_id: int) -> RowMapping:
    for _ in range(_MERGE_CHAIN_LIMIT):
        row = (
            (await store.execute(select(ticket_t).where(ticket_t.c.id == ticket_id)))
            .mappings()
            .one()
        )
        if row["merged_into_id"] is None:
            return row
        ticket_id = int(row["merged_into_id"])
    raise RuntimeError(f"merge chain from ticket {ticket_id} is too long")


async def _open_ticket(
    store: Store, message: InboundMessage, customer_id: int, follow_up_of: int | None
) -> RowMapping:
    now = store.now()
    category_id, team_id, priority = await _category_defaults(store, message)
    number = await next_number(store, "ticket")
    subject = message.subject.strip() or _subject_from_text(message.text or message.full_text)
    values = {
        "number": number,
        "token": new_ticket_token(),
        "subject": subject[:998],
        "status": Status.NEW.value,
        "priority": priority,
        "category_id": category_id,
        "team_id": team_id,
        "requester_id": customer_id,
        "channel": message.channel,
        "source": message.source,
        "language": message.language,
        "tags": [],
        "follow_up_of_id": follow_up_of,
        "created_at": now,
        "updated_at": now,
    }
    ticket_id = (await store.execute(_INSERT_TICKET, values)).scalar_one()
    await customers.add_participant(store, ticket_id, customer_id, ParticipantRole.REQUESTER)
    for identity in message.cc:
        cc_id = await customers.resolve_customer(store, identity)
        if cc_id != customer_id:
            await customers.add_participant(store, ticket_id, cc_id)
    actor = Actor.customer(customer_id)
    await audit(store, ticket_id, actor, "ticket_created", channel=message.channel, number=number)
    if follow_up_of is not None:
        await audit(store, follow_up_of, actor, "follow_up_created", ticket_id=ticket_id)
    store.record(
        events.TicketCreated(
            ticket_id=ticket_id, at=now, channel=message.channel, follow_up_of=follow_up_of
        )
    )
    return {**values, "id": ticket_id, "merged_into_id": None}  # type: ignore[return-value]


async def _category_defaults(
    store: Store, message: InboundMessage
) -> tuple[int | None, int | None, str]:
    priority = message.priority if message.priority in Priority.__members__.values() else None
    if message.category is None:
        return None, None, priority or Priority.NORMAL.value
    row = (
        await store.execute(
            select(
                category_t.c.id, category_t.c.default_team_id, category_t.c.default_priority
            ).where(category_t.c.slug == message.category)
        )
    ).first()
    if row is None:
        return None, None, priority or Priority.NORMAL.value
    return row.id, row.default_team_id, priority or row.default_priority or Priority.NORMAL.value


async def _join_existing(
    store: Store, ticket: RowMapping, message: InboundMessage, customer_id: int
) -> None:
    ticket_id = int(ticket["id"])
    actor = Actor.customer(customer_id)
    # Someone new writing into a thread (a CC'd colleague) joins it; never becomes requester.
    if await customers.add_participant(store, ticket_id, customer_id):
        await audit(store, ticket_id, actor, "participant_added", customer_id=customer_id)
    for identity in message.cc:
        cc_id = await customers.resolve_customer(store, identity)
        await customers.add_participant(store, ticket_id, cc_id)
    old = Status(ticket["status"])
    new = old if message.machine is not None else status_after_customer_message(old)
    if new is None or new == old:
        await touch(store, ticket_id)
        return
    changes: dict[str, object] = {"status": new.value}
    if old is Status.SOLVED:
        changes["solved_at"] = None
    await touch(store, ticket_id, **changes)
    await audit(
        store,
        ticket_id,
        actor,
        "reopened" if old is Status.SOLVED else "status_changed",
        old=old.value,
        new=new.value,
    )
    store.record(events.StatusChanged(ticket_id=ticket_id, at=store.now(), old=old, new=new))


async def _store_message(
    store: Store,
    ticket_id: int,
    message: InboundMessage,
    customer_id: int,
    raw_ref: str | None,
    *,
    author_kind: AuthorKind = AuthorKind.CUSTOMER,
) -> int:
    now = store.now()
    meta: dict[str, object] = {"sent_at": message.received_at.isoformat()}
    if message.extra:
        meta["extra"] = [list(pair) for pair in message.extra]
    if message.recipients:
        meta["to"] = [i.address for i in message.recipients]
    if message.cc:
        meta["cc"] = [i.address for i in message.cc]
    message_id = (
        await store.execute(
            _INSERT_MESSAGE,
            {
                "ticket_id": ticket_id,
                "direction": Direction.INBOUND.value,
                "author_kind": author_kind.value,
                "author_customer_id": customer_id,
                "author_user_id": None,
                "channel": message.channel,
                "external_id": message.external_id,
                "subject": message.subject[:998],
                "text": message.text,
                "full_text": message.full_text or message.text,
                "html": message.html,
                "references": list(message.references),
                "machine": message.machine.value if message.machine else None,
                "delivery_state": None,
                "delivery_error": None,
                "raw_ref": raw_ref,
                "meta": meta,
                "created_at": now,
            },
        )
    ).scalar_one()
    await store.execute(
        store.insert_ignoring_duplicates(thread_key_t),
        {"key": message.external_id, "ticket_id": ticket_id, "message_id": message_id},
    )
    if message.attachments:
        await store_attachments(store, message_id, message.attachments)
    return int(message_id)


async def store_attachments(
    store: Store, message_id: int, attachments: tuple[Attachment, ...]
) -> None:
    rows = []
    for attachment in attachments:
        if attachment.content is not None:
            sha = await store.blobs.put(attachment.content)
        elif attachment.stored_ref is not None:
            sha = attachment.stored_ref
        else:
            continue
        rows.append(
            {
                "message_id": message_id,
                "filename": attachment.filename[:500] or "attachment",
                "content_type": attachment.content_type[:200],
                "size": attachment.size,
                "sha256": sha,
                "content_id": attachment.content_id,
                "inline": attachment.inline,
                "created_at": store.now(),
            }
        )
    if rows:
        await store.execute(insert(attachment_t), rows)


async def _point_conversation(store: Store, key: str, ticket_id: int) -> None:
    """A chat keeps one key; it follows the conversation into each new ticket."""
    await store.execute(
        store.upsert(thread_key_t, index_elements=["key"], update=["ticket_id"]).values(
            key=key, ticket_id=ticket_id
        )
    )


async def _ingest_bounce(
    store: Store,
    message: InboundMessage,
    customer_id: int,
    raw: bytes | None,
    raw_ref: str | None,
) -> IngestResult:
    """A delivery failure: mark our original message failed; never open a ticket."""
    original_id = message.bounce.original_message_id if message.bounce else None
    target = None
    if original_id:
        target = (
            await store.execute(
                select(thread_key_t.c.ticket_id, thread_key_t.c.message_id).where(
                    thread_key_t.c.key == original_id
                )
            )
        ).first()
    if target is None:
        # Try the references too: some MTAs quote the original headers only there.
        for key in message.references:
            target = (
                await store.execute(
                    select(thread_key_t.c.ticket_id, thread_key_t.c.message_id).where(
                        thread_key_t.c.key == key
                    )
                )
            ).first()
            if target is not None:
                break
    if target is None:
        qid = await quarantine(
            store,
            channel=message.channel,
            source=message.source,
            reason="bounce for a message this helpdesk did not send",
            raw=raw if raw is not None else _as_bytes(message),
        )
        return IngestResult(None, None, None, new=True, quarantine_id=qid)

    ticket_id = int(target.ticket_id)
    failed = message.bounce.recipients if message.bounce else ()
    permanent = any(r.permanent for r in failed) or not failed
    reason = (
        "; ".join(f"{r.address}: {r.status or '?'} {r.diagnostic}".strip() for r in failed)
        or "delivery failed"
    )
    if target.message_id is not None:
        await store.execute(
            update(message_t)
            .where(message_t.c.id == target.message_id)
            .values(
                delivery_state=(DeliveryState.FAILED if permanent else DeliveryState.SENT).value,
                delivery_error=("bounced: " if permanent else "delayed: ") + reason,
            )
        )
    message_id = await _store_message(
        store, ticket_id, message, customer_id, raw_ref, author_kind=AuthorKind.SYSTEM
    )
    await audit(
        store,
        ticket_id,
        Actor.system(),
        "delivery_failed" if permanent else "delivery_delayed",
        message_id=target.message_id,
        reason=reason,
    )
    if target.message_id is not None:
        store.record(
            events.DeliveryFailed(
                ticket_id=ticket_id,
                at=store.now(),
                message_id=int(target.message_id),
                permanent=permanent,
                reason=reason,
            )
        )
    number = (
        await store.execute(select(ticket_t.c.number).where(ticket_t.c.id == ticket_id))
    ).scalar_one()
    return IngestResult(ticket_id, int(number), message_id, new=True)


def _subject_from_text(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return (first[:77] + "...") if len(first) > 80 else (first or "(no subject)")


def _as_bytes(message: InboundMessage) -> bytes:
    return (
        f"From: {message.sender.address}\nSubject: {message.subject}\n\n{message.full_text}"
    ).encode()

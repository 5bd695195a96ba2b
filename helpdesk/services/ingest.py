"""`ingest`: one normalised inbound message into the right ticket, exactly once."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from helpdesk import events
from helpdesk.domain import (
    Actor,
    AuditKind,
    AuthorKind,
    Direction,
    ParticipantRole,
    Priority,
    Status,
    status_after_customer_message,
    storage_key,
)
from helpdesk.errors import Inconsistent
from helpdesk.inbound import InboundMessage, IngestResult, Machine
from helpdesk.security import new_ticket_token
from helpdesk.services import bots, customers
from helpdesk.services._common import audit, next_ticket_number, touch
from helpdesk.services._inbound import as_bytes, store_inbound_message
from helpdesk.services.bounces import ingest_bounce
from helpdesk.services.quarantine import quarantine
from helpdesk.store import Store
from helpdesk.tables import (
    message_t,
    thread_key_t,
    ticket_t,
)

_MAX_ATTEMPTS = 3
_MERGE_CHAIN_LIMIT = 20


async def ingest(store: Store, message: InboundMessage, raw: bytes | None = None) -> IngestResult:
    """Store `message` in the ticket it belongs to, opening one when it belongs to none.

    Idempotent on (channel, external id): a second delivery, also a concurrent one, returns
    the first one's result with `new=False`. `raw` (the bytes as received) is kept as a blob so
    the original can be shown and re-parsed later.
    """
    message = _normalised(message)
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
        raise Inconsistent(f"could not ingest {message.channel}:{message.external_id}")
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
        return await ingest_bounce(store, message, customer_id, raw, raw_ref)

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
                raw=raw if raw is not None else as_bytes(message),
            )
            return IngestResult(None, None, None, new=True, quarantine_id=qid)
        ticket = await _open_ticket(store, message, customer_id, follow_up_of)
        opened = True

    ticket_id = int(ticket["id"])
    message_id = await store_inbound_message(store, ticket_id, message, customer_id, raw_ref)
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
            opens_ticket=opened,
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
    raise Inconsistent(f"merge chain from ticket {ticket_id} is too long")


async def _open_ticket(
    store: Store, message: InboundMessage, customer_id: int, follow_up_of: int | None
) -> RowMapping:
    now = store.now()
    # Category, team and a category's default priority are routing's decisions, made after
    # commit from the hints stored on the message; an explicit priority is the caller's.
    priority = message.priority if message.priority in Priority.__members__.values() else None
    number = await next_ticket_number(store)
    subject = message.subject.strip() or _subject_from_text(message.text or message.full_text)
    values = {
        "number": number,
        "token": new_ticket_token(),
        "subject": subject[:998],
        "status": Status.NEW.value,
        "priority": priority or Priority.NORMAL.value,
        "category_id": None,
        "team_id": None,
        "requester_id": customer_id,
        "channel": message.channel,
        "source": message.source,
        "language": message.language,
        "tags": [],
        "follow_up_of_id": follow_up_of,
        "created_at": now,
        "updated_at": now,
    }
    # A channel that starts with a bot keeps the ticket out of human queues from the start.
    values["bot_id"] = bot_id = await bots.bot_for_channel(store, message.channel)
    ticket_id = (await store.execute(_INSERT_TICKET, values)).scalar_one()
    await customers.add_participant(store, ticket_id, customer_id, ParticipantRole.REQUESTER)
    for identity in message.cc:
        cc_id = await customers.resolve_customer(store, identity)
        if cc_id != customer_id:
            await customers.add_participant(store, ticket_id, cc_id)
    actor = Actor.customer(customer_id)
    await audit(
        store, ticket_id, actor, AuditKind.TICKET_CREATED, channel=message.channel, number=number
    )
    if follow_up_of is not None:
        await audit(store, follow_up_of, actor, AuditKind.FOLLOW_UP_CREATED, ticket_id=ticket_id)
    if bot_id is not None:
        await audit(store, ticket_id, Actor.user(bot_id, bot=True), AuditKind.BOT_STARTED)
    store.record(
        events.TicketCreated(
            ticket_id=ticket_id,
            at=now,
            channel=message.channel,
            follow_up_of=follow_up_of,
            with_bot=bot_id is not None,
        )
    )
    return {**values, "id": ticket_id, "merged_into_id": None}  # type: ignore[return-value]


async def _join_existing(
    store: Store, ticket: RowMapping, message: InboundMessage, customer_id: int
) -> None:
    ticket_id = int(ticket["id"])
    actor = Actor.customer(customer_id)
    # Someone new writing into a thread (a CC'd colleague) joins it; never becomes requester.
    if await customers.add_participant(store, ticket_id, customer_id):
        await audit(store, ticket_id, actor, AuditKind.PARTICIPANT_ADDED, customer_id=customer_id)
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
        AuditKind.REOPENED if old is Status.SOLVED else AuditKind.STATUS_CHANGED,
        old=old.value,
        new=new.value,
    )
    store.record(events.StatusChanged(ticket_id=ticket_id, at=store.now(), old=old, new=new))


async def _point_conversation(store: Store, key: str, ticket_id: int) -> None:
    """A chat keeps one key; it follows the conversation into each new ticket."""
    await store.execute(
        store.upsert(thread_key_t, index_elements=["key"], update=["ticket_id"]).values(
            key=key, ticket_id=ticket_id
        )
    )


def _subject_from_text(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return (first[:77] + "...") if len(first) > 80 else (first or "(no subject)")


def _normalised(message: InboundMessage) -> InboundMessage:
    """The message as every database can store it: NUL characters become U+FFFD (PostgreSQL
    refuses them in text, SQLite keeps them) and over-long ids become digests (PostgreSQL
    enforces column lengths, SQLite does not), so the same mail lands the same way on both."""
    texts = (message.subject, message.text, message.full_text, message.html or "")
    keys = (message.external_id, message.conversation_key or "", *message.references)
    original = message.bounce.original_message_id if message.bounce else None
    if (
        not any("\x00" in t for t in texts)
        and "\x00" not in message.sender.display_name
        and all(storage_key(k) == k for k in keys)
        and (original is None or storage_key(original) == original)
    ):
        return message

    def clean(value: str) -> str:
        return value.replace("\x00", "\ufffd")

    return replace(
        message,
        external_id=storage_key(message.external_id),
        conversation_key=storage_key(message.conversation_key)
        if message.conversation_key
        else None,
        references=tuple(storage_key(r) for r in message.references),
        bounce=replace(message.bounce, original_message_id=storage_key(original))
        if message.bounce and original
        else message.bounce,
        subject=clean(message.subject),
        text=clean(message.text),
        full_text=clean(message.full_text),
        html=clean(message.html) if message.html is not None else None,
        sender=replace(message.sender, display_name=clean(message.sender.display_name)),
    )

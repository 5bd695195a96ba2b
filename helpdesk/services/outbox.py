"""Outbox delivery: claim an entry, hand it to its channel, record what happened.

Each step is its own short transaction, and nothing is sent while a transaction is open. A claim
is a lease: a worker that dies mid-delivery leaves an entry the reconciliation pass picks up
again when the lease ends, so a crash loses no reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from helpdesk import events
from helpdesk.domain import Actor, AuditKind, DeliveryState, OutboxStatus, ParticipantRole
from helpdesk.errors import DeliveryError
from helpdesk.inbound import Identity
from helpdesk.ports import DeliveryReceipt, OutboundAttachment, OutboundMessage
from helpdesk.services._common import audit
from helpdesk.store import Store
from helpdesk.tables import (
    attachment_t,
    identity_t,
    message_t,
    outbox_t,
    participant_t,
    thread_key_t,
    ticket_t,
)

LEASE = timedelta(minutes=5)
_BACKOFF_BASE = timedelta(seconds=30)
_BACKOFF_CAP = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Due:
    outbox_id: int
    at: datetime


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 2 h: transient failures retry soon, then back off."""
    delay: timedelta = _BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, _BACKOFF_CAP)


# Which kind of customer identity replies on a ticket of a channel go to (the runtime knows:
# the channel's sender, or the sender declared for other channels).
Reaches = Callable[[str], str | None]


def _same_kind(channel: str) -> str | None:
    return channel


# Built once, with parameters: every delivery runs these, and building a statement costs more
# than running it.
_CLAIM = (
    update(outbox_t)
    .where(
        outbox_t.c.id == bindparam("k_id"),
        or_(
            and_(
                outbox_t.c.status == OutboxStatus.PENDING.value,
                outbox_t.c.next_attempt_at <= bindparam("k_now"),
            ),
            and_(
                outbox_t.c.status == OutboxStatus.SENDING.value,
                outbox_t.c.locked_until < bindparam("k_now"),
            ),
        ),
    )
    .values(
        status=OutboxStatus.SENDING.value,
        attempts=outbox_t.c.attempts + 1,
        locked_until=bindparam("k_until"),
        locked_by=bindparam("k_owner"),
    )
    .returning(outbox_t.c.message_id)
)
_MESSAGE_STATE = (
    update(message_t)
    .where(message_t.c.id == bindparam("k_id"))
    .values(delivery_state=bindparam("k_state"), delivery_error=bindparam("k_error"))
)
_MESSAGE_SENDING = (
    update(message_t)
    .where(message_t.c.id == bindparam("k_id"))
    .values(delivery_state=DeliveryState.SENDING.value)
)
_NOT_SENT = (
    update(outbox_t)
    .where(outbox_t.c.id == bindparam("k_id"))
    .values(
        status=OutboxStatus.NOT_SENT.value,
        locked_until=None,
        locked_by=None,
        last_error=bindparam("k_error"),
    )
    .returning(outbox_t.c.ticket_id, outbox_t.c.message_id)
)
_SENT = _NOT_SENT.values(status=OutboxStatus.SENT.value, sent_at=bindparam("k_sent_at"))
_MESSAGE_SENT_AS = _MESSAGE_STATE.values(external_id=bindparam("k_external_id"))
_INSERT = insert(outbox_t).returning(outbox_t.c.id)


async def claim(
    store: Store,
    outbox_id: int,
    lease: timedelta = LEASE,
    *,
    reaches: Reaches = _same_kind,
    owner: str | None = None,
) -> OutboundMessage | None:
    """Take the entry for delivery if it is due and nobody holds it; None otherwise.

    `owner` names the claiming process: if it dies, the lease is voided as soon as that is
    known (`services.processes.sweep`), else it lasts `lease`.
    """
    now = store.now()
    params = {"k_id": outbox_id, "k_now": now, "k_until": now + lease, "k_owner": owner}
    claimed = (await store.execute(_CLAIM, params)).first()
    if claimed is None:
        return None
    if claimed.message_id is not None:
        await store.execute(_MESSAGE_SENDING, {"k_id": claimed.message_id})
    return await load(store, outbox_id, reaches=reaches)


# Built once: every delivery runs these.
_ENTRY = select(outbox_t).where(outbox_t.c.id == bindparam("k_id"))
_TICKET = select(ticket_t).where(ticket_t.c.id == bindparam("k_id"))
_MESSAGE = select(message_t).where(message_t.c.id == bindparam("k_id"))


async def load(store: Store, outbox_id: int, *, reaches: Reaches = _same_kind) -> OutboundMessage:
    """Everything a channel needs to deliver the entry, read fresh from the database.

    Recipients are the ticket's participants' identities of the kind `reaches(channel)` names
    (a form ticket answered by email goes to the customer's email address)."""
    entry = (await store.execute(_ENTRY, {"k_id": outbox_id})).mappings().one()
    if entry["ticket_id"] is None:
        return _system_mail(outbox_id, entry)
    ticket = (await store.execute(_TICKET, {"k_id": entry["ticket_id"]})).mappings().one()
    if entry["message_id"] is None:
        return _notification(store, outbox_id, entry, ticket)
    message = (await store.execute(_MESSAGE, {"k_id": entry["message_id"]})).mappings().one()
    kind = reaches(str(ticket["channel"]))
    to, cc = await _recipients(store, int(ticket["id"]), kind) if kind else ((), ())
    references = await _references(store, int(ticket["id"]), int(message["id"]))
    attachments = await _attachments(store, int(message["id"]))
    return OutboundMessage(
        outbox_id=outbox_id,
        message_id=int(message["id"]),
        ticket_id=int(ticket["id"]),
        ticket_number=int(ticket["number"]),
        ticket_token=store.signer.sign_ticket_token(str(ticket["token"])),
        channel=str(ticket["channel"]),
        source=ticket["source"],
        subject=str(ticket["subject"]),
        text=str(message["text"]),
        html=message["html"],
        to=to,
        cc=cc,
        references=references,
        attachments=attachments,
        kind=str(entry["kind"]),
        external_id=message["external_id"],
        extra=dict(entry["payload"] or {}),
    )


def _notification(
    store: Store, outbox_id: int, entry: RowMapping, ticket: RowMapping
) -> OutboundMessage:
    payload = dict(entry["payload"] or {})
    return OutboundMessage(
        outbox_id=outbox_id,
        message_id=0,
        ticket_id=int(ticket["id"]),
        ticket_number=int(ticket["number"]),
        ticket_token=store.signer.sign_ticket_token(str(ticket["token"])),
        channel=str(entry["channel"]),
        source=ticket["source"],
        subject=str(payload.get("subject", ticket["subject"])),
        text=str(payload.get("text", "")),
        html=payload.get("html"),
        to=tuple(Identity(**r) for r in payload.get("to", [])),
        cc=(),
        references=(),
        kind=str(entry["kind"]),
        extra=payload,
    )


def _system_mail(outbox_id: int, entry: RowMapping) -> OutboundMessage:
    # Mail about no ticket: no number, no reply token, no thread; the channel's first active
    # sender (`source` None) delivers it.
    payload = dict(entry["payload"] or {})
    return OutboundMessage(
        outbox_id=outbox_id,
        message_id=0,
        ticket_id=0,
        ticket_number=0,
        ticket_token="",
        channel=str(entry["channel"]),
        source=None,
        subject=str(payload.get("subject", "")),
        text=str(payload.get("text", "")),
        html=payload.get("html"),
        to=tuple(Identity(**r) for r in payload.get("to", [])),
        cc=(),
        references=(),
        kind=str(entry["kind"]),
        extra=payload,
    )


async def queue_notification(
    store: Store,
    ticket_id: int,
    *,
    channel: str,
    to: list[Identity],
    subject: str,
    text: str,
    kind: str = "notification",
    html: str | None = None,
    deliver_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    """Queue machine mail about a ticket that is not a ticket message (an escalation notice to a
    supervisor, a form confirmation), delivered by `channel`'s sender like any outbox entry."""
    payload: dict[str, Any] = {
        **(extra or {}),
        "to": [{"kind": r.kind, "address": r.address, "display_name": r.display_name} for r in to],
        "subject": subject,
        "text": text,
        "html": html,
    }
    return await enqueue(
        store,
        ticket_id,
        kind=kind,
        channel=channel,
        message_id=None,
        payload=payload,
        deliver_at=deliver_at,
    )


async def enqueue(
    store: Store,
    ticket_id: int | None,
    *,
    kind: str,
    channel: str,
    message_id: int | None,
    payload: dict[str, Any],
    deliver_at: datetime | None = None,
) -> int:
    """Write one outbox entry in the caller's transaction and announce it, so a delivery job
    is armed after commit (and the reconciliation pass re-arms it if that job is lost).
    `ticket_id` is None for system mail about no ticket (`services.system_mail`)."""
    now = store.now()
    at = deliver_at or now
    outbox_id = (
        await store.execute(
            _INSERT,
            {
                "kind": kind,
                "ticket_id": ticket_id,
                "message_id": message_id,
                "channel": channel,
                "status": OutboxStatus.PENDING.value,
                "next_attempt_at": at,
                "payload": payload,
                "created_at": now,
            },
        )
    ).scalar_one()
    # Events name a ticket; 0 stands for none (only the delivery job listens to this one).
    store.record(
        events.OutboxQueued(
            ticket_id=ticket_id or 0, at=now, outbox_id=int(outbox_id), deliver_at=at
        )
    )
    return int(outbox_id)


async def _recipients(
    store: Store, ticket_id: int, kind: str
) -> tuple[tuple[Identity, ...], tuple[Identity, ...]]:
    rows = await store.execute(
        select(
            participant_t.c.role, identity_t.c.kind, identity_t.c.address, identity_t.c.display_name
        )
        .join(identity_t, identity_t.c.customer_id == participant_t.c.customer_id)
        .where(participant_t.c.ticket_id == ticket_id, identity_t.c.kind == kind)
        .order_by(identity_t.c.id)
    )
    to: list[Identity] = []
    cc: list[Identity] = []
    for row in rows:
        recipient = Identity(row.kind, row.address, row.display_name)
        (to if row.role == ParticipantRole.REQUESTER.value else cc).append(recipient)
    return tuple(to), tuple(cc)


async def _references(store: Store, ticket_id: int, message_id: int) -> tuple[str, ...]:
    rows = await store.execute(
        select(thread_key_t.c.key)
        .join(message_t, message_t.c.id == thread_key_t.c.message_id)
        .where(thread_key_t.c.ticket_id == ticket_id, message_t.c.id != message_id)
        .order_by(message_t.c.id)
    )
    return tuple(rows.scalars())


async def _attachments(store: Store, message_id: int) -> tuple[OutboundAttachment, ...]:
    rows = await store.execute(
        select(attachment_t.c.filename, attachment_t.c.content_type, attachment_t.c.sha256)
        .where(attachment_t.c.message_id == message_id)
        .order_by(attachment_t.c.id)
    )
    return tuple(
        [
            OutboundAttachment(r.filename, r.content_type, await store.blobs.get(r.sha256))
            for r in rows
        ]
    )


async def complete(store: Store, outbox_id: int, receipt: DeliveryReceipt) -> None:
    """Record what the channel did: a delivery and the thread keys it assigned, or, when the
    channel had no way to send (`receipt.not_sent`), that nothing was sent and why."""
    if receipt.not_sent is not None:
        await _not_sent(store, outbox_id, receipt.not_sent)
        return
    params = {"k_id": outbox_id, "k_sent_at": store.now(), "k_error": None}
    entry = (await store.execute(_SENT, params)).one()
    if entry.message_id is None:
        return
    state = {"k_id": entry.message_id, "k_state": DeliveryState.SENT.value, "k_error": None}
    if receipt.external_id is None:
        await store.execute(_MESSAGE_STATE, state)
    else:
        await store.execute(_MESSAGE_SENT_AS, {**state, "k_external_id": receipt.external_id})
    keys = [k for k in (receipt.external_id, *receipt.thread_keys) if k]
    for key in dict.fromkeys(keys):
        await store.execute(
            store.insert_ignoring_duplicates(thread_key_t).values(
                key=key, ticket_id=entry.ticket_id, message_id=entry.message_id
            )
        )


async def _not_sent(store: Store, outbox_id: int, reason: str) -> None:
    entry = (await store.execute(_NOT_SENT, {"k_id": outbox_id, "k_error": reason[:4000]})).one()
    if entry.message_id is None:
        return
    await store.execute(
        _MESSAGE_STATE,
        {
            "k_id": entry.message_id,
            "k_state": DeliveryState.NOT_SENT.value,
            "k_error": reason[:4000],
        },
    )
    await audit(
        store,
        int(entry.ticket_id),
        Actor.system(),
        AuditKind.DELIVERY_NOT_SENT,
        message_id=entry.message_id,
        reason=reason[:500],
    )


async def fail(
    store: Store, outbox_id: int, error: DeliveryError, max_attempts: int
) -> datetime | None:
    """Record a failed attempt; return when to retry, or None when the entry has failed for good."""
    entry = (
        (await store.execute(select(outbox_t).where(outbox_t.c.id == outbox_id))).mappings().one()
    )
    attempts = int(entry["attempts"])
    final = error.permanent or attempts >= max_attempts
    now = store.now()
    retry_at = None
    if final:
        status = OutboxStatus.FAILED
    else:
        status = OutboxStatus.PENDING
        delay = timedelta(seconds=error.retry_after) if error.retry_after else backoff(attempts)
        retry_at = now + delay
    await store.execute(
        update(outbox_t)
        .where(outbox_t.c.id == outbox_id)
        .values(
            status=status.value,
            last_error=str(error)[:4000],
            locked_until=None,
            locked_by=None,
            next_attempt_at=retry_at or entry["next_attempt_at"],
        )
    )
    if entry["message_id"] is not None:
        await store.execute(
            update(message_t)
            .where(message_t.c.id == entry["message_id"])
            .values(
                delivery_state=(DeliveryState.FAILED if final else DeliveryState.QUEUED).value,
                delivery_error=str(error)[:4000],
            )
        )
    # A dead webhook is the integrator's problem, shown in the delivery log, not the ticket's;
    # failed system mail has no ticket: its outbox row keeps the error.
    if final and entry["kind"] != "webhook" and entry["ticket_id"] is not None:
        ticket_id = int(entry["ticket_id"])
        await audit(
            store,
            ticket_id,
            Actor.system(),
            AuditKind.DELIVERY_FAILED,
            message_id=entry["message_id"],
            reason=str(error)[:500],
        )
        if entry["message_id"] is not None:
            store.record(
                events.DeliveryFailed(
                    ticket_id=ticket_id,
                    at=now,
                    message_id=int(entry["message_id"]),
                    permanent=True,
                    reason=str(error)[:500],
                )
            )
    return retry_at


async def due(store: Store, horizon: datetime, limit: int = 500) -> list[Due]:
    """Entries that need a wake-up by `horizon`: pending ones and expired leases."""
    rows = await store.execute(
        select(
            outbox_t.c.id, outbox_t.c.next_attempt_at, outbox_t.c.locked_until, outbox_t.c.status
        )
        .where(
            or_(
                and_(
                    outbox_t.c.status == OutboxStatus.PENDING.value,
                    outbox_t.c.next_attempt_at <= horizon,
                ),
                and_(
                    outbox_t.c.status == OutboxStatus.SENDING.value,
                    outbox_t.c.locked_until <= horizon,
                ),
            )
        )
        .order_by(outbox_t.c.next_attempt_at)
        .limit(limit)
    )
    result = []
    for row in rows:
        at = row.next_attempt_at if row.status == OutboxStatus.PENDING.value else row.locked_until
        result.append(Due(int(row.id), at))
    return result

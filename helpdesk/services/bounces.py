"""Delivery-status notifications: mark our message failed on its ticket; never open a ticket."""

from __future__ import annotations

from sqlalchemy import select, update

from helpdesk import events
from helpdesk.domain import Actor, AuditKind, AuthorKind, DeliveryState
from helpdesk.inbound import InboundMessage, IngestResult
from helpdesk.services._common import audit
from helpdesk.services._inbound import as_bytes, store_inbound_message
from helpdesk.services.quarantine import quarantine
from helpdesk.store import Store
from helpdesk.tables import message_t, thread_key_t, ticket_t


async def ingest_bounce(
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
            raw=raw if raw is not None else as_bytes(message),
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
    message_id = await store_inbound_message(
        store, ticket_id, message, customer_id, raw_ref, author_kind=AuthorKind.SYSTEM
    )
    await audit(
        store,
        ticket_id,
        Actor.system(),
        AuditKind.DELIVERY_FAILED if permanent else AuditKind.DELIVERY_DELAYED,
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

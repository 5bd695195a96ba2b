"""Outgoing webhooks: subscriptions per event type, fanned out into the outbox.

`fan_out` runs just before a unit of work commits (`Stores.before_commit`): for each event the
transaction recorded and each subscription that wants it, one outbox entry of kind "webhook"
is written in the same transaction, so an event that happened is delivered at least once and
one that was rolled back never is. The outbox's job delivers it through the "webhook" sender
with retries and backoff; an entry that runs out of attempts is a dead letter until replayed.
Bodies carry ids, never personal data: integrators read details through the API.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import bindparam, insert, select, update

from helpdesk import events
from helpdesk.crypto import SecretBox
from helpdesk.domain import OutboxStatus
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.privacy_tables import webhook_attempt_t, webhook_subscription_t
from helpdesk.services.outbox import enqueue
from helpdesk.store import Store
from helpdesk.tables import outbox_t, ticket_t

KIND = "webhook"
CHANNEL = "webhook"
EVENT_TYPES = ("ticket.created", "ticket.updated", "message.added", "csat.rated")


@dataclass(frozen=True, slots=True)
class Created:
    subscription_id: int
    secret: str  # shown once; only its encryption is stored


def _event_type(event: events.Event) -> tuple[str, dict[str, Any]] | None:
    if isinstance(event, events.TicketCreated):
        return "ticket.created", {"channel": event.channel, "follow_up_of": event.follow_up_of}
    if isinstance(event, events.StatusChanged):
        return "ticket.updated", {"fields": ["status"], "old": event.old, "new": event.new}
    if isinstance(event, events.TicketUpdated):
        return "ticket.updated", {"fields": list(event.fields)}
    if isinstance(event, events.TicketMerged):
        return "ticket.updated", {"fields": ["merged_into"], "into": event.into_ticket_id}
    if isinstance(event, events.MessageSplit):
        return "ticket.updated", {
            "fields": ["messages"], "message_id": event.message_id, "split_to": event.new_ticket_id,
        }  # fmt: skip
    if isinstance(event, events.MessageAdded):
        return "message.added", {
            "message_id": event.message_id,
            "direction": event.direction,
            "author_kind": event.author_kind,
            "machine": event.machine,
        }
    if isinstance(event, events.SurveyRated):
        return "csat.rated", {
            "survey_id": event.survey_id,
            "rating": event.rating,
            "bad": event.bad,
        }
    return None


def _sendable(url: str) -> bool:
    """Whether the sender could ever POST to `url`, parsed as the sender's HTTP client parses
    it: a host IDNA cannot encode, a broken IPv6 bracket or a port beyond 65535 would otherwise
    be stored and then fail every delivery."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return False
    port_ok = parsed.port is None or 0 < parsed.port < 65536
    return parsed.scheme in ("http", "https") and bool(parsed.host) and port_ok


async def create_subscription(
    store: Store, box: SecretBox, url: str, event_types: Sequence[str], description: str = ""
) -> Created:
    """Subscribe `url` to `event_types`; returns the signing secret (shown only now)."""
    errors: dict[str, str] = {}
    if not _sendable(url):
        errors["url"] = "must be an http(s) URL"
    wanted = list(dict.fromkeys(event_types))
    unknown = [e for e in wanted if e not in EVENT_TYPES]
    if not wanted or unknown:
        errors["events"] = f"choose from {', '.join(EVENT_TYPES)}"
    if errors:
        raise ValidationFailed(errors)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription_id = (
        await store.execute(
            insert(webhook_subscription_t)
            .values(
                url=url,
                events=wanted,
                secret_encrypted=box.encrypt(secret),
                description=description[:200],
                active=True,
                created_at=store.now(),
            )
            .returning(webhook_subscription_t.c.id)
        )
    ).scalar_one()
    return Created(int(subscription_id), secret)


async def deactivate_subscription(store: Store, subscription_id: int) -> None:
    """Stop fanning out to a subscription; pending deliveries to it fail as undeliverable."""
    done = await store.execute(
        update(webhook_subscription_t)
        .where(webhook_subscription_t.c.id == subscription_id)
        .values(active=False)
    )
    if not getattr(done, "rowcount", 0):
        raise NotFound(f"webhook subscription {subscription_id} does not exist")


# Built once: every change that records an event runs these before its commit.
_ACTIVE_SUBSCRIPTIONS = select(webhook_subscription_t.c.id, webhook_subscription_t.c.events).where(
    webhook_subscription_t.c.active.is_(True)
)
_NUMBERS = select(ticket_t.c.id, ticket_t.c.number).where(
    ticket_t.c.id.in_(bindparam("k_ids", expanding=True))
)


async def fan_out(store: Store) -> None:
    """Before commit: one outbox entry per (recorded event, subscription wanting its type)."""
    found = [(e, t) for e in list(store.events) if (t := _event_type(e)) is not None]
    if not found:
        return
    subs = (await store.execute(_ACTIVE_SUBSCRIPTIONS)).all()
    if not subs:
        return
    rows = await store.execute(_NUMBERS, {"k_ids": sorted({e.ticket_id for e, _ in found})})
    numbers: dict[int, int] = {int(r.id): int(r.number) for r in rows}
    for event, (event_type, data) in found:
        for sub in subs:
            if event_type not in sub.events:
                continue
            event_id = uuid.uuid4().hex
            body = {
                "id": event_id,
                "type": event_type,
                "occurred_at": event.at.isoformat(),
                "ticket": {"id": event.ticket_id, "number": numbers.get(event.ticket_id)},
                "data": data,
            }
            await enqueue(
                store,
                event.ticket_id,
                kind=KIND,
                channel=CHANNEL,
                message_id=None,
                payload={
                    "subscription_id": int(sub.id),
                    "event": event_type,
                    "event_id": event_id,
                    # Kept as the exact bytes to sign, so every retry sends the same body.
                    "body": json.dumps(body, sort_keys=True, separators=(",", ":")),
                },
            )


async def queue_call(
    store: Store, ticket_id: int, subscription_id: int, event_type: str, data: dict[str, Any]
) -> int:
    """Queue one signed POST of `event_type` about a ticket to a subscription, whatever event
    types it subscribed to (an automation calls it by name); delivered, retried and logged
    like every webhook. NotFound when the subscription is gone or inactive."""
    active = (
        await store.execute(
            select(webhook_subscription_t.c.active).where(
                webhook_subscription_t.c.id == subscription_id
            )
        )
    ).scalar_one_or_none()
    if not active:
        raise NotFound(f"webhook subscription {subscription_id} does not exist or is inactive")
    number = (
        await store.execute(select(ticket_t.c.number).where(ticket_t.c.id == ticket_id))
    ).scalar_one()
    event_id = uuid.uuid4().hex
    body = {
        "id": event_id,
        "type": event_type,
        "occurred_at": store.now().isoformat(),
        "ticket": {"id": ticket_id, "number": int(number)},
        "data": data,
    }
    return await enqueue(
        store,
        ticket_id,
        kind=KIND,
        channel=CHANNEL,
        message_id=None,
        payload={
            "subscription_id": subscription_id,
            "event": event_type,
            "event_id": event_id,
            "body": json.dumps(body, sort_keys=True, separators=(",", ":")),
        },
    )


async def subscription_target(
    store: Store, box: SecretBox, subscription_id: int
) -> tuple[str, str]:
    """(url, secret) of an active subscription; NotFound once it was removed."""
    row = (
        await store.execute(
            select(
                webhook_subscription_t.c.url,
                webhook_subscription_t.c.secret_encrypted,
                webhook_subscription_t.c.active,
            ).where(webhook_subscription_t.c.id == subscription_id)
        )
    ).first()
    if row is None or not row.active:
        raise NotFound(f"webhook subscription {subscription_id} is gone")
    return str(row.url), box.decrypt(row.secret_encrypted)


async def log_attempt(
    store: Store,
    outbox_id: int,
    *,
    subscription_id: int | None,
    event_id: str,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
) -> None:
    """Write one line of the delivery log."""
    await store.execute(
        insert(webhook_attempt_t).values(
            outbox_id=outbox_id,
            subscription_id=subscription_id,
            event_id=event_id,
            at=store.now(),
            status_code=status_code,
            error=error[:2000] if error else None,
            duration_ms=duration_ms,
        )
    )


async def replay(store: Store, outbox_id: int) -> None:
    """Queue a finished delivery (a dead letter, or a sent one the receiver lost) again, with
    the same event id and body, and a fresh set of attempts."""
    row = (
        await store.execute(
            select(outbox_t.c.kind, outbox_t.c.status, outbox_t.c.ticket_id).where(
                outbox_t.c.id == outbox_id
            )
        )
    ).first()
    if row is None or row.kind != KIND:
        raise NotFound(f"no webhook delivery {outbox_id}")
    if row.status not in (OutboxStatus.FAILED.value, OutboxStatus.SENT.value):
        raise Conflict(f"delivery {outbox_id} is still {row.status}")
    now = store.now()
    await store.execute(
        update(outbox_t)
        .where(outbox_t.c.id == outbox_id)
        .values(
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            locked_until=None,
            last_error=None,
            sent_at=None,
        )
    )
    store.record(
        events.OutboxQueued(
            ticket_id=int(row.ticket_id), at=now, outbox_id=outbox_id, deliver_at=now
        )
    )

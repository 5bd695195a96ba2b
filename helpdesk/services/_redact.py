"""Removing personal content from tickets: shared by erasure (one customer) and retention
(old closed tickets). Ticket rows, their numbers, statuses and times stay, so counts and SLA
figures are unchanged; texts, HTML, raw input, attachments and thread keys go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, case, cast, delete, literal, select, update

from helpdesk.domain import OutboxStatus
from helpdesk.privacy_tables import redaction_t
from helpdesk.store import Store
from helpdesk.tables import (
    attachment_t,
    audit_t,
    message_t,
    outbox_t,
    survey_t,
    thread_key_t,
    ticket_t,
)

PLACEHOLDER = "[erased]"
WEBHOOK_KIND = "webhook"  # webhook payloads carry ids only, never personal data


@dataclass
class Redacted:
    """What a redaction changed, and the blobs that may now be unreferenced."""

    counts: dict[str, int] = field(default_factory=dict)
    blobs: set[str] = field(default_factory=set)

    def add(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


class Scrubber:
    """Replaces every occurrence of the given terms (any case) in strings and JSON values."""

    def __init__(self, terms: Iterable[str]) -> None:
        words = sorted({t.strip() for t in terms if len(t.strip()) >= 3}, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
        )

    def text(self, value: str | None) -> str | None:
        if value is None or self._pattern is None:
            return value
        return self._pattern.sub(PLACEHOLDER, value)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value


async def secure_delete(store: Store) -> None:
    """SQLite: zero freed cells and pages in this transaction, so erased text is not left in
    free space of the database file (a WAL checkpoint after commit clears the log)."""
    if store.dialect == "sqlite":
        await store.conn.exec_driver_sql("PRAGMA secure_delete=ON")


async def redact_messages(
    store: Store, message_ids: Sequence[int], result: Redacted, *, delete_rows: bool = False
) -> None:
    """Remove the content of these messages: texts, HTML, raw input, attachments, keys."""
    if not message_ids:
        return
    ids = list(message_ids)
    shas = await store.execute(
        select(attachment_t.c.sha256).where(attachment_t.c.message_id.in_(ids))
    )
    result.blobs.update(shas.scalars())
    raws = await store.execute(
        select(message_t.c.raw_ref).where(message_t.c.id.in_(ids), message_t.c.raw_ref.is_not(None))
    )
    result.blobs.update(raws.scalars())
    gone = await store.execute(delete(attachment_t).where(attachment_t.c.message_id.in_(ids)))
    result.add("attachments", getattr(gone, "rowcount", 0) or 0)
    await store.execute(delete(thread_key_t).where(thread_key_t.c.message_id.in_(ids)))
    if delete_rows:
        await store.execute(delete(outbox_t).where(outbox_t.c.message_id.in_(ids)))
        gone = await store.execute(delete(message_t).where(message_t.c.id.in_(ids)))
        result.add("messages_deleted", getattr(gone, "rowcount", 0) or 0)
        return
    changed = await store.execute(
        update(message_t)
        .where(message_t.c.id.in_(ids))
        .values(
            subject="",
            text=PLACEHOLDER,
            full_text=PLACEHOLDER,
            html=None,
            references=[],
            meta={},
            raw_ref=None,
            delivery_error=None,
            # A later copy of the same mail or chat message must not be taken for this one.
            external_id=case(
                (message_t.c.external_id.is_(None), None),
                else_=literal("erased:").concat(cast(message_t.c.id, String)),
            ),
        )
    )
    result.add("messages", getattr(changed, "rowcount", 0) or 0)


async def redact_tickets(
    store: Store,
    ticket_ids: Sequence[int],
    scrub: Scrubber,
    result: Redacted,
    *,
    reason: str,
    action: str = "anonymise",
) -> None:
    """Remove the personal content of whole tickets, keeping the tickets and their figures."""
    if not ticket_ids:
        return
    ids = list(ticket_ids)
    message_ids = list(
        (await store.execute(select(message_t.c.id).where(message_t.c.ticket_id.in_(ids))))
        .scalars()
        .all()
    )
    await redact_messages(store, message_ids, result, delete_rows=action == "delete")
    await store.execute(delete(thread_key_t).where(thread_key_t.c.ticket_id.in_(ids)))
    await store.execute(update(ticket_t).where(ticket_t.c.id.in_(ids)).values(subject=PLACEHOLDER))
    result.add("tickets", len(ids))
    # Nothing more goes out to a person whose data is gone; what went out keeps no content.
    await store.execute(
        update(outbox_t)
        .where(
            outbox_t.c.ticket_id.in_(ids),
            outbox_t.c.kind != WEBHOOK_KIND,
            outbox_t.c.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
        )
        .values(status=OutboxStatus.FAILED.value, locked_until=None)
    )
    await store.execute(
        update(outbox_t)
        .where(outbox_t.c.ticket_id.in_(ids), outbox_t.c.kind != WEBHOOK_KIND)
        .values(payload={}, last_error=None)
    )
    # CSAT ratings are figures and stay; what the customer wrote with them goes.
    comments = await store.execute(
        update(survey_t)
        .where(survey_t.c.ticket_id.in_(ids), survey_t.c.comment.is_not(None))
        .values(comment=None)
    )
    result.add("csat_comments", getattr(comments, "rowcount", 0) or 0)
    await scrub_audit(store, ids, scrub)
    now = store.now()
    for ticket_id in ids:
        await store.execute(
            store.upsert(
                redaction_t, index_elements=["ticket_id"], update=["at", "reason", "action"]
            ).values(ticket_id=ticket_id, at=now, reason=reason, action=action)
        )


async def scrub_audit(store: Store, ticket_ids: Sequence[int], scrub: Scrubber) -> None:
    """Scrub the terms out of the timeline entries of these tickets (reasons, addresses)."""
    rows = await store.execute(
        select(audit_t.c.id, audit_t.c.data).where(audit_t.c.ticket_id.in_(list(ticket_ids)))
    )
    for row in rows.all():
        cleaned = scrub.json(row.data)
        if cleaned != row.data:
            await store.execute(update(audit_t).where(audit_t.c.id == row.id).values(data=cleaned))


async def scrub_messages(store: Store, message_ids: Sequence[int], scrub: Scrubber) -> int:
    """Scrub the terms out of messages that stay (other people's tickets that mention them)."""
    if not message_ids:
        return 0
    rows = await store.execute(
        select(
            message_t.c.id,
            message_t.c.subject,
            message_t.c.text,
            message_t.c.full_text,
            message_t.c.html,
            message_t.c.meta,
        ).where(message_t.c.id.in_(list(message_ids)))
    )
    changed = 0
    for row in rows.all():
        values = {
            "subject": scrub.text(row.subject),
            "text": scrub.text(row.text),
            "full_text": scrub.text(row.full_text),
            "html": scrub.text(row.html),
            "meta": scrub.json(row.meta),
        }
        if values != {k: row._mapping[k] for k in values}:
            changed += 1
            await store.execute(update(message_t).where(message_t.c.id == row.id).values(**values))
    return changed


async def unreferenced(store: Store, shas: Iterable[str]) -> list[str]:
    """Of these blob addresses, the ones no attachment and no raw message refers to any more."""
    wanted = sorted(set(shas))
    if not wanted:
        return []
    used = set(
        (
            await store.execute(
                select(attachment_t.c.sha256).where(attachment_t.c.sha256.in_(wanted))
            )
        )
        .scalars()
        .all()
    )
    used.update(
        (await store.execute(select(message_t.c.raw_ref).where(message_t.c.raw_ref.in_(wanted))))
        .scalars()
        .all()
    )
    return [sha for sha in wanted if sha not in used]

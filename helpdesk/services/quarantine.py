"""The quarantine: input that could not be processed, kept whole instead of dropped."""

from __future__ import annotations

import logging

from sqlalchemy import insert, update

from helpdesk.errors import NotFound
from helpdesk.store import Store
from helpdesk.tables import quarantine_t

log = logging.getLogger(__name__)


async def quarantine(
    store: Store, *, channel: str, source: str | None, reason: str, raw: bytes
) -> int:
    """Keep `raw` with the reason it could not be processed; return the quarantine entry id."""
    entry_id = (
        await store.execute(
            insert(quarantine_t)
            .values(
                channel=channel,
                source=source,
                reason=reason[:4000],
                raw=raw,
                size=len(raw),
                created_at=store.now(),
            )
            .returning(quarantine_t.c.id)
        )
    ).scalar_one()
    log.warning("quarantined %s input from %s as #%s: %s", channel, source, entry_id, reason)
    return int(entry_id)


async def resolve_quarantine(store: Store, entry_id: int) -> None:
    """Mark an entry handled (re-imported or judged worthless); the raw bytes stay."""
    result = await store.execute(
        update(quarantine_t)
        .where(quarantine_t.c.id == entry_id, quarantine_t.c.resolved_at.is_(None))
        .values(resolved_at=store.now())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no open quarantine entry {entry_id}")

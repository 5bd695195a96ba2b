"""The central audit trail as tests read it: configuration entries (no ticket) of some kinds,
oldest first, each as (kind, actor's user id, data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from helpdesk.domain import AuditKind
from helpdesk.runtime import Runtime
from helpdesk.tables import audit_t


async def config_trail(runtime: Runtime, *kinds: AuditKind) -> list[tuple[str, int | None, Any]]:
    async with runtime.stores.read() as store:
        rows = await store.execute(
            select(audit_t.c.kind, audit_t.c.actor_user_id, audit_t.c.data)
            .where(audit_t.c.ticket_id.is_(None), audit_t.c.kind.in_([k.value for k in kinds]))
            .order_by(audit_t.c.id)
        )
        return [(r.kind, r.actor_user_id, dict(r.data)) for r in rows]

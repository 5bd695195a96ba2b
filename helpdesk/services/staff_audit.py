"""The audit log of staff-facing changes that belong to no ticket: accounts (invitations,
password resets) and configuration (mailboxes, bots). Written in the changing transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from helpdesk.account_tables import staff_audit_t
from helpdesk.store import Store


async def record(
    store: Store, actor_user_id: int | None, action: str, target: str = "", /, **data: Any
) -> None:
    """Write one entry: who (None for the system or a signed-out visitor), what, on what."""
    await store.execute(
        insert(staff_audit_t).values(
            at=store.now(),
            actor_user_id=actor_user_id,
            action=action[:50],
            target=target[:200],
            data=data,
        )
    )


async def entries(store: Store, *, target: str | None = None, limit: int = 100) -> list[Any]:
    """The latest entries, newest first (optionally about one target)."""
    query = select(staff_audit_t).order_by(staff_audit_t.c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(staff_audit_t.c.target == target)
    return list((await store.execute(query)).mappings())

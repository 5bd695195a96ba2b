"""Reads of the configuration change log, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from helpdesk.config_log_tables import config_change_t
from helpdesk.store import Store
from helpdesk.tables import user_t


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    user: str | None  # the user's name, None for the system
    area: str
    action: str
    subject: str
    data: dict[str, Any]


async def recent_changes(store: Store, area: str | None = None, limit: int = 20) -> list[Change]:
    stmt = (
        select(config_change_t, user_t.c.name.label("user_name"))
        .outerjoin(user_t, user_t.c.id == config_change_t.c.user_id)
        .order_by(config_change_t.c.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if area is not None:
        stmt = stmt.where(config_change_t.c.area == area)
    rows = (await store.execute(stmt)).mappings()
    return [
        Change(r["at"], r["user_name"], r["area"], r["action"], r["subject"], dict(r["data"]))
        for r in rows
    ]

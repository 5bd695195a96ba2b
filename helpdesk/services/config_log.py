"""Log a configuration change (`config_change`) in the caller's unit of work, so the change
and its log row commit together or not at all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from helpdesk.config_log_tables import config_change_t
from helpdesk.store import Store

_INSERT = insert(config_change_t)


async def record_change(
    store: Store,
    user_id: int | None,
    area: str,
    action: str,
    subject: str,
    data: dict[str, Any] | None = None,
) -> None:
    await store.execute(
        _INSERT,
        {
            "at": store.now(),
            "user_id": user_id,
            "area": area,
            "action": action,
            "subject": subject[:200],
            "data": data or {},
        },
    )

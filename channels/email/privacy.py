"""The email channel's part in exporting and erasing personal data: the auto-reply throttle
remembers addresses. (Raw messages are core blobs; quarantine is a core table.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from channels.email.tables import throttle_t
from helpdesk.ports import PersonalDataScope
from helpdesk.services import Store


def _emails(scope: PersonalDataScope) -> list[str]:
    return [address for kind, address in scope.identities if kind == "email"]


class EmailPersonalData:
    name = "email"

    async def export(self, store: Store, scope: PersonalDataScope) -> dict[str, Any]:
        rows = await store.execute(
            select(throttle_t).where(throttle_t.c.address.in_(_emails(scope)))
        )
        return {"auto_reply_throttle": [dict(r) for r in rows.mappings()]}

    async def erase(self, store: Store, scope: PersonalDataScope) -> int:
        gone = await store.execute(
            delete(throttle_t).where(throttle_t.c.address.in_(_emails(scope)))
        )
        return getattr(gone, "rowcount", 0) or 0

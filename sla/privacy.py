"""The SLA engine's part in erasing personal data: notification texts quote ticket subjects.
Clocks, targets and escalations hold no personal data and stay, so SLA figures are unchanged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from helpdesk.ports import PersonalDataScope
from helpdesk.services.privacy import Scrubber
from helpdesk.store import Store
from sla.tables import notification_t


class SlaPersonalData:
    name = "sla"

    async def export(self, store: Store, scope: PersonalDataScope) -> dict[str, Any]:
        return {}  # notifications are addressed to staff, not about the customer

    async def erase(self, store: Store, scope: PersonalDataScope) -> int:
        scrub = Scrubber(scope.terms)
        rows = await store.execute(
            select(notification_t.c.id, notification_t.c.text).where(
                notification_t.c.ticket_id.in_(scope.ticket_ids)
            )
        )
        changed = 0
        for row in rows.all():
            text = scrub.text(row.text)
            if text != row.text:
                changed += 1
                await store.execute(
                    update(notification_t).where(notification_t.c.id == row.id).values(text=text)
                )
        return changed

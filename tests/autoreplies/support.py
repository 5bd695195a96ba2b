"""A business-hours SLA policy and readers of what the acknowledgement recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from helpdesk.answer_tables import auto_reply_t
from helpdesk.runtime import Runtime
from helpdesk.tables import audit_t, outbox_t
from sla import admin
from sla.schemas import CalendarIn, PolicyIn

OFFICE = [("09:00", "18:00")]


async def office_hours_policy(rt: Runtime, first_reply_hours: int = 4) -> None:
    """Istanbul office hours Monday to Friday 09:00-18:00; first reply within 4 business hours."""
    async with rt.stores() as store:
        calendar_id = await admin.save_calendar(
            store,
            CalendarIn(
                name="Istanbul office",
                tz="Europe/Istanbul",
                weekly={str(d): OFFICE for d in range(5)},
            ),
        )
        await admin.save_policy(
            store,
            PolicyIn.model_validate(
                {
                    "name": "standard",
                    "calendar_id": calendar_id,
                    "targets": {
                        "first_reply": {
                            p: f"{first_reply_hours}h" for p in ("low", "normal", "high", "urgent")
                        }
                    },
                }
            ),
        )


async def auto_replies(rt: Runtime) -> list[dict[str, Any]]:
    async with rt.stores() as store:
        rows = await store.execute(select(auto_reply_t).order_by(auto_reply_t.c.id))
        return [dict(r) for r in rows.mappings()]


async def auto_reply_outbox(rt: Runtime) -> list[dict[str, Any]]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(outbox_t).where(outbox_t.c.kind == "auto_reply").order_by(outbox_t.c.id)
        )
        return [dict(r) for r in rows.mappings()]


async def timeline(rt: Runtime, ticket_id: int) -> list[dict[str, Any]]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(audit_t).where(audit_t.c.ticket_id == ticket_id).order_by(audit_t.c.id)
        )
        return [dict(r) for r in rows.mappings()]

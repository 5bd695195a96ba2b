"""The web-form channel's part in exporting and erasing personal data: the submission log
(sender address and client IP)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update

from channels.web_form.tables import web_form_submission_t as submission_t
from helpdesk.ports import PersonalDataScope
from helpdesk.services import Store


def _where(scope: PersonalDataScope) -> Any:
    emails = [address for kind, address in scope.identities if kind == "email"]
    return or_(submission_t.c.ticket_id.in_(scope.ticket_ids), submission_t.c.email.in_(emails))


class WebFormPersonalData:
    name = "web_form"

    async def export(self, store: Store, scope: PersonalDataScope) -> dict[str, Any]:
        rows = await store.execute(select(submission_t).where(_where(scope)))
        return {"submissions": [dict(r) for r in rows.mappings()]}

    async def erase(self, store: Store, scope: PersonalDataScope) -> int:
        # The row stays (the submission id keeps a resubmission idempotent); who sent it goes.
        done = await store.execute(
            update(submission_t).where(_where(scope)).values(email="", client_ip="")
        )
        return getattr(done, "rowcount", 0) or 0

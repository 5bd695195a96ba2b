"""How the email component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from channels.email import tables
from channels.email.admin_api import routes as admin_routes
from channels.email.cli import register as register_cli
from channels.email.jobs import SUPERVISE_EVERY, Pollers
from channels.email.outbound import EmailSender
from channels.email.privacy import EmailPersonalData
from helpdesk.runtime import Component, Job, Parts, Periodic, Runtime, Sender


def _parts(rt: Runtime) -> Parts:
    """The sender (also for tickets of channels with no sender of their own: a phone call or a
    web form is answered by email), the poller supervisor job and the mailbox health section."""
    pollers = Pollers()

    async def email_pollers(runtime: Runtime) -> int:
        return await pollers.supervise(runtime)

    return Parts(
        jobs=[Job("email_pollers", email_pollers)],
        periodic=[Periodic("email_pollers", SUPERVISE_EVERY)],
        senders=[Sender("email", EmailSender(rt), reaches="email", for_other_channels=True)],
        health=[_health],
        closers=[pollers.close],
        personal_data=[EmailPersonalData()],
    )


async def _health(rt: Runtime) -> tuple[str, dict[str, Any]]:
    t = tables.mailbox_t
    async with rt.stores() as store:
        rows = await store.execute(
            select(t.c.name, t.c.status, t.c.last_error, t.c.last_error_at, t.c.last_success_at)
            .where(t.c.active.is_(True))
            .order_by(t.c.id)
        )
        items = [dict(row._mapping) for row in rows]
    for item in items:
        for key in ("last_error_at", "last_success_at"):
            item[key] = item[key].isoformat() if item[key] else None
    return "mailboxes", {"ok": all(i["status"] != "error" for i in items), "items": items}


COMPONENT = Component(name="email", parts=_parts, routes=admin_routes, cli=register_cli)

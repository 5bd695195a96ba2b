"""Every staff view of a customer's data in the inbox is in the access log, like the API's:
the ticket page, an attachment, the original email; a refused view and a list are not."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpdesk import services
from helpdesk.privacy import flush_access
from helpdesk.privacy_tables import access_log_t
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import attachment_t, message_t, ticket_t
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, customer_writes, sign_in


async def test_opening_a_ticket_page_writes_an_access_log_entry(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    tech = directory.tickets["tech"]
    html = await customer_writes(runtime, "html-1", "olga@example.com", "Olga", "Styled",
                                 "Hello", html="<p>Hello <b>there</b></p>")  # fmt: skip
    async with runtime.stores() as store:
        await services.update_ticket(
            store, html, Actor.system(), TicketChanges(team_id=directory.teams["Tech"])
        )
        attachment = (
            await store.execute(
                select(attachment_t.c.id)
                .join(message_t, message_t.c.id == attachment_t.c.message_id)
                .where(message_t.c.ticket_id == tech)
            )
        ).scalar_one()
        customer = (
            await store.execute(select(ticket_t.c.requester_id).where(ticket_t.c.id == tech))
        ).scalar_one()
    async with clients() as tom, clients() as ayse:
        await sign_in(tom, "tom@example.test")
        await sign_in(ayse, "ayse@example.test")
        assert (await tom.get("/inbox?view=all")).status_code == 403
        assert (await tom.get(f"/inbox?view=team-{directory.teams['Tech']}")).status_code == 200
        page = await tom.get(f"/inbox/tickets/{tech}")
        assert page.status_code == 200
        assert (await tom.get(f"/inbox/attachments/{attachment}")).status_code == 200
        styled = await tom.get(f"/inbox/tickets/{html}")
        original = re.search(r"/inbox/messages/(\d+)/original", styled.text)
        assert original
        assert (await tom.get(original.group(0))).status_code == 200
        # Refused: nothing was seen, nothing is logged.
        assert (await ayse.get(f"/inbox/tickets/{tech}")).status_code == 403
    await flush_access(runtime)
    async with runtime.stores() as store:
        rows = (
            await store.execute(
                select(access_log_t.c.user_id, access_log_t.c.via, access_log_t.c.action,
                       access_log_t.c.customer_id, access_log_t.c.ticket_id,
                       access_log_t.c.attachment_id).order_by(access_log_t.c.id)
            )
        ).all()  # fmt: skip
    tom_id = directory.users["tom"]
    assert [tuple(r) for r in rows] == [
        (tom_id, "inbox", "ticket.view", customer, tech, None),
        (tom_id, "inbox", "attachment.read", customer, tech, attachment),
        (tom_id, "inbox", "ticket.view", customer, html, None),
        (tom_id, "inbox", "ticket.view", customer, html, None),
    ]

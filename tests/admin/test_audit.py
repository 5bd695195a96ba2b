"""The audit log: newest first, filters, keyset pages, bad filters refused per field."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpdesk.domain import Actor
from helpdesk.runtime import Runtime
from helpdesk.services import staff
from helpdesk.tables import ticket_t
from tests.admin.conftest import ADMIN_EMAIL
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in


async def test_the_audit_log_filters_and_pages_newest_first(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    ada = Actor.user(admin.users["ada"])
    async with runtime.stores() as store:
        for n in range(60):
            await staff.add_team(store, ada, name=f"Team {n:02}")
        found = await store.execute(
            select(ticket_t.c.number).where(ticket_t.c.id == admin.tickets["support"])
        )
        number = int(found.scalar_one())
    async with clients() as client:
        await sign_in(client, ADMIN_EMAIL)
        first = await client.get("/admin/audit")
        assert first.status_code == 200
        assert first.text.index("Team 59") < first.text.index("Team 58")  # newest first
        assert "Team 09" not in first.text
        older = re.search(r'href="(/admin/audit\?before=\d+)"', first.text)
        assert older is not None
        second = await client.get(older.group(1).replace("&amp;", "&"))
        assert "Team 09" in second.text and "Team 59" not in second.text
        mine = await client.get(
            "/admin/audit", params={"actor": admin.users["ada"], "kind": "team_created"}
        )
        assert mine.text.count("<td>team created</td>") == 50  # a page, all of them Ada's
        ticket = await client.get("/admin/audit", params={"ticket": str(number)})
        assert (
            "<td>ticket created</td>" in ticket.text and "<td>team created</td>" not in ticket.text
        )
        none = await client.get(
            "/admin/audit", params={"since": "2001-01-01", "until": "2001-01-02"}
        )
        assert none.status_code == 200 and "No entries match." in none.text
        bad = await client.get(
            "/admin/audit",
            params={"actor": "x", "kind": "nope", "ticket": "99999", "since": "yesterday"},
        )
        assert bad.status_code == 422
        for field in ("actor", "kind", "ticket", "since"):
            assert f'id="err-{field}"' in bad.text, field
        backwards = await client.get(
            "/admin/audit", params={"since": "2026-02-02", "until": "2026-02-01"}
        )
        assert backwards.status_code == 422 and 'id="err-until"' in backwards.text


async def test_only_admins_read_the_audit_log(admin: Directory, clients: ClientFactory) -> None:
    async with clients() as sam, clients() as ayse, clients() as nobody:
        await sign_in(sam, "sam@example.test")
        await sign_in(ayse, "ayse@example.test")
        assert (await sam.get("/admin/audit")).status_code == 403
        assert (await ayse.get("/admin/audit")).status_code == 403
        assert (await nobody.get("/admin/audit")).status_code == 303

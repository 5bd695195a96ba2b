"""The audit log: newest first, filters, keyset pages, bad filters refused per field."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from helpdesk.domain import Actor
from helpdesk.runtime import Runtime
from helpdesk.services import staff
from helpdesk.tables import ticket_t
from tests.admin.conftest import ADMIN_EMAIL
from tests.admin.test_mailboxes import _form as mailbox_form
from tests.admin.test_rules import _create as create_rule
from tests.admin.test_sla_pages import OFFICE
from tests.admin.test_sla_pages import _save as save_sla
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer


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
        assert mine.text.count("<td>Team created</td>") == 50  # a page, all of them Ada's
        ticket = await client.get("/admin/audit", params={"ticket": str(number)})
        assert (
            "<td>Ticket created</td>" in ticket.text and "<td>Team created</td>" not in ticket.text
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


async def test_engine_channel_and_sla_changes_all_land_in_the_one_audit_log(
    admin: Directory,
    clients: ClientFactory,
    runtime: Runtime,
    mailbox: MailUser,
    smtp_server_factory: Callable[..., SmtpServer],
) -> None:
    smtp = smtp_server_factory(users={"agent": "smtp-secret"})
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        assert (await create_rule(ada, csrf)).status_code == 303
        added = await ada.post("/admin/mailboxes", data=mailbox_form(mailbox, smtp, csrf))
        assert added.status_code == 303
        await save_sla(ada, "/admin/calendars/new", csrf, OFFICE)

        log = await ada.get("/admin/audit")
        assert log.status_code == 200
        rows = re.findall(r"<tr>(.*?)</tr>", log.text, re.S)
        whats = {
            what: row
            for row in rows
            for what in ("Routing rule changed", "Mailbox changed", "SLA calendar changed")
            if f"<td>{what}</td>" in row
        }
        assert set(whats) == {"Routing rule changed", "Mailbox changed", "SLA calendar changed"}
        for row in whats.values():
            assert "Ada Admin" in row
        assert "item: Printers are hardware" in whats["Routing rule changed"]
        assert "item: support" in whats["Mailbox changed"]
        assert "item: Office" in whats["SLA calendar changed"]
        assert "open tickets: 2" in whats["SLA calendar changed"]
        # Each of them can be picked in the "What" filter, which then shows only that kind.
        for kind in ("routing_rule_changed", "mailbox_changed", "sla_calendar_changed"):
            assert f'<option value="{kind}">' in log.text
        only = await ada.get("/admin/audit", params={"kind": "mailbox_changed"})
        assert "<td>Mailbox changed</td>" in only.text
        assert "<td>Routing rule changed</td>" not in only.text


def test_every_kind_of_entry_has_a_name_in_both_languages() -> None:
    from helpdesk.admin.audit_labels import KIND_LABELS
    from helpdesk.domain import AuditKind
    from helpdesk.inbox.i18n import translations

    assert {k.value for k in AuditKind} == set(KIND_LABELS)
    turkish = translations("tr")
    untranslated = [m for m in KIND_LABELS.values() if turkish.gettext(m) == m and m != "SLA"]
    assert untranslated == []
    assert turkish.gettext(KIND_LABELS["team_created"]) == "Ekip oluşturuldu"

"""The mailboxes admin page against real servers (Dovecot for IMAP, aiosmtpd with AUTH for
SMTP): add, edit (passwords write-only), the connection test's real outcome, per-field
errors, CSRF and role checks, and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from channels.email import queries
from helpdesk.domain import AuditKind
from helpdesk.runtime import Runtime
from tests.admin.conftest import ADMIN_EMAIL
from tests.admin.trail import config_trail
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, csrf_in, sign_in
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer


def _form(mailbox: MailUser, smtp: SmtpServer, csrf: str, **over: Any) -> dict[str, Any]:
    return {
        "csrf": csrf,
        "name": "support",
        "address": mailbox.address,
        "display_name": "ACME Support",
        "imap_host": mailbox.host,
        "imap_port": str(mailbox.port),
        "imap_tls": "none",
        "imap_user": mailbox.address,
        "imap_password": mailbox.password,
        "imap_folder": "INBOX",
        "after_import": "seen",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp.port),
        "smtp_tls": "none",
        "smtp_user": "agent",
        "smtp_password": "smtp-secret",
        "active": "on",
        **over,
    }


async def _test_connection(ada: httpx.AsyncClient, csrf: str) -> str:
    tested = await ada.post("/admin/mailboxes/support/test", data={"csrf": csrf})
    assert tested.status_code == 200
    return tested.text


async def test_an_admin_adds_edits_and_tests_a_mailbox(
    runtime: Runtime,
    admin: Directory,
    clients: ClientFactory,
    mailbox: MailUser,
    smtp_server_factory: Callable[..., SmtpServer],
) -> None:
    smtp = smtp_server_factory(users={"agent": "smtp-secret"})
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        assert 'href="/admin/mailboxes"' in (await ada.get("/admin")).text
        empty = await ada.get("/admin/mailboxes")
        assert empty.status_code == 200 and "No mailbox yet" in empty.text

        assert (
            await ada.post("/admin/mailboxes", data=_form(mailbox, smtp, ""))
        ).status_code == 403
        bad = await ada.post(
            "/admin/mailboxes",
            data=_form(mailbox, smtp, csrf, name="Not A Name", imap_port="99999", imap_host=""),
        )
        assert bad.status_code == 422
        assert 'id="e-name"' in bad.text and 'id="e-imap_port"' in bad.text
        assert 'id="e-imap_host"' in bad.text and 'id="e-address"' not in bad.text

        created = await ada.post("/admin/mailboxes", data=_form(mailbox, smtp, csrf))
        assert created.status_code == 303
        listed = await ada.get(created.headers["location"])
        assert mailbox.address in listed.text and "Mailbox support saved." in listed.text
        assert mailbox.password not in listed.text
        edit = await ada.get("/admin/mailboxes/support")
        assert edit.status_code == 200
        assert mailbox.password not in edit.text and "smtp-secret" not in edit.text
        async with runtime.stores() as store:
            row = await queries.mailbox_row(store, "support")
        assert row["imap_password"] and mailbox.password not in row["imap_password"]

        works = await _test_connection(ada, csrf)
        assert "IMAP: working" in works and "SMTP: working" in works

        # A wrong IMAP password: the real server's refusal is shown; SMTP still works.
        changed = await ada.post(
            "/admin/mailboxes/support",
            data=_form(mailbox, smtp, csrf, imap_password="not-the-password", smtp_password=""),
        )
        assert changed.status_code == 303
        broken = await _test_connection(ada, csrf)
        assert "IMAP: failed" in broken and "LoginError" in broken
        assert "SMTP: working" in broken  # the empty SMTP password kept the stored one

        wrong_smtp = await ada.post(
            "/admin/mailboxes/support",
            data=_form(mailbox, smtp, csrf, smtp_password="wrong-smtp"),
        )
        assert wrong_smtp.status_code == 303
        both = await _test_connection(ada, csrf)
        assert "IMAP: working" in both and "SMTP: failed" in both and "535" in both

    trail = await config_trail(runtime, AuditKind.MAILBOX_CHANGED, AuditKind.MAILBOX_TESTED)
    assert [(kind, data.get("action"), data["item"]) for kind, _, data in trail] == [
        ("mailbox_changed", "added", "support"),
        ("mailbox_tested", None, "support"),
        ("mailbox_changed", "updated", "support"),
        ("mailbox_tested", None, "support"),
        ("mailbox_changed", "updated", "support"),
        ("mailbox_tested", None, "support"),
    ]
    assert trail[0][1] == admin.users["ada"]
    assert trail[3][2] == {"item": "support", "imap_ok": False, "smtp_ok": True}


async def test_only_admins_open_the_mailboxes_page(
    admin: Directory, clients: ClientFactory
) -> None:
    async with clients() as sam, clients() as nobody, clients() as ada:
        await sign_in(sam, "sam@example.test")
        assert (await sam.get("/admin/mailboxes")).status_code == 403
        assert (await nobody.get("/admin/mailboxes")).status_code == 303
        await sign_in(ada, ADMIN_EMAIL)
        assert (await ada.get("/admin/mailboxes/nope")).status_code == 404
        page = await ada.get("/admin/mailboxes/new")
        assert page.status_code == 200 and csrf_in(page.text)


async def test_the_mail_admin_pages_speak_turkish(admin: Directory, clients: ClientFactory) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await ada.post(
            "/inbox/preferences", data={"csrf": csrf, "language": "tr", "timezone": "UTC"}
        )
        assert "<h1>Posta kutuları</h1>" in (await ada.get("/admin/mailboxes")).text
        assert "<h1>Telegram botları</h1>" in (await ada.get("/admin/bots")).text
        assert "<h1>Davetler</h1>" in (await ada.get("/admin/invitations")).text
        bad = await ada.post(
            "/admin/invitations", data={"csrf": csrf, "name": "", "email": "x", "role": "agent"}
        )
        assert bad.status_code == 422
        assert "bir e-posta adresi olmalı" in bad.text and "zorunlu" in bad.text

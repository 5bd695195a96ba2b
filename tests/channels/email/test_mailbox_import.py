"""`import_message`, the per-message boundary of the poller: whatever goes wrong with one
message, its raw bytes end up in a ticket or in the quarantine, and the transaction survives."""

from __future__ import annotations

from channels.email import queries
from channels.email import services as email_services
from channels.email.config import MailboxConfig
from helpdesk.crypto import SecretBox
from helpdesk.runtime import Runtime
from tests.channels.email._mailbox_support import (
    add_mailbox,
    email_rt,
    mail,
    quarantined,
    tickets,
)
from tests.support.dovecot import MailUser

__all__ = ["email_rt"]


async def _config(rt: Runtime, mailbox: MailUser) -> MailboxConfig:
    mailbox_id = await add_mailbox(rt, mailbox, None)
    async with rt.stores() as store:
        config = await queries.mailbox_config(store, SecretBox(rt.settings.secret_key), mailbox_id)
    assert config is not None
    return config


async def test_nul_characters_become_a_ticket_on_every_database(
    email_rt: Runtime, mailbox: MailUser
) -> None:
    """NUL characters survive parsing (IMAP servers usually replace them, but not all do) and
    PostgreSQL refuses them in text columns; the core replaces them, so the mail becomes the
    same ticket on both databases and the next message goes on normally."""
    rt = email_rt
    config = await _config(rt, mailbox)
    nul = mail(
        sender="a@customer.example",
        to=mailbox.address,
        subject="Binary junk",
        message_id="<nul@customer.example>",
        body="before\x00after",
    )
    fine = mail(
        sender="a@customer.example",
        to=mailbox.address,
        subject="Next one",
        message_id="<next@customer.example>",
        body="Fine.",
    )
    async with rt.stores() as store:
        own = await queries.own_addresses(store)
        first = await email_services.import_message(store, config, nul, own)
        second = await email_services.import_message(store, config, fine, own)
    assert (first.outcome, second.outcome) == ("ticket", "ticket")
    assert [t["subject"] for t in await tickets(rt)] == ["Binary junk", "Next one"]
    assert await quarantined(rt) == []


async def test_mail_without_a_sender_is_quarantined(email_rt: Runtime, mailbox: MailUser) -> None:
    rt = email_rt
    config = await _config(rt, mailbox)
    raw = b"To: x@example.test\r\nSubject: who?\r\nMessage-ID: <anon@x>\r\n\r\nNo From.\r\n"
    async with rt.stores() as store:
        result = await email_services.import_message(store, config, raw, frozenset())
    assert result.outcome == "quarantined"
    assert not await tickets(rt)
    assert (await quarantined(rt))[0]["raw"] == raw

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


async def test_a_message_the_database_refuses_is_quarantined_in_the_same_transaction(
    email_rt: Runtime, mailbox: MailUser
) -> None:
    """NUL characters survive parsing (IMAP servers usually replace them, but not all do);
    PostgreSQL refuses them in text columns. Either way nothing is lost, and the unit of work
    goes on to store the next message."""
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
    assert second.outcome == "ticket"
    subjects = [t["subject"] for t in await tickets(rt)]
    entries = await quarantined(rt)
    if rt.db.is_sqlite:
        assert first.outcome == "ticket" and subjects == ["Binary junk", "Next one"]
    else:
        assert first.outcome == "quarantined" and subjects == ["Next one"]
        assert entries[0]["raw"] == nul and "ingest failed" in entries[0]["reason"]


async def test_mail_without_a_sender_is_quarantined(email_rt: Runtime, mailbox: MailUser) -> None:
    rt = email_rt
    config = await _config(rt, mailbox)
    raw = b"To: x@example.test\r\nSubject: who?\r\nMessage-ID: <anon@x>\r\n\r\nNo From.\r\n"
    async with rt.stores() as store:
        result = await email_services.import_message(store, config, raw, frozenset())
    assert result.outcome == "quarantined"
    assert not await tickets(rt)
    assert (await quarantined(rt))[0]["raw"] == raw

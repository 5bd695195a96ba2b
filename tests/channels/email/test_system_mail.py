"""System mail (no ticket) through the outbox and the email sender, against a real SMTP sink:
sent only once the server accepted it, retried after a 4xx, failed after a 5xx, and "not
sent" when no mailbox exists at all."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from helpdesk.domain import OutboxStatus
from helpdesk.inbound import Identity
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services.system_mail import queue_system_mail
from helpdesk.tables import audit_t, outbox_t
from tests.channels.email._mailbox_support import add_mailbox, email_rt
from tests.fixtures_db import scheduler_of
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]

TO = Identity("email", "bora@example.test", "Bora Staff")


async def _queue(rt: Runtime) -> int:
    async with rt.stores() as store:
        outbox_id = await queue_system_mail(
            store,
            to=TO,
            subject="Reset your password",
            text="Open this link: https://helpdesk.example/reset/abc",
            language="en",
            purpose="password_reset",
        )
    await scheduler_of(rt).drain()
    return outbox_id


async def _entry(rt: Runtime, outbox_id: int) -> tuple[str, str | None, int]:
    async with rt.stores() as store:
        row = (await store.execute(select(outbox_t).where(outbox_t.c.id == outbox_id))).one()
    return row.status, row.last_error, row.attempts


async def test_system_mail_goes_out_through_the_first_mailbox_without_ticket_headers(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    await add_mailbox(email_rt, mailbox, smtp_sink)
    outbox_id = await _queue(email_rt)
    [mail] = smtp_sink.received
    assert mail.rcpt_tos == ("bora@example.test",)
    assert mail.message["Subject"] == "Reset your password"
    assert mail.message["From"].addresses[0].addr_spec == mailbox.address
    assert mail.message["X-Helpdesk-Ticket"] is None
    assert mail.message["Reply-To"] is None
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["Content-Language"] == "en"
    body = mail.message.get_body(("plain",))
    assert body is not None and "https://helpdesk.example/reset/abc" in body.get_content()
    status, error, _ = await _entry(email_rt, outbox_id)
    assert (status, error) == (OutboxStatus.SENT.value, None)


async def test_a_451_is_retried_and_a_550_fails_with_the_reason_kept(
    email_rt: Runtime,
    mailbox: MailUser,
    smtp_server_factory: Callable[..., SmtpServer],
    clock: FixedClock,
) -> None:
    smtp = smtp_server_factory()
    await add_mailbox(email_rt, mailbox, smtp)
    smtp.reject("bora@example.test", 451, times=1)
    outbox_id = await _queue(email_rt)
    status, error, _ = await _entry(email_rt, outbox_id)
    assert status == OutboxStatus.PENDING.value and "451" in (error or "")
    assert not smtp.received
    clock.advance(seconds=31)
    assert await email_rt.run_job("deliver_outbox", outbox_id) == "sent"
    assert len(smtp.received) == 1
    assert (await _entry(email_rt, outbox_id))[0] == OutboxStatus.SENT.value

    smtp.reject("bora@example.test", 550)
    failed = await _queue(email_rt)
    status, error, attempts = await _entry(email_rt, failed)
    assert status == OutboxStatus.FAILED.value and "550" in (error or "")
    assert attempts == 1
    assert len(smtp.received) == 1
    async with email_rt.stores() as store:
        # No ticket to write a timeline entry on: the outbox row is the record.
        assert (await store.execute(select(audit_t))).first() is None


async def test_without_any_mailbox_the_mail_is_recorded_as_not_sent(email_rt: Runtime) -> None:
    outbox_id = await _queue(email_rt)
    status, error, _ = await _entry(email_rt, outbox_id)
    assert status == OutboxStatus.NOT_SENT.value
    assert error == "no email channel is set up"

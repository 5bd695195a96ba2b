"""The email sender against a real aiosmtpd server: headers, MIME shape, TLS modes, errors
(550 fails the message, 451 is retried), notifications and automatic mail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from channels.base import Attachment, Identity, InboundMessage, Machine
from channels.email import services as email_services
from helpdesk import services
from helpdesk.domain import DeliveryState
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor
from helpdesk.services.outbox import load, queue_notification
from helpdesk.tables import outbox_t
from tests.channels.email._mailbox_support import add_mailbox, agent, email_rt, messages
from tests.fixtures_db import scheduler_of
from tests.support.certs import SelfSignedCert
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]


async def _ticket(rt: Runtime, channel: str = "email", source: str | None = "support") -> int:
    async with rt.stores() as store:
        result = await services.ingest(
            store,
            InboundMessage(
                channel=channel,
                external_id=f"<start-{channel}@customer.example>",
                sender=Identity("email", "alice@customer.example", "Alice"),
                subject="Broken invoice",
                text="My invoice is wrong.",
                source=source,
                received_at=store.now(),
            ),
        )
    assert result.ticket_id is not None
    return result.ticket_id


async def _reply(rt: Runtime, ticket_id: int, text: str = "Fixed.", **kw: object) -> int:
    user_id, _ = await agent(rt)
    async with rt.stores() as store:
        posted = await services.reply(store, ticket_id, Actor.user(user_id), text, **kw)  # type: ignore[arg-type]
    await scheduler_of(rt).drain()
    return posted.message_id


async def _state(rt: Runtime, message_id: int) -> tuple[str, str | None]:
    found = next(m for m in await messages(rt) if m["id"] == message_id)
    return found["delivery_state"], found["delivery_error"]


async def test_550_fails_the_message_and_451_is_retried(
    email_rt: Runtime,
    mailbox: MailUser,
    smtp_server_factory: Callable[..., SmtpServer],
    clock: FixedClock,
) -> None:
    rt = email_rt
    smtp = smtp_server_factory()
    await add_mailbox(rt, mailbox, smtp)
    ticket_id = await _ticket(rt)
    smtp.reject("alice@customer.example", 550)
    failed = await _reply(rt, ticket_id)
    state, error = await _state(rt, failed)
    assert state == DeliveryState.FAILED.value and "550" in (error or "")

    smtp.clear_failures()
    smtp.reject("alice@customer.example", 451, times=1)
    retried = await _reply(rt, ticket_id, "Second try.")
    state, error = await _state(rt, retried)
    assert state == DeliveryState.QUEUED.value and "451" in (error or "")
    assert not smtp.received
    clock.advance(seconds=31)
    outbox_id = await _outbox_of(rt, retried)
    assert await rt.run_job("deliver_outbox", outbox_id) == "sent"
    assert (await _state(rt, retried))[0] == DeliveryState.SENT.value
    assert len(smtp.received) == 1


async def _outbox_of(rt: Runtime, message_id: int) -> int:
    async with rt.stores() as store:
        return int(
            (
                await store.execute(
                    select(outbox_t.c.id).where(outbox_t.c.message_id == message_id)
                )
            ).scalar_one()
        )


async def test_a_resend_is_the_same_message(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    message_id = await _reply(rt, await _ticket(rt))
    outbox_id = await _outbox_of(rt, message_id)
    async with rt.stores() as store:
        outbound = await load(store, outbox_id)
    sender = rt.sender_for("email")
    again = await sender.send(outbound)  # as after a crash between send and commit
    got = smtp_sink.received
    assert len(got) == 2
    assert got[0].message["Message-ID"] == got[1].message["Message-ID"] == again.external_id


async def test_html_and_attachments_make_a_multipart_message(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    pdf = b"%PDF-1.4 fake invoice"
    await _reply(
        rt,
        await _ticket(rt),
        "See the attached invoice.",
        html="<p>See the <b>attached</b> invoice.</p>",
        attachments=[Attachment("invoice.pdf", "application/pdf", len(pdf), content=pdf)],
    )
    msg = smtp_sink.received[0].message
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(("html",))
    assert body is not None and "<b>attached</b>" in body.get_content()
    plain = msg.get_body(("plain",))
    assert plain is not None and "attached invoice" in plain.get_content()
    files = list(msg.iter_attachments())
    assert [(f.get_filename(), f.get_content()) for f in files] == [("invoice.pdf", pdf)]


async def test_notifications_carry_no_ticket_threading(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    ticket_id = await _ticket(rt)
    async with rt.stores() as store:
        await queue_notification(
            store,
            ticket_id,
            channel="email",
            to=[Identity("email", "boss@helpdesk.example", "Boss")],
            subject="Ticket breached its SLA",
            text="Please look.",
        )
    await scheduler_of(rt).drain()
    mail = smtp_sink.received[0]
    assert mail.rcpt_tos == ("boss@helpdesk.example",)
    msg = mail.message
    assert msg["Subject"] == "Ticket breached its SLA"
    assert msg["In-Reply-To"] is None and msg["References"] is None and msg["Reply-To"] is None
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Message-ID"]


async def test_tickets_of_other_channels_answer_through_the_first_mailbox(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    ticket_id = await _ticket(rt, channel="phone", source=None)
    message_id = await _reply(rt, ticket_id, "We called back; here in writing.")
    assert (await _state(rt, message_id))[0] == DeliveryState.SENT.value
    assert smtp_sink.received[0].rcpt_tos == ("alice@customer.example",)


async def test_automatic_replies_are_marked_throttled_and_never_answer_robots(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    ticket_id = await _ticket(rt)
    states = []
    for n in range(4):
        mid = await _reply(rt, ticket_id, f"Auto {n}", kind="auto_reply")
        states.append(await _state(rt, mid))
    assert [s for s, _ in states] == ["sent", "sent", "sent", "failed"]
    assert "throttled" in (states[3][1] or "")
    assert all(m.message["Auto-Submitted"] == "auto-replied" for m in smtp_sink.received)

    async with rt.stores() as store:
        await services.ingest(
            store,
            InboundMessage(
                channel="email",
                external_id="<ooo@customer.example>",
                sender=Identity("email", "bob@customer.example"),
                subject="Automatic reply",
                references=("<start-email@customer.example>",),
                machine=Machine.AUTO_REPLY,
                received_at=store.now(),
            ),
        )
    mid = await _reply(rt, ticket_id, "Auto again", kind="auto_reply")
    state, error = await _state(rt, mid)
    assert state == "failed" and "machine mail" in (error or "")
    assert len(smtp_sink.received) == 3


async def test_the_throttle_window_resets(email_rt: Runtime, clock: FixedClock) -> None:
    rt = email_rt
    async with rt.stores() as store:
        allowed = [await email_services.allow_auto_reply(store, "X@Example.test") for _ in range(4)]
    assert allowed == [True, True, True, False]
    clock.advance(hours=1, seconds=1)
    async with rt.stores() as store:
        assert await email_services.allow_auto_reply(store, "x@example.test")


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
async def test_tls_modes_with_login(
    email_rt: Runtime,
    mailbox: MailUser,
    smtp_server_factory: Callable[..., SmtpServer],
    tls_cert: SelfSignedCert,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    rt = email_rt
    # The sender verifies certificates against the system store; trust the test CA there.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_cert.cert_path))
    smtp = smtp_server_factory(
        tls=True,
        require_starttls=mode == "starttls",
        implicit_tls=mode == "implicit",
        users={"agent@example.test": "s3cret"},
    )
    await add_mailbox(
        rt, mailbox, smtp, smtp_tls=mode, smtp_user="agent@example.test", smtp_password="s3cret"
    )
    message_id = await _reply(rt, await _ticket(rt))
    assert (await _state(rt, message_id))[0] == DeliveryState.SENT.value
    got = smtp.received[0]
    assert got.tls and got.auth_login == "agent@example.test"


async def test_without_mailboxes_replies_stay_on_the_ticket_and_inactive_ones_wait(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    # Email not set up: the reply stays on the ticket, marked as not sent, with the reason.
    unset = await _reply(rt, await _ticket(rt))
    assert await _state(rt, unset) == (DeliveryState.NOT_SENT.value, "no email channel is set up")
    # Set up but switched off: email replies wait (retried), phone tickets are not sent.
    await add_mailbox(rt, mailbox, smtp_sink, active=False)
    waiting = await _reply(rt, await _ticket(rt))
    state, error = await _state(rt, waiting)
    assert state == DeliveryState.QUEUED.value and "inactive" in (error or "")
    phone = await _reply(rt, await _ticket(rt, channel="phone", source=None))
    state, error = await _state(rt, phone)
    assert state == DeliveryState.NOT_SENT.value and "inactive" in (error or "")
    assert not smtp_sink.received

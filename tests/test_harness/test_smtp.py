"""The SMTP harness against the real aiosmtplib client."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import aiosmtplib
import pytest

from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

SmtpFactory = Callable[..., SmtpServer]


def _message(to: str = "customer@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "support@example.test"
    msg["To"] = to
    msg["Subject"] = "Re: Printer on fire"
    msg.set_content("We are on it.")
    return msg


async def test_plain_sink_records_envelope(smtp_sink: SmtpServer) -> None:
    errors, reply = await aiosmtplib.send(
        _message(), hostname=smtp_sink.host, port=smtp_sink.port, start_tls=False
    )
    assert errors == {}
    assert "accepted" in reply
    [mail] = await smtp_sink.wait_for(1, timeout=2)
    assert mail.mail_from == "support@example.test"
    assert mail.rcpt_tos == ("customer@example.org",)
    assert mail.message["Subject"] == "Re: Printer on fire"
    assert b"We are on it." in mail.content
    assert not mail.tls
    assert smtp_sink.to("CUSTOMER@example.org") == [mail]


async def test_wait_for_times_out(smtp_sink: SmtpServer) -> None:
    with pytest.raises(TimeoutError, match="got 0"):
        await smtp_sink.wait_for(1, timeout=0.05)


async def test_starttls_and_auth_required(smtp_server_factory: SmtpFactory) -> None:
    server = smtp_server_factory(tls=True, require_starttls=True, users={"agent": "s3cret"})

    async def send(username: str | None = None, password: str | None = None) -> None:
        await aiosmtplib.send(
            _message(),
            hostname=server.host,
            port=server.port,
            start_tls=True,
            tls_context=server.client_tls_context(),
            username=username,
            password=password,
        )

    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as wrong:
        await send("agent", "nope")
    assert wrong.value.code == 535
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as anonymous:
        await send()
    assert anonymous.value.code == 530
    await send("agent", "s3cret")
    [mail] = await server.wait_for(1)
    assert mail.tls
    assert mail.auth_login == "agent"


async def test_starttls_is_enforced(smtp_server_factory: SmtpFactory) -> None:
    server = smtp_server_factory(tls=True, require_starttls=True)
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await aiosmtplib.send(_message(), hostname=server.host, port=server.port, start_tls=False)
    assert refused.value.code == 530
    assert server.received == []


async def test_implicit_tls(smtp_server_factory: SmtpFactory) -> None:
    server = smtp_server_factory(tls=True, implicit_tls=True)
    await aiosmtplib.send(
        _message(),
        hostname=server.host,
        port=server.port,
        use_tls=True,
        tls_context=server.client_tls_context(),
    )
    assert (await server.wait_for(1))[0].tls


async def test_auth_without_tls(smtp_server_factory: SmtpFactory) -> None:
    server = smtp_server_factory(users={"agent": "pw"})
    await aiosmtplib.send(
        _message(),
        hostname=server.host,
        port=server.port,
        start_tls=False,
        username="agent",
        password="pw",
    )
    assert (await server.wait_for(1))[0].auth_login == "agent"


async def test_injected_permanent_failure(smtp_sink: SmtpServer) -> None:
    smtp_sink.reject("gone@example.org", 550)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await aiosmtplib.send(
            _message("gone@example.org"), hostname=smtp_sink.host, port=smtp_sink.port
        )
    [error] = refused.value.recipients
    assert error.code == 550
    assert smtp_sink.received == []


async def test_temporary_failure_for_one_recipient_once(smtp_sink: SmtpServer) -> None:
    smtp_sink.reject("busy@example.org", 451, times=1)
    msg = _message("busy@example.org, ok@example.org")
    errors, _ = await aiosmtplib.send(msg, hostname=smtp_sink.host, port=smtp_sink.port)
    assert errors["busy@example.org"].code == 451
    await aiosmtplib.send(msg, hostname=smtp_sink.host, port=smtp_sink.port)
    first, second = await smtp_sink.wait_for(2)
    assert first.rcpt_tos == ("ok@example.org",)
    assert set(second.rcpt_tos) == {"busy@example.org", "ok@example.org"}


async def test_data_rejection(smtp_sink: SmtpServer) -> None:
    smtp_sink.fail_data(554)
    with pytest.raises(aiosmtplib.SMTPDataError) as rejected:
        await aiosmtplib.send(_message(), hostname=smtp_sink.host, port=smtp_sink.port)
    assert rejected.value.code == 554


async def test_chained_delivery_into_dovecot(
    smtp_server_factory: SmtpFactory, mailbox: MailUser
) -> None:
    server = smtp_server_factory(deliver_to=mailbox.server)
    await aiosmtplib.send(_message(mailbox.address), hostname=server.host, port=server.port)
    [stored] = mailbox.messages()
    assert b"We are on it." in stored.raw
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await aiosmtplib.send(
            _message("unknown@example.test"), hostname=server.host, port=server.port
        )

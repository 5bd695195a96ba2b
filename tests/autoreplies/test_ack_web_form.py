"""A web-form ticket: the customer gets ONE email, the acknowledgement, which carries the
ticket number, the expected first reply in the form's language and what they wrote."""

from __future__ import annotations

from email.message import EmailMessage

import httpx

from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from tests.autoreplies.support import office_hours_policy
from tests.channels.email._mailbox_support import add_mailbox, email_rt
from tests.channels.web_form.forms import setup_directory, valid_fields
from tests.fixtures_db import scheduler_of
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def _submit(rt: Runtime, language: str) -> int:
    await setup_directory(rt)
    app = create_app(rt.settings, runtime=rt)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as http:
        posted = await http.post(
            f"/forms/support?lang={language}", json={**valid_fields(), "consent": True}
        )
    assert posted.status_code == 201, posted.text
    await scheduler_of(rt).drain()
    return int(posted.json()["ticket_number"])


async def test_a_turkish_form_gets_one_email_with_the_number_and_due_time(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    await office_hours_policy(email_rt)
    await add_mailbox(email_rt, mailbox, smtp_sink)
    number = await _submit(email_rt, "tr")
    [received] = await smtp_sink.wait_for(1)
    assert [r.lower() for r in received.rcpt_tos] == ["ayse@example.com"]
    assert str(received.message["Subject"]) == f"[#{number}] Talebinizi aldık: Screen flickers"
    body = _body(received.message)
    assert "Merhaba Ayşe Yılmaz," in body
    assert "İlk yanıtımızı en geç Pazartesi 23 Kasım 2026, 16:00 (Europe/Istanbul)" in body
    assert "> My screen flickers after the update." in body


async def test_an_english_form_gets_one_email_in_english(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    await office_hours_policy(email_rt)
    await add_mailbox(email_rt, mailbox, smtp_sink)
    number = await _submit(email_rt, "en")
    [received] = await smtp_sink.wait_for(1)
    assert (
        str(received.message["Subject"]) == f"[#{number}] We received your request: Screen flickers"
    )
    assert "first reply by Monday 23 November 2026, 16:00 (Europe/Istanbul)" in _body(
        received.message
    )

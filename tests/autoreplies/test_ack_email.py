"""The acknowledgement over email end to end (Dovecot -> poller -> ticket -> SLA clock ->
SMTP sink): ticket number, the first reply's due time in the customer's language and zone."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from channels.email import parse_message
from helpdesk import services
from helpdesk.inbound import Identity
from helpdesk.runtime import Runtime
from helpdesk.tables import customer_t
from tests.autoreplies.support import auto_replies, office_hours_policy, timeline
from tests.channels.email._mailbox_support import add_mailbox, email_rt, eventually, mail, tickets
from tests.fixtures_db import scheduler_of
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]

FIXTURES = Path(__file__).parents[1] / "channels" / "email" / "fixtures"
MACHINE_FIXTURES = sorted(
    [
        "auto_submitted.eml",
        "complaint_arf.eml",
        "exchange_rules.eml",
        "list_id.eml",
        "precedence_bulk.eml",
        "subject_automatic_reply.eml",
        "subject_otomatik_yanit.eml",
        "x_autoreply.eml",
        "x_autorespond.eml",
    ]
)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def _deliver(rt: Runtime, mailbox: MailUser, raw: bytes) -> dict[str, Any]:
    mailbox.deliver(raw)
    await rt.run_job("email_pollers")
    found = await eventually(lambda: tickets(rt), what="the mail to become a ticket")
    await scheduler_of(rt).drain()
    return found[-1]


async def test_a_turkish_mail_is_acknowledged_in_turkish_with_the_due_time(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await office_hours_policy(rt)  # Monday 12:00 in Istanbul: due 4 office hours later
    await add_mailbox(rt, mailbox, smtp_sink)
    ticket = await _deliver(
        rt,
        mailbox,
        mail(
            sender="Ayşe Yılmaz <ayse@customer.example>",
            to=mailbox.address,
            subject="Fatura yanlış",
            message_id="<fatura-1@customer.example>",
            body="Faturamda iki kez ücret var.",
            headers={"Content-Language": "tr"},
        ),
    )
    [received] = await smtp_sink.wait_for(1)
    ack = received.message
    assert ack["To"].endswith("<ayse@customer.example>")
    assert ack["Auto-Submitted"] == "auto-replied"
    assert str(ack["Subject"]) == f"[#{ticket['number']}] Talebinizi aldık: Fatura yanlış"
    body = _body(ack)
    assert f"#{ticket['number']}" in body
    assert "İlk yanıtımızı en geç Pazartesi 23 Kasım 2026, 16:00 (Europe/Istanbul)" in body
    assert "> Faturamda iki kez ücret var." in body
    assert "kapalıyız" not in body  # we are open on Monday at noon

    [row] = await auto_replies(rt)
    assert (row["status"], row["kind"]) == ("queued", "acknowledgement")
    sent = [a for a in await timeline(rt, int(ticket["id"])) if a["kind"] == "auto_reply_sent"]
    assert [a["actor_kind"] for a in sent] == ["bot"]  # shown on the timeline as the bot's
    assert "16:00" in sent[0]["data"]["text"]

    await rt.run_job("sla_acknowledge", ticket["id"])  # a second run sends nothing more
    await rt.run_job("sla_acknowledge_reconcile")
    await scheduler_of(rt).drain()
    assert len(smtp_sink.received) == 1


async def test_an_english_mail_gets_the_due_time_in_the_customers_own_zone(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await office_hours_policy(rt)
    await add_mailbox(rt, mailbox, smtp_sink)
    async with rt.stores() as store:
        customer_id = await services.resolve_customer(
            store, Identity("email", "john@customer.example", "John Smith")
        )
        await store.execute(
            update(customer_t)
            .where(customer_t.c.id == customer_id)
            .values(timezone="America/New_York")
        )
    await _deliver(
        rt,
        mailbox,
        mail(
            sender="John Smith <john@customer.example>",
            to=mailbox.address,
            subject="Invoice is wrong",
            message_id="<invoice-1@customer.example>",
            body="I was charged twice.",
            headers={"Content-Language": "en-US"},
        ),
    )
    [received] = await smtp_sink.wait_for(1)
    assert "We received your request: Invoice is wrong" in str(received.message["Subject"])
    body = _body(received.message)
    # 16:00 in Istanbul is 08:00 in New York.
    assert "first reply by Monday 23 November 2026, 08:00 (America/New_York)" in body
    assert "Hello John Smith," in body


@pytest.mark.parametrize("name", MACHINE_FIXTURES)
async def test_machine_mail_is_never_acknowledged(
    email_rt: Runtime, smtp_sink: SmtpServer, mailbox: MailUser, name: str
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    message = parse_message((FIXTURES / name).read_bytes())
    assert message.machine is not None
    async with rt.stores() as store:
        result = await services.ingest(store, message)
    await scheduler_of(rt).drain()
    if result.opened_ticket:
        [row] = await auto_replies(rt)
        assert row["status"] == "skipped" and row["reason"].startswith("machine mail")
    else:
        assert await auto_replies(rt) == []
    assert smtp_sink.received == []

"""The whole email loop on a real Dovecot (IDLE) and a real SMTP server (aiosmtpd):
customer mail -> ticket -> agent reply by SMTP -> customer replies thread back (issue 3)."""

from __future__ import annotations

import time
from email.utils import parseaddr
from typing import Any

import pytest
from sqlalchemy import select

from channels.email.poller import Timing
from helpdesk import services
from helpdesk.domain import DeliveryState, ParticipantRole, Status
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import identity_t, participant_t
from tests.channels.email._mailbox_support import (
    add_mailbox,
    agent,
    email_rt,
    eventually,
    mail,
    mailbox_status,
    messages,
    quarantined,
    rows,
    tickets,
)
from tests.fixtures_db import scheduler_of
from tests.support.dovecot import MailUser
from tests.support.smtp import ReceivedMail, SmtpServer

__all__ = ["email_rt"]

CUSTOMER = "Alice Customer <alice@customer.example>"


async def _start(rt: Runtime, mailbox: MailUser, smtp: SmtpServer) -> None:
    await add_mailbox(rt, mailbox, smtp)
    await rt.run_job("email_pollers")
    await eventually(lambda: _status_is(rt, "ok"), what="the poller to log in and report ok")


async def _status_is(rt: Runtime, status: str) -> bool:
    return bool((await mailbox_status(rt))["status"] == status)


async def _new_ticket(
    rt: Runtime, mailbox: MailUser, smtp: SmtpServer
) -> tuple[dict[str, Any], float]:
    await _start(rt, mailbox, smtp)
    started = time.monotonic()
    mailbox.deliver(
        mail(
            sender=CUSTOMER,
            to=mailbox.address,
            cc="Bob Colleague <bob@customer.example>",
            subject="Printer on fire",
            body="Hello,\n\nthe printer is on fire again.\n\nAlice",
            message_id="<first@customer.example>",
        )
    )
    # Half the poll interval: only IDLE's push can bring the mail in before it runs out.
    found = await eventually(
        lambda: tickets(rt),
        timeout=Timing().poll_seconds / 2,
        what="a ticket from the customer's mail, pushed by IDLE",
    )
    return found[0], time.monotonic() - started


async def _agent_reply(rt: Runtime, ticket_id: int, smtp: SmtpServer, text: str) -> ReceivedMail:
    before = len(smtp.received)
    user_id, _ = await agent(rt)
    async with rt.stores() as store:
        await services.reply(store, ticket_id, Actor.user(user_id), text)
    await scheduler_of(rt).drain()
    got = await smtp.wait_for(before + 1)
    return got[before]


async def test_customer_mail_becomes_ticket_via_idle_and_the_reply_leaves_by_smtp(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    ticket, latency = await _new_ticket(rt, mailbox, smtp_sink)
    print(f"IDLE import latency: {latency:.3f}s")  # shown with -s; a figure for the report
    assert ticket["subject"] == "Printer on fire"
    assert ticket["source"] == "support"
    # Flagged on the server right after the commit.
    await eventually(lambda: _all_seen(mailbox, 1), what="the message flagged seen")

    sent = await _agent_reply(rt, ticket["id"], smtp_sink, "We are sending the fire brigade.")
    msg = sent.message
    number = ticket["number"]
    assert msg["Subject"] == f"[#{number}] Printer on fire"
    assert msg["In-Reply-To"] == "<first@customer.example>"
    assert "<first@customer.example>" in msg["References"]
    assert msg["Message-ID"].startswith(f"<hd.{number}.") and msg["Message-ID"].endswith(
        "@example.test>"
    )
    local, domain = mailbox.address.split("@")
    reply_to = parseaddr(str(msg["Reply-To"]))[1]
    assert reply_to.startswith(local + "+") and reply_to.endswith("@" + domain)
    assert parseaddr(str(msg["From"]))[1] == mailbox.address
    assert "alice@customer.example" in sent.rcpt_tos and "bob@customer.example" in sent.rcpt_tos
    assert msg["Auto-Submitted"] is None  # a person's reply
    assert "fire brigade" in msg.get_content()
    stored = [m for m in await messages(rt, ticket["id"]) if m["direction"] == "outbound"]
    assert stored[0]["external_id"] == msg["Message-ID"]
    assert stored[0]["delivery_state"] == DeliveryState.SENT.value


async def test_replies_thread_by_references_token_and_subject_tag(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    ticket, _ = await _new_ticket(rt, mailbox, smtp_sink)
    sent = await _agent_reply(rt, ticket["id"], smtp_sink, "Is it still burning?")
    ours = sent.message["Message-ID"]
    token_address = parseaddr(str(sent.message["Reply-To"]))[1]
    number = ticket["number"]

    # 1. A normal reply with In-Reply-To and the whole history quoted below.
    mailbox.deliver(
        mail(
            sender=CUSTOMER,
            to=token_address,
            subject=f"Re: [#{number}] Printer on fire",
            message_id="<second@customer.example>",
            headers={"In-Reply-To": ours, "References": f"<first@customer.example> {ours}"},
            body=(
                "Yes, it is still burning.\n\n"
                "On Mon, 23 Nov 2026 at 09:05, ACME Support wrote:\n"
                "> Is it still burning?\n>\n"
                "> On Mon, 23 Nov 2026 at 09:00, Alice wrote:\n"
                ">> the printer is on fire again.\n"
            ),
        )
    )
    # 2. Outlook: no In-Reply-To/References, only the subject tag (Alice is a participant).
    mailbox.deliver(
        mail(
            sender=CUSTOMER,
            to=mailbox.address,
            subject=f"RE: [#{number}] Printer on fire",
            message_id="<outlook@customer.example>",
            body=(
                "Now the scanner too.\r\n\r\n"
                "-----Original Message-----\r\nFrom: ACME Support\r\n"
                "Sent: Monday, November 23, 2026 9:05 AM\r\nSubject: Printer on fire\r\n\r\n"
                "Is it still burning?\r\n"
            ),
        )
    )
    # 3. The CC'd colleague answers all.
    mailbox.deliver(
        mail(
            sender="Bob Colleague <bob@customer.example>",
            to=token_address,
            subject=f"Re: [#{number}] Printer on fire",
            message_id="<bob@customer.example>",
            headers={"In-Reply-To": ours},
            body="I brought an extinguisher.\n\n> Is it still burning?\n",
        )
    )
    # 4. Someone new, forwarded the thread, answers with the token address only.
    mailbox.deliver(
        mail(
            sender="Carol New <carol@customer.example>",
            to=token_address,
            subject="Re: Printer on fire",
            message_id="<carol@customer.example>",
            body="Facilities here: we replaced the printer.",
        )
    )

    async def four_more() -> list[dict[str, Any]] | None:
        found = [m for m in await messages(rt) if m["direction"] == "inbound"]
        return found if len(found) == 5 else None

    inbound = await eventually(four_more, what="four replies")
    assert len(await tickets(rt)) == 1, "a reply opened a new ticket"
    by_id = {m["external_id"]: m for m in inbound}
    assert by_id["<second@customer.example>"]["text"].strip() == "Yes, it is still burning."
    assert "burning?" in by_id["<second@customer.example>"]["full_text"]
    assert by_id["<outlook@customer.example>"]["text"].strip() == "Now the scanner too."
    assert by_id["<bob@customer.example>"]["text"].strip() == "I brought an extinguisher."
    people = await rows(
        rt,
        select(identity_t.c.address, participant_t.c.role)
        .join(participant_t, participant_t.c.customer_id == identity_t.c.customer_id)
        .where(participant_t.c.ticket_id == ticket["id"]),
    )
    roles = {p["address"]: p["role"] for p in people}
    assert roles["alice@customer.example"] == ParticipantRole.REQUESTER.value
    assert roles["bob@customer.example"] != ParticipantRole.REQUESTER.value
    assert roles["carol@customer.example"] != ParticipantRole.REQUESTER.value


async def test_out_of_office_and_bounce_open_nothing_and_send_nothing(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    ticket, _ = await _new_ticket(rt, mailbox, smtp_sink)
    sent = await _agent_reply(rt, ticket["id"], smtp_sink, "Solved, we think.")
    ours = sent.message["Message-ID"]
    async with rt.stores() as store:
        await services.update_ticket(
            store, ticket["id"], Actor.system(), TicketChanges(status=Status.SOLVED)
        )
    mailbox.deliver(
        mail(
            sender=CUSTOMER,
            to=mailbox.address,
            subject="Automatic reply: Printer on fire",
            message_id="<ooo@customer.example>",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ours},
            body="I am out of the office until Monday.",
        )
    )
    mailbox.deliver(_dsn(mailbox.address, ours))
    mailbox.deliver(
        mail(
            sender="Someone Away <away@elsewhere.example>",
            to=mailbox.address,
            subject="Out of Office",
            message_id="<ooo2@elsewhere.example>",
            headers={"X-Autoreply": "yes"},
            body="Away.",
        )
    )
    await eventually(lambda: _all_seen(mailbox, 4), what="all four messages imported and flagged")
    assert len(await tickets(rt)) == 1, "machine mail opened a ticket"
    found = (await tickets(rt))[0]
    assert found["status"] == Status.SOLVED.value, "an auto-reply reopened the ticket"
    outbound = [m for m in await messages(rt, ticket["id"]) if m["direction"] == "outbound"]
    assert outbound[0]["delivery_state"] == DeliveryState.FAILED.value
    assert "bounced" in (outbound[0]["delivery_error"] or "")
    assert any("belongs to no ticket" in q["reason"] for q in await quarantined(rt))
    await scheduler_of(rt).drain()
    assert len(smtp_sink.received) == 1, "machine mail got an answer"


async def _all_seen(mailbox: MailUser, count: int) -> bool:
    stored = mailbox.messages()
    return len(stored) == count and all(m.seen for m in stored)


def _dsn(to: str, original: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.customer.example>\r\n"
        "Date: Mon, 23 Nov 2026 09:10:00 +0000\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\n"
        "Your message could not be delivered to alice@customer.example.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.example\r\n\r\n"
        "Final-Recipient: rfc822; alice@customer.example\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: ACME Support <{to}>\r\nTo: alice@customer.example\r\n"
        f"Message-ID: {original}\r\nSubject: Solved\r\n"
        "--B--\r\n"
    ).encode()


async def test_the_same_mail_in_two_mailboxes_is_one_message(
    email_rt: Runtime, mailbox_factory: object, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    first: MailUser = mailbox_factory("sales")  # type: ignore[operator]
    second: MailUser = mailbox_factory("support")  # type: ignore[operator]
    await add_mailbox(rt, first, smtp_sink, name="sales")
    await add_mailbox(rt, second, smtp_sink, name="support")
    raw = mail(
        sender=CUSTOMER,
        to=f"{first.address}, {second.address}",
        subject="Quote and help",
        message_id="<both@customer.example>",
        body="Please send a quote, and help.",
    )
    first.deliver(raw)
    second.deliver(raw)
    await rt.run_job("email_pollers")
    await eventually(lambda: _all_seen(first, 1), what="first mailbox imported")
    await eventually(lambda: _all_seen(second, 1), what="second mailbox imported")
    assert len(await tickets(rt)) == 1
    assert len(await messages(rt)) == 1


async def test_unparseable_mail_is_quarantined_and_the_poller_moves_on(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    garbage = b"this is not an email at all, just noise\r\n"
    mailbox.append(garbage)
    mailbox.append(
        mail(
            sender=CUSTOMER,
            to=mailbox.address,
            subject="After the noise",
            message_id="<after@customer.example>",
            body="Still here.",
        )
    )
    await _start(rt, mailbox, smtp_sink)
    await eventually(lambda: tickets(rt), what="the good message's ticket")
    entries = await quarantined(rt)
    assert len(entries) == 1
    assert entries[0]["raw"] == garbage and entries[0]["source"] == "support"
    assert "unparseable" in entries[0]["reason"]
    await eventually(lambda: _all_seen(mailbox, 2), what="both flagged")


@pytest.mark.parametrize("kind", ["seen", "move:Imported"])
async def test_after_import_action(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer, kind: str
) -> None:
    rt = email_rt
    mailbox.deliver(
        mail(
            sender=CUSTOMER, to=mailbox.address, subject="Hi", message_id="<a@c.example>", body="x"
        )
    )
    await add_mailbox(rt, mailbox, smtp_sink, after_import=kind)
    await rt.run_job("email_pollers")
    await eventually(lambda: tickets(rt), what="a ticket")
    if kind == "seen":
        await eventually(lambda: _all_seen(mailbox, 1), what="flagged seen")
    else:

        async def moved() -> bool:
            return not mailbox.messages() and len(mailbox.messages("Imported")) == 1

        await eventually(moved, what="moved to Imported")

"""A customer known through email, Telegram and a web form, and another who must stay intact.

Everything goes in through the core's ingest and the channels' own services, the way the
channels store it: raw MIME kept as a blob, the Telegram update kept raw, the form submission
logged, a quarantined mail, the auto-reply throttle, an agent's reply, an SLA policy's clocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func, insert, select

from channels.base import Attachment, Identity, InboundMessage
from channels.chat.inbound import external_id as telegram_external_id
from channels.chat.services import record_update
from channels.chat.tables import bot_t
from channels.email.services import allow_auto_reply
from channels.web_form.tables import web_form_submission_t, web_form_t
from helpdesk import services
from helpdesk.domain import Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges, surveys
from helpdesk.tables import customer_t, message_t, survey_t, ticket_t
from sla import admin
from sla.schemas import PolicyIn
from sla.tables import clock_event_t, clock_t, sla_ticket_t
from tests.fixtures_db import scheduler_of

NAME = "Ayşe Yılmazoğlu"
EMAIL = "ayse.yilmazoglu@example.com"
TELEGRAM_ID = "987654321"
EMAIL_TEXT = "My passport number is TR-4471-ZX, please update the booking."
TELEGRAM_TEXT = "Merhaba, siparişim QX-5571 nerede?"
FORM_TEXT = "Fatura adresim Kızılay Mah. 12/7 Ankara olmalı."
ATTACHMENT = b"%PDF-1.4 scanned-id-card-of-ayse 5f1c0e"
REPLY_TEXT = "Dear Ayşe Yılmazoğlu, we updated booking for TR-4471-ZX."
CSAT_COMMENT = "Slow answer, my neighbour Zeynep Kaya got hers in a day"
QUARANTINED = f"From: {EMAIL}\r\nSubject: broken\r\n\r\nunparseable-body-ayse-77".encode()

OTHER_NAME = "Bora Demirtaşlı"
OTHER_EMAIL = "bora.demirtasli@example.org"
OTHER_TEXT = "The invoice 8812 for Bora has the wrong VAT number."
OTHER_ATTACHMENT = b"bora-invoice-bytes-8812"

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# What must be gone after the erasure (and is there before it).
SECRETS = (
    NAME,
    EMAIL,
    TELEGRAM_ID,
    "TR-4471-ZX",
    "QX-5571",
    "Kızılay Mah. 12/7",
    "scanned-id-card-of-ayse",
    "unparseable-body-ayse-77",
    "Zeynep Kaya",
)
# What must stay.
KEPT = (OTHER_NAME, OTHER_EMAIL, "invoice 8812", "bora-invoice-bytes-8812")


@dataclass
class Seeded:
    customer_id: int
    other_id: int
    tickets: dict[str, int]
    other_ticket: int


def raw_mail(sender: str, name: str, subject: str, text: str, attachment: bytes) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = "support@help.test"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{abs(hash(sender + subject))}@mail.example.com>"
    mail.set_content(text)
    mail.add_attachment(attachment, maintype="application", subtype="pdf", filename="scan.pdf")
    return mail.as_bytes()


def _mail_in(
    sender: str, name: str, subject: str, text: str, attachment: bytes
) -> tuple[InboundMessage, bytes]:
    raw = raw_mail(sender, name, subject, text, attachment)
    message = InboundMessage(
        channel="email",
        external_id=f"<{abs(hash(sender + subject))}@mail.example.com>",
        sender=Identity("email", sender, name),
        subject=subject,
        text=text,
        full_text=text,
        html=f"<p>{text}</p>",
        received_at=AT,
        attachments=(Attachment("scan.pdf", "application/pdf", len(attachment), attachment),),
    )
    return message, raw


async def seed(rt: Runtime, *, agent_id: int | None = None, csat: bool = False) -> Seeded:
    async with rt.stores() as store:
        await admin.save_policy(
            store,
            PolicyIn.model_validate(
                {
                    "name": "everyone",
                    "business_hours": False,
                    "targets": {"first_reply": {"normal": "1h"}, "resolution": {"normal": "1d"}},
                }
            ),
        )
    tickets: dict[str, int] = {}
    message, raw = _mail_in(EMAIL, NAME, "Booking change", EMAIL_TEXT, ATTACHMENT)
    async with rt.stores() as store:
        result = await services.ingest(store, message, raw)
        tickets["email"] = _id(result.ticket_id)
        customer_id = int(
            (
                await store.execute(
                    select(ticket_t.c.requester_id).where(ticket_t.c.id == result.ticket_id)
                )
            ).scalar_one()
        )
        await services.add_identity(store, customer_id, Identity("telegram", TELEGRAM_ID, NAME))
        await allow_auto_reply(store, EMAIL)
        await services.quarantine(
            store, channel="email", source="support", reason="cannot parse", raw=QUARANTINED
        )

    # Telegram: the update as the bot received it, then the message it became.
    update: dict[str, Any] = {
        "update_id": 501,
        "message": {
            "message_id": 77,
            "date": 1795424400,
            "chat": {"id": int(TELEGRAM_ID), "type": "private", "first_name": "Ayşe"},
            "from": {"id": int(TELEGRAM_ID), "is_bot": False, "first_name": "Ayşe",
                     "last_name": "Yılmazoğlu"},
            "text": TELEGRAM_TEXT,
        },
    }  # fmt: skip
    async with rt.stores() as store:
        bot_id = (
            await store.execute(
                insert(bot_t)
                .values(
                    name="support",
                    token_encrypted="x",
                    webhook_secret="s" * 32,
                    greetings={},
                    poll_offset=0,
                    created_at=AT,
                )
                .returning(bot_t.c.id)
            )
        ).scalar_one()
        await record_update(store, int(bot_id), 501, "message", json.loads(json.dumps(update)))
        result = await services.ingest(
            store,
            InboundMessage(
                channel="telegram",
                external_id=telegram_external_id("support", int(TELEGRAM_ID), 77),
                sender=Identity("telegram", TELEGRAM_ID, NAME),
                subject="",
                text=TELEGRAM_TEXT,
                full_text=TELEGRAM_TEXT,
                received_at=AT,
                references=(f"telegram:support:{TELEGRAM_ID}",),
            ),
        )
        tickets["telegram"] = _id(result.ticket_id)

    # Web form: the submission log row and the ticket it opened.
    async with rt.stores() as store:
        form_id = (
            await store.execute(
                insert(web_form_t)
                .values(slug="contact", title={"en": "Contact"}, intro={}, fields=[],
                        categories=[], languages=["en"], allowed_origins=[], content_types=[],
                        created_at=AT, updated_at=AT)
                .returning(web_form_t.c.id)
            )
        ).scalar_one()  # fmt: skip
        result = await services.ingest(
            store,
            InboundMessage(
                channel="web_form",
                external_id="contact:sub-1",
                sender=Identity("email", EMAIL, NAME),
                subject="Invoice address",
                text=FORM_TEXT,
                full_text=FORM_TEXT,
                received_at=AT,
            ),
        )
        tickets["web_form"] = _id(result.ticket_id)
        await store.execute(
            insert(web_form_submission_t).values(
                form_id=form_id,
                external_id="contact:sub-1",
                client_ip="203.0.113.77",
                email=EMAIL,
                ticket_id=result.ticket_id,
                ticket_number=result.ticket_number,
                created_at=AT,
            )
        )

    other_message, other_raw = _mail_in(
        OTHER_EMAIL, OTHER_NAME, "VAT", OTHER_TEXT, OTHER_ATTACHMENT
    )
    async with rt.stores() as store:
        other = await services.ingest(store, other_message, other_raw)
    if agent_id is not None:
        async with rt.stores() as store:
            await services.reply(store, tickets["email"], Actor.user(agent_id), REPLY_TEXT)
    if csat:
        await _rate(rt, tickets["email"])
    async with rt.stores() as store:
        customer_ids = (await store.execute(select(customer_t.c.id).order_by("id"))).scalars()
        other_id = next(c for c in customer_ids if c != customer_id)
    return Seeded(customer_id, int(other_id), tickets, _id(other.ticket_id))


async def figures(rt: Runtime) -> dict[str, Any]:
    """What statistics are made of: ticket counts per channel and status, messages per ticket,
    every SLA clock with its due time and state, and every clock event."""
    async with rt.stores() as store:
        per_channel = (
            await store.execute(
                select(ticket_t.c.channel, ticket_t.c.status, func.count())
                .group_by(ticket_t.c.channel, ticket_t.c.status)
                .order_by(ticket_t.c.channel)
            )
        ).all()
        per_ticket = (
            await store.execute(
                select(message_t.c.ticket_id, func.count())
                .group_by(message_t.c.ticket_id)
                .order_by(message_t.c.ticket_id)
            )
        ).all()
        clocks = (await store.execute(select(clock_t).order_by(clock_t.c.id))).all()
        events = (await store.execute(select(clock_event_t).order_by(clock_event_t.c.id))).all()
        sla_tickets = (await store.execute(select(sla_ticket_t))).all()
        csat = (
            await store.execute(
                select(
                    survey_t.c.ticket_id,
                    survey_t.c.status,
                    survey_t.c.rating,
                    survey_t.c.rated_at,
                    survey_t.c.agent_id,
                    survey_t.c.team_id,
                ).order_by(survey_t.c.id)
            )
        ).all()
    return {
        "tickets": [tuple(r) for r in per_channel],
        "messages": [tuple(r) for r in per_ticket],
        "clocks": [tuple(r) for r in clocks],
        "clock_events": [tuple(r) for r in events],
        "sla_tickets": [tuple(r) for r in sla_tickets],
        "csat": [tuple(r) for r in csat],
    }


def _id(ticket_id: int | None) -> int:
    assert ticket_id is not None, "the message opened a ticket"
    return ticket_id


async def _rate(rt: Runtime, ticket_id: int) -> None:
    """Solve the ticket, let the survey go out on the injected clock, rate it badly."""
    assert isinstance(rt.clock, FixedClock)
    async with rt.stores() as store:
        await services.update_ticket(
            store, ticket_id, Actor.system(), TicketChanges(status=Status.SOLVED)
        )
    await scheduler_of(rt).drain()
    rt.clock.advance(hours=1, seconds=1)
    await rt.run_job("csat_reconcile")
    await scheduler_of(rt).drain()
    async with rt.stores() as store:
        survey = (
            (await store.execute(select(survey_t).where(survey_t.c.ticket_id == ticket_id)))
            .mappings()
            .one()
        )
        await surveys.rate(store, survey, 2, CSAT_COMMENT, timedelta(hours=1))
    await scheduler_of(rt).drain()

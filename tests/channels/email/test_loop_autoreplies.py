"""Our own fixtures, one per kind of automatic mail, through the whole pipeline (Dovecot ->
poller -> parser -> ingest): each is stored on the ticket it answers, reopens nothing and is
answered by nothing. Mail from our own support address is never imported as a customer's."""

from __future__ import annotations

from email.header import Header
from typing import Any

import pytest

from helpdesk import services
from helpdesk.domain import Status
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from tests.channels.email._mailbox_support import (
    add_mailbox,
    agent,
    email_rt,
    eventually,
    explain_mailbox,
    mail,
    messages,
    tickets,
)
from tests.fixtures_db import scheduler_of
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]

KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "auto-submitted auto-replied": ("Re: help", {"Auto-Submitted": "auto-replied"}),
    "auto-submitted auto-generated": ("Re: help", {"Auto-Submitted": "auto-generated"}),
    "x-autoreply": ("Re: help", {"X-Autoreply": "yes"}),
    "x-autorespond": ("Re: help", {"X-Autorespond": "Thanks for your mail"}),
    "precedence bulk": ("Re: help", {"Precedence": "bulk"}),
    "precedence junk": ("Re: help", {"Precedence": "junk"}),
    "precedence list": ("Re: help", {"Precedence": "list"}),
    "list-id": ("Re: help", {"List-Id": "<customers.lists.customer.example>"}),
    "exchange rules agent": (
        "Re: help",
        {"X-MS-Exchange-Generated-Message-Source": "Mailbox Rules Agent"},
    ),
    "exchange rules loop": ("Re: help", {"X-MS-Exchange-Inbox-Rules-Loop": "a@customer.example"}),
    "automatic reply subject": ("Automatic reply: help", {}),
    "otomatik yanıt subject": (Header("Otomatik yanıt: yardım", "utf-8").encode(), {}),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_automatic_mail_reopens_nothing_and_gets_no_answer(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer, kind: str
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    await rt.run_job("email_pollers")
    mailbox.deliver(
        mail(
            sender="Alice <alice@customer.example>",
            to=mailbox.address,
            subject="help",
            message_id="<start@customer.example>",
            body="Please help.",
        )
    )
    ticket = (
        await eventually(
            lambda: tickets(rt), what="the ticket", explain=explain_mailbox(rt, mailbox)
        )
    )[0]
    user_id, _ = await agent(rt)
    async with rt.stores() as store:
        await services.reply(
            store, ticket["id"], Actor.user(user_id), "Done.", status=Status.SOLVED
        )
    await scheduler_of(rt).drain()
    ours = (await smtp_sink.wait_for(1))[0].message["Message-ID"]

    subject, headers = KINDS[kind]
    mailbox.deliver(
        mail(
            sender="Alice <alice@customer.example>",
            to=mailbox.address,
            subject=subject,
            message_id="<robot@customer.example>",
            headers={"In-Reply-To": ours, **headers},
            body="I am away. Your mail will not be read.",
        )
    )

    async def stored() -> dict[str, Any] | None:
        found = [m for m in await messages(rt) if m["external_id"] == "<robot@customer.example>"]
        return found[0] if found else None

    robot = await eventually(
        stored,
        what="the automatic mail stored on the ticket",
        explain=explain_mailbox(rt, mailbox),
    )
    assert robot["ticket_id"] == ticket["id"]
    assert robot["machine"] == "auto_reply"
    assert len(await tickets(rt)) == 1
    assert (await tickets(rt))[0]["status"] == Status.SOLVED.value, "an auto-reply reopened it"
    await scheduler_of(rt).drain()
    assert len(smtp_sink.received) == 1, "something answered a robot"


async def test_mail_from_our_own_address_is_not_imported(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    mailbox.deliver(
        mail(
            sender=f"ACME Support <{mailbox.address}>",
            to=mailbox.address,
            subject="A copy of our own mail",
            message_id="<loop@example.test>",
            body="Loop?",
        )
    )
    mailbox.deliver(
        mail(
            sender="Alice <alice@customer.example>",
            to=mailbox.address,
            subject="After",
            message_id="<after@customer.example>",
            body="A real one.",
        )
    )
    await rt.run_job("email_pollers")
    await eventually(lambda: tickets(rt), what="the customer's ticket")

    async def both_seen() -> bool:
        got = mailbox.messages()
        return len(got) == 2 and all(m.seen for m in got)

    await eventually(both_seen, what="both handled")
    assert [t["subject"] for t in await tickets(rt)] == ["After"]
    assert [m["external_id"] for m in await messages(rt)] == ["<after@customer.example>"]


async def test_reopen_control_a_person_reply_does_reopen(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    """The control for the fixtures above: the same reply without robot markers reopens."""
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    await rt.run_job("email_pollers")
    mailbox.deliver(
        mail(
            sender="Alice <alice@customer.example>",
            to=mailbox.address,
            subject="help",
            message_id="<start@customer.example>",
            body="Please help.",
        )
    )
    ticket = (
        await eventually(
            lambda: tickets(rt), what="the ticket", explain=explain_mailbox(rt, mailbox)
        )
    )[0]
    async with rt.stores() as store:
        await services.update_ticket(
            store, ticket["id"], Actor.system(), TicketChanges(status=Status.SOLVED)
        )
    mailbox.deliver(
        mail(
            sender="Alice <alice@customer.example>",
            to=mailbox.address,
            subject="Re: help",
            message_id="<person@customer.example>",
            headers={"In-Reply-To": "<start@customer.example>"},
            body="It broke again.",
        )
    )

    async def reopened() -> bool:
        return bool((await tickets(rt))[0]["status"] == Status.OPEN.value)

    await eventually(
        reopened,
        what="the ticket reopened by a person's reply",
        explain=explain_mailbox(rt, mailbox),
    )

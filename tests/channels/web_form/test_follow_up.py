"""The email follow-up path of a web-form ticket: agent replies go to the requester's email
address, and the customer's emailed reply to the confirmation lands in the same ticket."""

from __future__ import annotations

import httpx

from channels.email import parse_message
from helpdesk import services
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, outbox
from tests.channels.web_form.forms import counts, ticket_by_number, valid_fields


async def test_replies_go_by_email_and_emailed_answers_thread_into_the_ticket(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    posted = await client.post("/forms/support", json={**valid_fields(), "consent": True})
    assert posted.status_code == 201
    number = posted.json()["ticket_number"]
    ticket_id = (await ticket_by_number(runtime, number))["ticket"]["id"]

    async with runtime.stores() as store:
        reply = await services.reply(store, ticket_id, Actor.system(), "Try a new cable, please.")
        assert reply.outbox_id is not None
        entry = await outbox.load(store, reply.outbox_id, reaches=runtime.reaches)
    assert [(r.kind, r.address) for r in entry.to] == [("email", "ayse@example.com")]

    raw = (
        "From: Ayse Yilmaz <ayse@example.com>\r\n"
        "To: support@help.example.com\r\n"
        f"Subject: Re: [#{number}] We received your request: Screen flickers\r\n"
        "Message-ID: <answer-1@example.com>\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "The new cable did not help.\r\n"
    ).encode()
    async with runtime.stores() as store:
        result = await services.ingest(store, parse_message(raw))
    assert result.ticket_number == number and not result.opened_ticket
    assert (await counts(runtime))["tickets"] == 1

"""A reply says what really happened to it: sent by email, or not sent and why.

Phone and API tickets have no channel of their own; they answer by email when a mailbox exists
and the caller left an address, and otherwise the message says it was not sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from tests.channels.email._mailbox_support import add_mailbox, agent, email_rt
from tests.fixtures_db import scheduler_of
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]
API = "/api/v1"


@pytest_asyncio.fixture
async def api(email_rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    _, token = await agent(email_rt, Role.SUPERVISOR)
    app = create_app(email_rt.settings, runtime=email_rt)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://helpdesk.test",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


async def _logged_call(api: httpx.AsyncClient, requester: dict[str, str]) -> int:
    created = await api.post(
        f"{API}/tickets",
        json={"requester": requester, "subject": "Called about invoice", "text": "It is doubled."},
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def _reply(rt: Runtime, api: httpx.AsyncClient, ticket_id: int) -> dict[str, Any]:
    posted = await api.post(f"{API}/tickets/{ticket_id}/replies", json={"text": "Refunded."})
    assert posted.status_code == 201, posted.text
    await scheduler_of(rt).drain()
    detail = (await api.get(f"{API}/tickets/{ticket_id}")).json()
    [outbound] = [m for m in detail["messages"] if m["direction"] == "outbound"]
    outbound["audit_kinds"] = [a["kind"] for a in detail["audit"]]
    return dict(outbound)


async def test_without_a_mailbox_a_reply_says_it_was_not_sent_and_why(
    email_rt: Runtime, api: httpx.AsyncClient, smtp_sink: SmtpServer
) -> None:
    ticket_id = await _logged_call(api, {"email": "caller@customer.example", "name": "Cal"})
    message = await _reply(email_rt, api, ticket_id)
    assert message["delivery_state"] == "not_sent"
    assert message["delivery_error"] == "no email channel is set up"
    assert "delivery_not_sent" in message["audit_kinds"]
    assert not smtp_sink.received


async def test_a_phone_ticket_is_answered_by_email_once_a_mailbox_exists(
    email_rt: Runtime, api: httpx.AsyncClient, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    await add_mailbox(email_rt, mailbox, smtp_sink)
    ticket_id = await _logged_call(api, {"email": "caller@customer.example", "name": "Cal"})
    message = await _reply(email_rt, api, ticket_id)
    assert message["delivery_state"] == "sent"
    assert message["delivery_error"] is None
    [mail] = smtp_sink.received
    assert mail.rcpt_tos == ("caller@customer.example",)
    assert "Refunded." in mail.message.get_body().get_content()  # type: ignore[union-attr]


async def test_a_caller_without_an_email_address_is_not_sent_anything(
    email_rt: Runtime, api: httpx.AsyncClient, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    await add_mailbox(email_rt, mailbox, smtp_sink)
    ticket_id = await _logged_call(api, {"phone": "+90 212 555 0101", "name": "Cal"})
    message = await _reply(email_rt, api, ticket_id)
    assert message["delivery_state"] == "not_sent"
    assert message["delivery_error"] == "the customer has no email address"
    assert not smtp_sink.received

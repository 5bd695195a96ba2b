"""The thank-you page promises a confirmation email only when one will be sent: a mailbox is
set up. Either way, what the page says is what happens to the confirmation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from helpdesk.runtime import Runtime
from helpdesk.tables import outbox_t
from tests.channels.email._mailbox_support import add_mailbox, email_rt
from tests.channels.web_form.forms import open_form, valid_fields
from tests.fixtures_db import scheduler_of
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]

PROMISE = {
    "en": "We are sending a confirmation to ayse@example.com.",
    "tr": "ayse@example.com adresine bir onay gönderiyoruz.",
}


async def _submit(client: httpx.AsyncClient, lang: str) -> str:
    hidden = await open_form(client, f"/forms/support?lang={lang}")
    page = await client.post(f"/forms/support?lang={lang}", data={**hidden, **valid_fields()})
    assert page.status_code == 200, page.text
    return page.text


async def _confirmation(rt: Runtime) -> dict[str, Any]:
    await scheduler_of(rt).drain()
    async with rt.stores() as store:
        [row] = (await store.execute(select(outbox_t))).mappings().all()
    return dict(row)


@pytest.mark.parametrize("lang", ["en", "tr"])
async def test_with_a_mailbox_the_page_promises_the_email_and_it_is_sent(
    lang: str,
    email_rt: Runtime,
    client: httpx.AsyncClient,
    mailbox: MailUser,
    smtp_sink: SmtpServer,
) -> None:
    await add_mailbox(email_rt, mailbox, smtp_sink)
    page = await _submit(client, lang)
    assert PROMISE[lang] in page
    assert (await _confirmation(email_rt))["status"] == "sent"
    [mail] = smtp_sink.received
    assert mail.rcpt_tos == ("ayse@example.com",)


@pytest.mark.parametrize("lang", ["en", "tr"])
async def test_without_a_mailbox_the_page_promises_nothing_and_nothing_is_sent(
    lang: str, email_rt: Runtime, client: httpx.AsyncClient, smtp_sink: SmtpServer
) -> None:
    page = await _submit(client, lang)
    assert PROMISE[lang] not in page
    assert "ayse@example.com" not in page
    confirmation = await _confirmation(email_rt)
    assert confirmation["status"] == "not_sent"
    assert confirmation["last_error"] == "no email channel is set up"
    assert not smtp_sink.received

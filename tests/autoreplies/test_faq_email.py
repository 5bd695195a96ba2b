"""The FAQ bot by email: links to a page where a GET records nothing (link scanners) and a
POST with the form's token records the answer."""

from __future__ import annotations

import re

import httpx

from channels.email import parse_message
from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from tests.channels.email._mailbox_support import add_mailbox, email_rt, tickets
from tests.fixtures_db import scheduler_of
from tests.support.asgi import serve_asgi
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]

LINK = re.compile(r"https?://\S+/faq/([0-9]+\.[0-9a-z]+)\?answer=yes")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def test_the_emailed_yes_link_solves_only_on_post(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    async with rt.stores() as store:
        bot = await services.create_user(store, email="faq@help.test", name="FAQ", role=Role.BOT)
        await services.bots.set_bot_first(store, "email", bot, faq=True)
        await services.knowledge.add_article(
            store, "en", "Reset your password", "Click 'Forgot password' on the sign-in page."
        )
    raw = (
        b"From: Bob <bob@customer.example>\r\nTo: support@help.example\r\n"
        b"Subject: Forgot my password\r\nMessage-ID: <pw-1@customer.example>\r\n"
        b"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
        b"I forgot my password, how do I reset it?\r\n"
    )
    async with rt.stores() as store:
        await services.ingest(store, parse_message(raw))
    await scheduler_of(rt).drain()
    # The bot's answer only: while a bot answers first, no reply time is promised.
    received = await smtp_sink.wait_for(1)
    await scheduler_of(rt).drain()
    assert len(smtp_sink.received) == 1
    parts = [m.message.get_body(preferencelist=("plain",)) for m in received]
    bodies = [str(p.get_content()) for p in parts if p is not None]
    answer = next(b for b in bodies if "Reset your password" in b)
    found = LINK.search(answer)
    assert found is not None, answer
    token = found.group(1)

    app = create_app(rt.settings, runtime=rt)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url) as http:
        for _ in range(2):  # a link scanner
            page = await http.get(f"/faq/{token}?answer=yes")
            assert page.status_code == 200
        [ticket] = await tickets(rt)
        assert ticket["status"] != "solved"
        csrf = CSRF.search(page.text)
        assert csrf is not None
        assert (await http.post(f"/faq/{token}", data={"answer": "yes"})).status_code == 403
        other = "a" if token[-1] != "a" else "b"
        forged = await http.post(f"/faq/{token[:-1]}{other}", data={"answer": "yes"})
        assert forged.status_code == 404
        done = await http.post(f"/faq/{token}", data={"answer": "yes", "csrf": csrf.group(1)})
        assert done.status_code == 200 and "Thank you" in done.text
    await scheduler_of(rt).drain()
    [ticket] = await tickets(rt)
    assert ticket["status"] == "solved" and ticket["handed_over_at"] is None

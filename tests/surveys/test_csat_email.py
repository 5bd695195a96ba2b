"""CSAT over email end to end: a real Dovecot mailbox, a real SMTP sink, the survey page."""

from __future__ import annotations

import httpx

from helpdesk.app import create_app
from helpdesk.domain import Status
from helpdesk.runtime import Runtime
from tests.channels.email._mailbox_support import (
    add_mailbox,
    email_rt,
    eventually,
    mail,
    tickets,
)
from tests.channels.web_form.forms import setup_directory, valid_fields
from tests.support.asgi import serve_asgi
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer
from tests.surveys.support import LINK, after_delay, csrf_of, rate_on_page, solve, surveys

__all__ = ["email_rt"]


async def _ticket_by_mail(rt: Runtime, mailbox: MailUser, smtp: SmtpServer, body: str) -> int:
    await add_mailbox(rt, mailbox, smtp)
    mailbox.deliver(
        mail(
            sender="Ayşe Yılmaz <ayse@customer.example>",
            to=mailbox.address,
            subject="Fatura yanlış",
            message_id="<fatura-1@customer.example>",
            body=body,
            headers={"Content-Language": "tr"},
        )
    )
    await rt.run_job("email_pollers")
    await eventually(lambda: _has_ticket(rt), what="the mail to become a ticket")
    [ticket] = await tickets(rt)
    return int(ticket["id"])


async def _has_ticket(rt: Runtime) -> bool:
    return bool(await tickets(rt))


async def test_solving_mails_a_survey_whose_page_records_only_a_post(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    ticket_id = await _ticket_by_mail(rt, mailbox, smtp_sink, "Faturamda iki kez ücret var.")
    await solve(rt, ticket_id)
    await smtp_sink.wait_for(1)  # the answer itself
    assert [s["status"] for s in await surveys(rt)] == ["scheduled"]  # waits for the delay

    await after_delay(rt)
    received = await smtp_sink.wait_for(2)
    survey_mail = received[1].message
    assert survey_mail["To"].endswith("<ayse@customer.example>")
    assert "Nasıldık?" in str(survey_mail["Subject"])  # the customer wrote in Turkish
    body = survey_mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    found = LINK.search(body)
    assert found is not None, body
    token = found.group(1)

    app = create_app(rt.settings, runtime=rt)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url) as http:
        for _ in range(3):  # a link scanner fetching the page, with and without a rating
            assert (await http.get(f"/survey/{token}?rating=1")).status_code == 200
        page = await http.get(f"/survey/{token}")
        assert "Aldığınız destekten ne kadar memnunsunuz?" in page.text
        [survey] = await surveys(rt)
        assert survey["status"] == "sent" and survey["rating"] is None

        csrf = await csrf_of(http, token)
        no_csrf = await http.post(f"/survey/{token}", data={"rating": "2"})
        assert no_csrf.status_code == 403
        answered = await rate_on_page(http, token, "5", "Çok hızlıydı, teşekkürler", csrf)
        assert answered.status_code == 200
        assert "5 üzerinden 5" in answered.text
        again = await rate_on_page(http, token, "1", csrf=csrf)  # a second rating, same cycle
        assert again.status_code == 409 and "zaten yanıtlandı" in again.text
        assert "zaten yanıtlandı" in (await http.get(f"/survey/{token}")).text
        forged = await http.get(f"/survey/{token[:-1]}{'a' if token[-1] != 'a' else 'b'}")
        assert forged.status_code == 404
        assert (await http.post(f"/survey/{token}x", data={"rating": "1"})).status_code == 404

    [survey] = await surveys(rt)
    assert (survey["status"], survey["rating"], survey["comment"]) == (
        "rated",
        5,
        "Çok hızlıydı, teşekkürler",
    )
    [ticket] = await tickets(rt)
    assert ticket["status"] == Status.SOLVED.value  # a good rating changes nothing


async def test_a_web_form_ticket_gets_its_survey_by_email(
    email_rt: Runtime, mailbox: MailUser, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    await add_mailbox(rt, mailbox, smtp_sink)
    await setup_directory(rt)
    app = create_app(rt.settings, runtime=rt)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url) as http:
        posted = await http.post("/forms/support", json={**valid_fields(), "consent": True})
        assert posted.status_code == 201, posted.text
        [ticket] = await tickets(rt)
        await solve(rt, int(ticket["id"]))
        await after_delay(rt)
        received = await smtp_sink.wait_for(3)  # confirmation, answer, survey
        [survey_mail] = [m for m in received if "How did we do?" in str(m.message["Subject"])]
        assert survey_mail.message["To"].endswith("<ayse@example.com>")
        body = survey_mail.message.get_body(preferencelist=("plain",))
        assert body is not None
        found = LINK.search(body.get_content())
        assert found is not None
        answered = await rate_on_page(http, found.group(1), "4")
        assert answered.status_code == 200
    [survey] = await surveys(rt)
    assert (survey["channel"], survey["rating"]) == ("web_form", 4)

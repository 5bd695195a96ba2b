"""Password reset by email over HTTP, with the mail going through a real SMTP server: request,
mail, link, new password, sign in; a used, expired or forged link is refused; an unknown
address gets the same answer and no mail; requests are throttled."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from helpdesk import services
from helpdesk.account_tables import password_reset_request_t
from helpdesk.domain import AuditKind
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.admin.trail import config_trail
from tests.fixtures_db import scheduler_of
from tests.inbox.conftest import ClientFactory
from tests.inbox.mail_support import add_sending_mailbox, link_path
from tests.inbox.support import PASSWORD, Directory, csrf_in, sign_in
from tests.support.smtp import SmtpServer

NEW_PASSWORD = "a brand new passphrase"


async def _ask(client: httpx.AsyncClient, email: str) -> httpx.Response:
    form = await client.get("/login/forgot")
    assert form.status_code == 200
    return await client.post("/login/forgot", data={"email": email, "csrf": csrf_in(form.text)})


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrf" value="[^"]+"', "", html)


async def _set(client: httpx.AsyncClient, path: str, password: str, confirm: str) -> httpx.Response:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(
        path, data={"csrf": csrf_in(page.text), "password": password, "confirm": confirm}
    )


async def test_reset_by_email_end_to_end(
    runtime: Runtime, directory: Directory, clients: ClientFactory, smtp_sink: SmtpServer
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    async with clients() as old_browser, clients() as browser:
        await sign_in(old_browser, "ayse@example.test")
        login = await browser.get("/login")
        assert 'href="/login/forgot"' in login.text and "Forgot password?" in login.text
        answer = await _ask(browser, "Ayse@Example.test")
        assert answer.status_code == 200
        assert "If an account exists for that address" in answer.text
        await scheduler_of(runtime).drain()
        [mail] = await smtp_sink.wait_for(1)
        assert mail.rcpt_tos == ("ayse@example.test",)
        assert mail.message["Subject"] == "Reset your Helpdesk password"
        path = link_path(mail)

        refused = await _set(browser, path, NEW_PASSWORD, "something else")
        assert refused.status_code == 422
        assert "the two passwords differ" in refused.text
        short = await _set(browser, path, "short", "short")
        assert short.status_code == 422 and "must be at least 8 characters" in short.text

        done = await _set(browser, path, NEW_PASSWORD, NEW_PASSWORD)
        assert done.status_code == 200 and "Your password is set" in done.text
        # Every earlier session of the account ended with the change.
        assert (await old_browser.get("/inbox")).status_code == 303

        await sign_in(browser, "ayse@example.test", NEW_PASSWORD)
        async with clients() as other:
            form = await other.get("/login")
            old = await other.post(
                "/login",
                data={"email": "ayse@example.test", "password": PASSWORD,
                      "csrf": csrf_in(form.text)},
            )  # fmt: skip
            assert old.status_code == 401

        # The link worked once.
        again = await browser.get(path)
        assert again.status_code == 410 and "already used" in again.text
        replay = await browser.post(
            path, data={"csrf": "x", "password": "another passphrase", "confirm": "x"}
        )
        assert replay.status_code == 410
    trail = await config_trail(runtime, AuditKind.PASSWORD_RESET_REQUESTED, AuditKind.PASSWORD_SET)
    assert [kind for kind, _, _ in trail] == ["password_reset_requested", "password_set"]
    assert trail[0][1] is None  # the system sent it to whoever asked


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    runtime: Runtime, directory: Directory, clients: ClientFactory, smtp_sink: SmtpServer
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    async with clients() as browser:
        known = await _ask(browser, "bea@example.test")
        unknown = await _ask(browser, "nobody@example.test")
        assert unknown.status_code == known.status_code == 200
        assert _without_csrf(unknown.text) == _without_csrf(known.text)
        await scheduler_of(runtime).drain()
        await smtp_sink.wait_for(1)
        assert [m.rcpt_tos for m in smtp_sink.received] == [("bea@example.test",)]


async def test_an_expired_or_forged_link_is_refused(
    runtime: Runtime,
    directory: Directory,
    clients: ClientFactory,
    smtp_sink: SmtpServer,
    clock: FixedClock,
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    async with clients() as browser:
        await _ask(browser, "bea@example.test")
        await scheduler_of(runtime).drain()
        [mail] = await smtp_sink.wait_for(1)
        path = link_path(mail)
        clock.advance(minutes=59)
        assert (await browser.get(path)).status_code == 200
        clock.advance(minutes=1, seconds=1)
        expired = await browser.get(path)
        assert expired.status_code == 410 and "This link has expired" in expired.text

        token = path.removeprefix("/reset/")
        secret, _, mac = token.partition(".")
        forged = await browser.get(f"/reset/{secret}.{'a' * len(mac)}")
        assert forged.status_code == 404 and "This link is not valid" in forged.text
        unknown = await browser.get("/reset/not-a-token")
        assert unknown.status_code == 404
        # A POST without the page's CSRF cookie is refused before anything changes.
    async with clients() as fresh:
        await _ask(fresh, "bea@example.test")
        await scheduler_of(runtime).drain()
        await smtp_sink.wait_for(2)
        path = link_path(smtp_sink.received[-1])
        no_csrf = await fresh.post(
            path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf": "forged"}
        )
        assert no_csrf.status_code == 403
        assert (await fresh.get(path)).status_code == 200  # still unused


async def test_requests_are_throttled_per_address_and_mails_per_account(
    runtime: Runtime, directory: Directory, clients: ClientFactory, smtp_sink: SmtpServer
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    async with clients() as browser:
        for _ in range(10):
            assert (await _ask(browser, "tom@example.test")).status_code == 200
        throttled = await _ask(browser, "tom@example.test")
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "900"
        await scheduler_of(runtime).drain()
        await smtp_sink.wait_for(3)
        # Three mails an hour at most reach one inbox, whatever the requests.
        assert len(smtp_sink.to("tom@example.test")) == 3


async def test_the_mail_and_the_page_speak_the_users_language(
    runtime: Runtime, directory: Directory, clients: ClientFactory, smtp_sink: SmtpServer
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    async with runtime.stores() as store:
        await services.update_preferences(
            store, directory.users["bea"], language="tr", timezone="Europe/Istanbul"
        )
    async with clients() as browser:
        await _ask(browser, "bea@example.test")
        await scheduler_of(runtime).drain()
        [mail] = await smtp_sink.wait_for(1)
        assert mail.message["Subject"] == "Helpdesk parolanızı sıfırlayın"
        assert mail.message["Content-Language"] == "tr"
        page = await browser.get(link_path(mail))
        assert "<h1>Yeni bir parola seçin</h1>" in page.text
        assert (await browser.get("/login", headers={"accept-language": "tr"})).text.count(
            "Parolanızı mı unuttunuz?"
        ) == 1


async def test_old_requests_are_not_kept(
    runtime: Runtime, directory: Directory, clients: ClientFactory, clock: FixedClock
) -> None:
    async with clients() as browser:
        await _ask(browser, "someone-typed-this@example.test")
        clock.advance(days=1, seconds=1)
        await _ask(browser, "bea@example.test")
    async with runtime.stores() as store:
        emails = [r.email for r in await store.execute(select(password_reset_request_t))]
    assert emails == ["bea@example.test"]


async def test_odd_addresses_and_passwords_are_refused_not_a_500(
    directory: Directory, clients: ClientFactory
) -> None:
    async with clients() as visitor:
        for email in ("a\x00b@example.test", "x" * 5000 + "@example.test", "\u00e9@\u00e9.tr"):
            assert (await _ask(visitor, email)).status_code in (200, 422), email
        form = await visitor.get("/reset/not-a-link")
        assert form.status_code == 404
        for token in ("a%00.b", "x" * 300, "%FF%FE", "a.b"):
            assert (await visitor.get(f"/reset/{token}")).status_code in (404, 410)
            posted = await visitor.post(f"/reset/{token}", data={"password": "\x00" * 10})
            assert posted.status_code in (404, 410)

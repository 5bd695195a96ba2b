"""The mailbox, bot and invitation admin pages in real Chromium: an admin adds a mailbox,
tests its connection against Dovecot and aiosmtpd, adds a bot through the Bot API stand-in,
and invites a colleague; each page gets a screenshot and an axe-core check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from tests.admin.conftest import ADMIN_EMAIL
from tests.admin.served import admin_desk
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer
from tests.support.telegram_api import BotApiStandIn

pytestmark = pytest.mark.asyncio(loop_scope="session")
SHOTS = Path(__file__).parent / "screenshots"


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[str]:
    async with admin_desk(tmp_path, sqlite_template) as base_url:
        yield base_url


async def test_an_admin_sets_up_mail_and_chat_in_the_browser(
    browser: Browser,
    served: str,
    mailbox: MailUser,
    smtp_sink: SmtpServer,
    telegram_api: BotApiStandIn,
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(f"{served}/login")
        await page.get_by_label("Email").fill(ADMIN_EMAIL)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.goto(f"{served}/admin")
        await (
            page.get_by_role("navigation", name="Administration")
            .get_by_role("link", name="Mailboxes")
            .click()
        )
        await page.get_by_role("link", name="Add mailbox").click()
        await page.get_by_label("Name", exact=True).fill("support")
        await page.get_by_label("Support address").fill(mailbox.address)
        await page.get_by_label("IMAP host").fill(mailbox.host)
        await page.get_by_label("IMAP port").fill("99999")
        await page.get_by_label("IMAP user").fill(mailbox.address)
        await page.get_by_label("IMAP password").fill(mailbox.password)
        await page.get_by_label("SMTP host").fill("127.0.0.1")
        await page.get_by_label("SMTP port").fill(str(smtp_sink.port))
        await page.get_by_label("SMTP encryption").select_option("none")
        await page.get_by_label("IMAP encryption").select_option("none")
        # The browser's own range check would stop the form; the server's answer is tested.
        await page.locator("#f-imap_port").evaluate("e => e.removeAttribute('max')")
        await page.get_by_role("button", name="Save mailbox").click()
        await expect(page.locator("#e-imap_port")).to_be_visible()
        await expect(page.get_by_label("IMAP port")).to_have_attribute("aria-invalid", "true")
        await check_page(page, "mail-01-mailbox-form-errors", SHOTS, full_page=True)
        await page.get_by_label("IMAP port").fill(str(mailbox.port))
        await page.get_by_label("IMAP password").fill(mailbox.password)
        await page.get_by_role("button", name="Save mailbox").click()
        await expect(page.locator("main").get_by_role("status")).to_have_text(
            "Mailbox support saved."
        )
        await page.get_by_role("button", name="Test connection of support").click()
        report = page.locator("main").get_by_role("status")
        await expect(report).to_contain_text("IMAP: working", timeout=60_000)
        await expect(report).to_contain_text("SMTP: working")
        await check_page(page, "mail-02-mailboxes-tested", SHOTS)

        await page.get_by_role("link", name="Telegram bots").click()
        await page.get_by_label("Name", exact=True).fill("support")
        await page.get_by_label("Bot token").fill(telegram_api.token)
        await page.get_by_label("Bot API server").fill(telegram_api.base_url)
        await page.get_by_role("button", name="Check token and add bot").click()
        await expect(page.get_by_role("cell", name="@helpdesk_123456789_bot")).to_be_visible()
        await page.get_by_role("button", name="Set webhook of support").click()
        await expect(page.locator("main").get_by_role("status")).to_contain_text("webhook set to")
        await check_page(page, "mail-03-bots-webhook-set", SHOTS)

        await page.get_by_role("link", name="Invitations").click()
        await page.get_by_label("Name", exact=True).fill("Nur Newcomer")
        await page.get_by_label("Email").fill("nur@example.test")
        await page.get_by_label("Role").select_option("agent")
        await page.get_by_label("Support").check()
        await page.get_by_role("button", name="Send invitation").click()
        await expect(page.locator("main").get_by_role("status")).to_have_text(
            "The invitation to nur@example.test is queued; it leaves with the next mail delivery."
        )
        await expect(page.get_by_role("cell", name="nur@example.test")).to_be_visible()
        await check_page(page, "mail-04-invitations", SHOTS, full_page=True)
        [mail] = await smtp_sink.wait_for(1, timeout=60, to="nur@example.test")
        assert mail.rcpt_tos == ("nur@example.test",)
    finally:
        await context.close()

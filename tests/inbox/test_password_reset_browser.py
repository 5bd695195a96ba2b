"""The forgot-password flow in real Chromium: the link on the sign-in page, the neutral answer,
the mail at a real SMTP server, the new password set through the link, and signing in with it."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET
from tests.inbox.browser import check_page
from tests.inbox.mail_support import add_sending_mailbox
from tests.inbox.support import setup_directory
from tests.support.asgi import serve_asgi
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

NEW_PASSWORD = "a brand new passphrase"


@pytest_asyncio.fixture(loop_scope="session")
async def served(
    tmp_path: Path, sqlite_template: Path, smtp_sink: SmtpServer
) -> AsyncIterator[tuple[Runtime, str]]:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    rt = assemble(settings)
    await start(rt, periodic=False)
    try:
        await setup_directory(rt)
        await add_sending_mailbox(rt, smtp_sink)
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield rt, base_url
    finally:
        await rt.close()


async def test_forgot_password_in_the_browser(
    browser: Browser, served: tuple[Runtime, str], smtp_sink: SmtpServer
) -> None:
    _, base_url = served
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/login")
        await page.get_by_role("link", name="Forgot password?").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
        await check_page(page, "reset-01-forgot-form")
        await page.get_by_label("Email").fill("ayse@example.test")
        await page.get_by_role("button", name="Send reset link").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "If an account exists for that address"
        )
        await check_page(page, "reset-02-link-sent")

        [mail] = await smtp_sink.wait_for(1, timeout=60, to="ayse@example.test")
        body = mail.message.get_body(("plain",))
        assert body is not None
        match = re.search(r"https?://\S+(/reset/\S+)", body.get_content())
        assert match, body.get_content()
        # The mail names the configured base URL; the test server listens elsewhere.
        await page.goto(base_url + match.group(1))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
        await page.get_by_label("New password").fill(NEW_PASSWORD)
        await page.get_by_label("Repeat the password").fill("not the same passphrase")
        await page.get_by_role("button", name="Set password").click()
        await expect(page.locator("#confirm-error")).to_have_text("the two passwords differ")
        await check_page(page, "reset-03-field-error")
        await page.get_by_label("New password").fill(NEW_PASSWORD)
        await page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Set password").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Password set")
        await check_page(page, "reset-04-done")

        await page.get_by_role("link", name="Sign in").click()
        await page.get_by_label("Email").fill("ayse@example.test")
        await page.get_by_label("Password").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("navigation", name="Views")).to_be_visible()

        await page.goto(base_url + match.group(1))
        await expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
        await expect(page.get_by_role("alert")).to_have_text(
            "This link was already used. Ask for a new one."
        )
        await check_page(page, "reset-05-used-link")
    finally:
        await context.close()

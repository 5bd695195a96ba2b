"""An agent's day in real Chromium: sign in, take a ticket from the unassigned view, reply
with a macro, mention a colleague (who sees it live), solve, and find the ticket again by a
word of its message; and two sessions racing on one ticket."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Status
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.tables import message_t
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD, Directory, customer_writes, setup_directory
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")

HOSTILE = (
    '<p>Hello.</p><script>alert("script ran")</script>'
    '<img src="x" onerror="alert(\'onerror ran\')">'
)


@pytest_asyncio.fixture(loop_scope="session")
async def served(
    tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[tuple[Runtime, Directory, str]]:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    rt = assemble(settings)
    await start(rt, periodic=False)
    try:
        directory = await setup_directory(rt)
        async with rt.stores() as store:
            await services.create_macro(
                store, "Ask for a photo",
                "Hello {{customer.first_name}}, could you send us a photo of the error? "
                "Thanks, {{agent.first_name}}",
                team_id=directory.teams["Support"], set_status=Status.PENDING,
            )  # fmt: skip
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield rt, directory, base_url
    finally:
        await rt.close()


async def _signed_in(browser: Browser, base_url: str, email: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    alerts: list[str] = []
    page.on("dialog", lambda d: alerts.append(d.message))
    page.alerts = alerts  # type: ignore[attr-defined]
    await page.goto(base_url)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("navigation", name="Views")).to_be_visible()
    return context, page


async def _outbound(rt: Runtime, ticket_id: int) -> list[str]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(message_t.c.text)
            .where(message_t.c.ticket_id == ticket_id, message_t.c.direction == "outbound")
            .order_by(message_t.c.id)
        )
        return [r.text for r in rows]


async def test_an_agents_day(browser: Browser, served: tuple[Runtime, Directory, str]) -> None:
    _, _, base_url = served
    # The colleague is already at work, watching her inbox.
    bea_context, bea = await _signed_in(browser, base_url, "bea@example.test")
    await expect(bea.locator("#unread")).to_have_text("0")

    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(base_url)
        await expect(page).to_have_url(re.compile(r"/login$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Helpdesk")
        await check_page(page, "01-sign-in")
        await page.get_by_label("Email").fill("ayse@example.test")
        await page.get_by_label("Password").fill("not my password")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()

        await (
            page.get_by_role("navigation", name="Views")
            .get_by_role("link", name=re.compile("^Unassigned"))
            .click()
        )
        ticket_link = page.get_by_role("link", name=re.compile("Printer on fire"))
        await expect(ticket_link).to_be_visible()
        await expect(page.get_by_role("link", name=re.compile("API returns 502"))).to_have_count(0)
        await check_page(page, "02-inbox-unassigned")

        await page.keyboard.press("?")
        await expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
        await page.keyboard.press("Escape")

        await ticket_link.click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Printer on fire")
        await page.get_by_role("button", name="Assign to me").click()
        await expect(page.get_by_text("Assignee: Ayşe Agent")).to_be_visible()

        await page.get_by_label("Macro").select_option(label="Ask for a photo")
        await page.get_by_role("button", name="Insert macro").click()
        reply = page.get_by_role("textbox", name="Reply")
        await expect(reply).to_have_value(
            "Hello Jane, could you send us a photo of the error? Thanks, Ayşe"
        )
        await check_page(page, "03-ticket-macro")
        await page.get_by_role("button", name=re.compile("^Send")).first.click()
        sent = page.locator("article.msg-agent").filter(has_text="could you send us a photo")
        await expect(sent).to_be_visible()
        await expect(sent.locator(".delivery")).to_be_visible()
        await expect(page.locator(".ticket-head .pill").first).to_have_text("Pending")

        await page.get_by_role("tab", name="Internal note").click()
        await page.get_by_role("textbox", name="Internal note").fill(
            "@bea could you phone Jane if she does not answer today?"
        )
        await page.get_by_role("button", name="Add note").click()
        await expect(page.locator("article.msg-note")).to_contain_text("@bea could you phone")

        # Bea's page was never reloaded: the count arrived over the live stream.
        await expect(bea.locator("#unread")).to_have_text("1", timeout=10_000)
        await check_page(bea, "04-colleague-live-notification")
        await bea.get_by_role("link", name=re.compile("^Notifications")).click()
        await expect(
            bea.get_by_role("link", name=re.compile("Ayşe Agent mentioned you"))
        ).to_be_visible()
        await check_page(bea, "05-notifications")

        await page.get_by_role("button", name="Solve", exact=True).click()
        await expect(page.locator(".ticket-head .pill").first).to_have_text("Solved")
        await check_page(page, "06-ticket-solved")

        await page.get_by_role("searchbox", name="Search tickets").fill("smoke")
        await page.keyboard.press("Enter")
        found = page.get_by_role("link", name=re.compile("Printer on fire"))
        await expect(found).to_be_visible()
        await check_page(page, "07-search")
        await found.click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Printer on fire")
    finally:
        await context.close()
        await bea_context.close()


async def test_a_reply_racing_another_agents_reply_is_held_back(
    browser: Browser, served: tuple[Runtime, Directory, str]
) -> None:
    rt, directory, base_url = served
    ticket = directory.tickets["support"]
    first_context, first = await _signed_in(browser, base_url, "ayse@example.test")
    second_context, second = await _signed_in(browser, base_url, "bea@example.test")
    try:
        for page in (first, second):
            await page.goto(f"{base_url}/inbox/tickets/{ticket}")
        await first.get_by_role("textbox", name="Reply").fill("Ayşe here: please restart it.")
        await second.get_by_role("textbox", name="Reply").fill("Bea here: we are sending a tech.")
        await second.get_by_role("button", name="Send", exact=True).click()
        await expect(second.locator("article.msg-agent")).to_contain_text("we are sending a tech")

        await first.get_by_role("button", name="Send", exact=True).click()
        await expect(first.get_by_role("alert")).to_contain_text("Your reply was not sent.")
        await expect(first.locator("article.msg-new")).to_contain_text("we are sending a tech")
        await expect(first.get_by_role("textbox", name="Reply")).to_have_value(
            "Ayşe here: please restart it."
        )
        await check_page(first, "08-stale-reply")
        assert await _outbound(rt, ticket) == ["Bea here: we are sending a tech."]

        await first.get_by_role("button", name="Send anyway").click()
        await expect(first.locator("article.msg-agent")).to_have_count(2)
        assert await _outbound(rt, ticket) == [
            "Bea here: we are sending a tech.",
            "Ayşe here: please restart it.",
        ]
    finally:
        await first_context.close()
        await second_context.close()


async def test_hostile_mail_never_runs_in_the_browser(
    browser: Browser, served: tuple[Runtime, Directory, str]
) -> None:
    rt, _, base_url = served
    ticket = await customer_writes(
        rt, "hostile", "mallory@example.com", "Mallory", "Invoice", "Hello.", html=HOSTILE
    )
    context, page = await _signed_in(browser, base_url, "sam@example.test")
    try:
        await page.goto(f"{base_url}/inbox/tickets/{ticket}")
        await page.get_by_text("Original email").click()
        frame = page.frame_locator("iframe[title='Original email']")
        await expect(frame.get_by_text("Hello.")).to_be_visible()
        await page.wait_for_timeout(300)  # give an injected handler its chance to fire
        assert page.alerts == []  # type: ignore[attr-defined]
        await check_page(page, "09-original-email")
    finally:
        await context.close()


async def test_preferences_error_pages_and_the_turkish_ui(
    browser: Browser, served: tuple[Runtime, Directory, str]
) -> None:
    _, directory, base_url = served
    context, page = await _signed_in(browser, base_url, "tom@example.test")
    try:
        response = await page.goto(f"{base_url}/inbox/tickets/{directory.tickets['support']}")
        assert response is not None and response.status == 403
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "You do not have access to this."
        )
        await check_page(page, "10-forbidden")
        await page.get_by_role("link", name="Tom Agent").click()
        await check_page(page, "11-preferences")
        await page.get_by_role("button", name="Set up two-factor authentication").click()
        await expect(page.get_by_label("Code from your app")).to_be_visible()
        await check_page(page, "11b-two-factor-set-up")
        await page.get_by_label("Language").select_option("tr")
        await page.get_by_label("Time zone").select_option("Europe/Istanbul")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status").filter(has_text="Kaydedildi.")).to_be_visible()
        await page.get_by_role("link", name=re.compile("^Sınıflandırılacaklar")).click()
        await expect(page.get_by_role("link", name=re.compile("API returns 502"))).to_be_visible()
        await check_page(page, "12-inbox-turkish")
        await page.get_by_role("link", name="Tom Agent").click()
        await page.get_by_role("button", name="Her yerde çıkış yap").click()
        # Signed out, the page follows the browser's language again (English here).
        await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        await context.close()


async def test_live_list_keyboard_and_image_preview(
    browser: Browser, served: tuple[Runtime, Directory, str]
) -> None:
    rt, directory, base_url = served
    context, page = await _signed_in(browser, base_url, "tom@example.test")
    try:
        # Latest activity first (the default is the SLA due time, and none of these has one),
        # so the ticket that arrives while Tom looks becomes the first row.
        await page.goto(f"{base_url}/inbox?view=triage&sort=updated")
        await expect(page.get_by_role("link", name=re.compile("API returns 502"))).to_be_visible()
        # A customer writes while Tom looks at the list: it appears without a reload.
        await customer_writes(
            rt, "live-1", "kim@example.com", "Kim", "Dashboard is blank", "Nothing loads."
        )
        fresh = page.get_by_role("link", name=re.compile("Dashboard is blank"))
        await expect(fresh).to_be_visible(timeout=10_000)

        await page.locator("body").click(position={"x": 5, "y": 300})
        await page.keyboard.press("j")
        await page.keyboard.press("j")
        await expect(page.locator(".row.selected")).to_have_count(1)
        await page.keyboard.press("k")
        first = page.locator(".rows .row").first
        await expect(first).to_have_class(re.compile("selected"))
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard is blank")
        await page.keyboard.press("a")
        await expect(page.get_by_text("Assignee: Tom Agent")).to_be_visible()
        await page.keyboard.press("r")
        await expect(page.get_by_role("textbox", name="Reply")).to_be_focused()
        await page.keyboard.press("Escape")
        await page.locator("h1").click()
        await page.keyboard.press("n")
        await expect(page.get_by_role("textbox", name="Internal note")).to_be_focused()
        await page.locator("h1").click()
        await page.keyboard.press("s")
        await expect(page.locator(".ticket-head .pill").first).to_have_text("Solved")

        await page.goto(f"{base_url}/inbox/tickets/{directory.tickets['tech']}")
        preview = page.get_by_role("img", name="trace.png")
        await expect(preview).to_be_visible()
        # The preview really decodes (served inline from our origin, allowed by the CSP).
        await page.wait_for_function(
            "() => document.querySelector('img[alt=\"trace.png\"]').naturalWidth === 160"
        )
        await check_page(page, "13-attachment-preview")

        await page.set_viewport_size({"width": 390, "height": 844})  # a phone
        await check_page(page, "14-ticket-phone")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the ticket page must not scroll sideways on a phone"
    finally:
        await context.close()

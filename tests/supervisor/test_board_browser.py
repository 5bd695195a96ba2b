"""A supervisor in real Chromium watches a ticket's first-reply clock go from at risk to
breached on the board without reloading, acknowledges the escalation, and reads the reports
and the escalation feed, in English and in Turkish; every page gets a screenshot and axe-core."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from helpdesk.app import create_app
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD
from tests.supervisor.scene import Scene, scene
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")
SCREENSHOTS = Path(__file__).parent / "screenshots"
PERIOD = "from=2026-06-01&to=2026-06-07"


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[tuple[Scene, str]]:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    clock = FixedClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    rt: Runtime = assemble(settings, clock=clock)
    await start(rt, periodic=False)
    try:
        found = await scene(rt, clock)
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield found, base_url
    finally:
        await rt.close()


async def _sign_in(page: Page, base_url: str) -> None:
    await page.goto(base_url)
    await page.get_by_label("Email").fill("sam@example.test")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("navigation", name="Views")).to_be_visible()


async def test_a_breach_appears_live_and_the_supervisor_acknowledges_it(
    browser: Browser, served: tuple[Scene, str]
) -> None:
    found, base_url = served
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    try:
        await _sign_in(page, base_url)
        await page.get_by_role("link", name="SLA board").click()
        row = page.locator(f'tr[data-ticket="{found.ticket}"]')
        await expect(row).to_contain_text("At risk")
        await expect(page.locator("#n-at-risk")).to_have_text("1")
        await check_page(page, "board-at-risk", SCREENSHOTS)

        # A mark on this very document: if the page reloaded, it would be gone.
        await page.evaluate("window.stillTheSamePage = true")
        await found.breach()
        await expect(row).to_contain_text("Breached", timeout=20_000)
        await expect(row).to_contain_text("Level 2")
        await expect(page.locator("#n-breached")).to_have_text("1")
        assert await page.evaluate("window.stillTheSamePage === true")
        await check_page(page, "board-breached", SCREENSHOTS)

        await row.get_by_role("button", name="Acknowledge").click()
        await expect(row).to_contain_text("Acknowledged")
        await expect(row.get_by_role("button", name="Acknowledge")).to_have_count(0)

        await page.goto(f"{base_url}/supervisor/reports?{PERIOD}")
        await expect(page.get_by_role("heading", name="SLA achieved per day")).to_be_visible()
        await expect(page.get_by_role("img", name="SLA achieved per day, percent")).to_be_visible()
        await check_page(page, "reports", SCREENSHOTS, full_page=True)

        await page.goto(f"{base_url}/supervisor/escalations?{PERIOD}")
        first = page.locator("tbody tr").first
        await expect(first).to_contain_text("Sam Supervisor")
        await check_page(page, "escalations", SCREENSHOTS)

        # The ticket's own page shows the breached clock, its level and why it was due then.
        await page.goto(f"{base_url}/inbox/tickets/{found.ticket}")
        panel = page.locator(".sla-panel")
        clock = panel.locator('[data-metric="first_reply"]')
        await expect(clock).to_contain_text("Breached")
        await expect(clock).to_contain_text("Level 2")
        await clock.get_by_text("Why is this due at").click()
        await expect(clock.locator(".sla-events")).to_contain_text("Started")
        await check_page(page, "ticket-sla", SCREENSHOTS)

        await page.goto(f"{base_url}/inbox/preferences")
        await page.get_by_label("Language").select_option("tr")
        await page.get_by_label("Time zone").select_option("Europe/Istanbul")
        await page.get_by_role("button", name="Save").click()
        await page.goto(f"{base_url}/supervisor")
        await expect(page.get_by_role("heading", name="SLA panosu")).to_be_visible()
        await expect(row).to_contain_text("Aşıldı")
        await check_page(page, "board-tr", SCREENSHOTS)
        await page.goto(f"{base_url}/supervisor/reports?{PERIOD}")
        await check_page(page, "reports-tr", SCREENSHOTS, full_page=True)
        await page.goto(f"{base_url}/supervisor/escalations?{PERIOD}")
        await check_page(page, "escalations-tr", SCREENSHOTS)
    finally:
        await context.close()

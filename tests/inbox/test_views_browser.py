"""Views in real Chromium: the SLA views in the rail, a supervisor filters a view, saves it
shared with a team and opens it; an agent of that team finds it in her rail."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET, scheduler_of
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD, Directory, customer_writes, setup_directory
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")


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
        now = rt.clock.now()
        dues = {}
        for i, (subject, priority, due) in enumerate((
            ("Payment page is blank", "urgent", timedelta(minutes=25)),
            ("Invoice has the wrong address", "normal", timedelta(minutes=50)),
            ("Cannot log in since Monday", "urgent", timedelta(hours=-2)),
            ("Question about a discount", "low", timedelta(days=2)),
        )):  # fmt: skip
            ticket = await customer_writes(rt, f"view-{i}", f"c{i}@example.com", f"Customer {i}",
                                           subject, "Please help.")  # fmt: skip
            async with rt.stores() as store:
                await services.update_ticket(store, ticket, Actor.system(), TicketChanges(
                    team_id=directory.teams["Support"], priority=priority))  # fmt: skip
            dues[ticket] = now + due
        # The SLA evaluations those changes queued run first: they would set the due times back.
        await scheduler_of(rt).drain()
        async with rt.stores() as store:
            await services.set_sla_next_due(store, dues)
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield rt, directory, base_url
    finally:
        await rt.close()


async def _sign_in(browser: Browser, base_url: str, email: str) -> Page:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    await page.goto(base_url)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("navigation", name="Views")).to_be_visible()
    return page


async def test_a_supervisor_saves_a_shared_view_and_an_agent_opens_it(
    browser: Browser, served: tuple[Runtime, Directory, str]
) -> None:
    _, _, base_url = served
    sam = await _sign_in(browser, base_url, "sam@example.test")
    rail = sam.get_by_role("navigation", name="Views")
    try:
        # The SLA views with their counts: two due within the hour, one overdue.
        await expect(rail.get_by_role("link", name=re.compile(r"^At risk 2$"))).to_be_visible()
        await expect(rail.get_by_role("link", name=re.compile(r"^Breached 1$"))).to_be_visible()
        await rail.get_by_role("link", name=re.compile("^At risk")).click()
        rows = sam.locator(".row .subject")
        await expect(rows).to_have_text(["Payment page is blank", "Invoice has the wrong address"])
        await expect(sam.locator(".row-due").first).to_contain_text("Due")
        await check_page(sam, "views-01-at-risk")

        # Support's queue, urgent only, soonest due first; saved for the Support team.
        await rail.get_by_role("link", name=re.compile("^Support")).click()
        await sam.get_by_text("Filters").click()
        await sam.get_by_label("Priority").select_option("urgent")
        await sam.get_by_label("Sort").select_option("due")
        await sam.get_by_role("button", name="Apply").click()
        await expect(rows).to_have_text(["Cannot log in since Monday", "Payment page is blank"])
        await sam.get_by_text("Save view").click()
        await sam.get_by_label("View name").fill("Urgent in Support")
        await sam.get_by_label("Who sees it").select_option("team")
        await sam.get_by_label("For team").select_option(label="Support")
        await check_page(sam, "views-02-save-form")
        await sam.get_by_role("button", name="Save", exact=True).click()
        saved = rail.get_by_role("link", name=re.compile(r"^Urgent in Support 2$"))
        await expect(saved).to_have_attribute("aria-current", "page")
        await expect(rows).to_have_text(["Cannot log in since Monday", "Payment page is blank"])
        await check_page(sam, "views-03-saved-view")

        # Ayşe (Support) finds it in her rail and opens it.
        ayse = await _sign_in(browser, base_url, "ayse@example.test")
        mine = ayse.get_by_role("navigation", name="Views")
        await mine.get_by_role("link", name=re.compile("^Urgent in Support")).click()
        await expect(ayse.get_by_role("heading", level=1)).to_contain_text("Urgent in Support")
        await expect(ayse.locator(".row .subject")).to_have_text(
            ["Cannot log in since Monday", "Payment page is blank"]
        )
        await expect(ayse.get_by_text("Edit view")).to_have_count(0)  # hers to use, not change
        await check_page(ayse, "views-04-agent-opens-shared")
        # Tom (Tech) does not have it.
        tom = await _sign_in(browser, base_url, "tom@example.test")
        await expect(tom.get_by_role("link", name=re.compile("^Urgent in Support"))).to_have_count(
            0
        )
    finally:
        for context in browser.contexts:
            await context.close()

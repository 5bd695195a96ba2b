"""The tag filter in real Chromium: an agent follows a row's tag chip to the tagged tickets of
her view, then types another tag into the filter bar; axe-core clean, screenshots written."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD, setup_directory
from tests.inbox.support import customer_writes as writes
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")
TICKETS: tuple[tuple[str, list[str]], ...] = (
    ("Refund for order 17", ["refund", "vip"]),
    ("Laptop will not boot", ["hardware"]),
    ("Charged twice this month", ["refund"]),
    ("Where is my parcel", []),
)


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[str]:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    rt: Runtime = assemble(settings)
    await start(rt, periodic=False)
    try:
        directory = await setup_directory(rt)
        for i, (subject, tags) in enumerate(TICKETS):
            ticket = await writes(rt, f"tag-{i}", f"c{i}@example.com", "C", subject, "Hello.")
            async with rt.stores() as store:
                await services.update_ticket(store, ticket, Actor.system(), TicketChanges(
                    team_id=directory.teams["Support"], tags=tags))  # fmt: skip
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield base_url
    finally:
        await rt.close()


async def test_an_agent_follows_a_tag_chip_and_filters_by_a_typed_tag(
    browser: Browser, served: str
) -> None:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(served)
        await page.get_by_label("Email").fill("ayse@example.test")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        rail = page.get_by_role("navigation", name="Views")
        await rail.get_by_role("link", name=re.compile("^Support")).click()
        rows = page.locator(".row .subject")
        await expect(rows).to_have_count(len(TICKETS) + 1)  # and the directory's own ticket
        await check_page(page, "tags-01-chips-on-rows")

        await page.get_by_role("link", name="Tickets tagged refund").first.click()
        # The default order, SLA due first: none has a clock, so oldest first.
        await expect(rows).to_have_text(["Refund for order 17", "Charged twice this month"])
        await expect(page.get_by_role("heading", level=1)).to_contain_text("tagged refund")
        await check_page(page, "tags-02-filtered-by-chip")

        # The filter bar is open while a filter applies, with the tag in it.
        tag = page.get_by_role("textbox", name="Tag", exact=True)
        await expect(tag).to_have_value("refund")
        await tag.fill("Hardware")  # typed as a person would; tags are lowercase
        await page.get_by_role("button", name="Apply").click()
        await expect(rows).to_have_text(["Laptop will not boot"])
        await expect(page.get_by_role("textbox", name="Tag", exact=True)).to_have_value("hardware")
        await check_page(page, "tags-03-typed-in-filter-bar")
    finally:
        await context.close()

"""The ticket page's customer sidebar, composer attachments, split and merge, driven in real
Chromium with a screenshot and an axe-core check of every page on the way."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from sqlalchemy import select

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.settings import Settings
from helpdesk.tables import attachment_t, ticket_t
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET
from tests.inbox.browser import check_page
from tests.inbox.support import PNG, Directory, customer_writes, setup_directory
from tests.inbox.test_inbox_browser import _signed_in
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def desk(
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
        directory.tickets["second"] = await customer_writes(
            rt, "jane-toner", "jane@example.com", "Jane Doe", "Toner delivery",
            "Where is the toner I ordered last week?",
        )  # fmt: skip
        await customer_writes(
            rt, "support-2", "jane@example.com", "Jane Doe", "Re: Printer on fire",
            "Unrelated: my invoice for May is missing.", references=("<support-1@example.com>",),
        )  # fmt: skip
        async with rt.stores() as store:
            await services.update_ticket(
                store, directory.tickets["second"], Actor.system(),
                TicketChanges(team_id=directory.teams["Support"]),
            )  # fmt: skip
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield rt, directory, base_url
    finally:
        await rt.close()


async def test_sidebar_attachments_split_and_merge(
    browser: Browser, desk: tuple[Runtime, Directory, str], tmp_path: Path
) -> None:
    rt, directory, base_url = desk
    ticket = directory.tickets["support"]
    context, page = await _signed_in(browser, base_url, "ayse@example.test")
    try:
        await page.goto(f"{base_url}/inbox/tickets/{ticket}")
        sidebar = page.get_by_role("region", name="Customer")
        await expect(sidebar).to_contain_text("jane@example.com")
        await expect(sidebar.get_by_role("link", name="Toner delivery")).to_be_visible()
        await expect(sidebar).to_contain_text("No ratings yet")
        await check_page(page, "20-customer-sidebar")

        photo = tmp_path / "printer.png"
        photo.write_bytes(PNG)
        await page.get_by_label("Attachments").set_input_files(str(photo))
        await page.get_by_role("textbox", name="Reply").fill("A photo of a healthy printer.")
        await page.get_by_role("button", name="Send", exact=True).click()
        await expect(page.locator("article.msg-agent")).to_contain_text("healthy printer")
        await expect(page.get_by_role("link", name="printer.png", exact=True).last).to_be_visible()
        async with rt.stores.read() as store:
            sizes = [r.size for r in await store.execute(select(attachment_t.c.size))]
        assert len(PNG) in sizes

        invoice = page.locator("article.msg-customer", has_text="invoice for May")
        await invoice.get_by_role("button", name="Split into a new ticket").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Re: Printer on fire")
        await expect(page.locator("article.msg-customer")).to_contain_text("invoice for May")
        await check_page(page, "21-split-ticket")

        async with rt.stores.read() as store:
            target_number = (
                await store.execute(
                    select(ticket_t.c.number).where(ticket_t.c.id == directory.tickets["second"])
                )
            ).scalar_one()
        await page.goto(f"{base_url}/inbox/tickets/{ticket}")
        await page.get_by_text("Merge into another ticket").click()
        await page.get_by_label("Ticket number").fill(str(target_number))
        await page.get_by_role("button", name="Merge…").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{target_number}?")
        await check_page(page, "22-merge-confirm")
        await page.get_by_role("button", name=f"Merge into #{target_number}").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Toner delivery")
        await expect(page.locator("ol.timeline")).to_contain_text("office printer shows error E42")
        await check_page(page, "23-merged-ticket")
    finally:
        await context.close()


async def test_two_agents_see_each_other_viewing_and_typing(
    browser: Browser, desk: tuple[Runtime, Directory, str]
) -> None:
    _, directory, base_url = desk
    ticket = directory.tickets["support"]
    ayse_context, ayse = await _signed_in(browser, base_url, "ayse@example.test")
    bea_context, bea = await _signed_in(browser, base_url, "bea@example.test")
    try:
        await ayse.goto(f"{base_url}/inbox/tickets/{ticket}")
        await expect(ayse.get_by_role("status", name="Others on this ticket")).to_be_empty()
        await bea.goto(f"{base_url}/inbox/tickets/{ticket}")
        ayse_sees = ayse.get_by_role("status", name="Others on this ticket")
        bea_sees = bea.get_by_role("status", name="Others on this ticket")
        await expect(ayse_sees).to_have_text("Bea Agent is viewing")
        # Bea arrived second and still learns that Ayşe was already there.
        await expect(bea_sees).to_have_text("Ayşe Agent is viewing")

        await bea.get_by_role("textbox", name="Reply").press_sequentially("We are on")
        await expect(ayse_sees).to_have_text("Bea Agent is typing…")
        await check_page(ayse, "24-presence-typing")

        await bea.goto(f"{base_url}/inbox")
        await expect(ayse_sees).to_be_empty()
    finally:
        for context in (ayse_context, bea_context):
            await context.close()

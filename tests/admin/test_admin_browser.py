"""An admin in real Chromium creates a team, a user in it and a macro, rewords the survey, and
finds each change in the audit log; every page gets a screenshot and an axe-core check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from tests.admin.served import admin_desk, sign_in_admin
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD

pytestmark = pytest.mark.asyncio(loop_scope="session")
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[str]:
    async with admin_desk(tmp_path, sqlite_template) as base_url:
        yield base_url


async def test_an_admin_sets_up_a_team_a_person_and_a_macro_and_audits_it(
    browser: Browser, served: str
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await sign_in_admin(page, served)
        await page.get_by_role("link", name="Administration").first.click()
        await expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
        await check_page(page, "admin-home", SCREENSHOTS)

        rail = page.get_by_role("navigation", name="Administration")
        await rail.get_by_role("link", name="Teams").click()
        await expect(page.get_by_role("heading", name="Teams", level=1)).to_be_visible()
        await check_page(page, "teams", SCREENSHOTS, full_page=True)
        new_team = page.get_by_role("form", name="New team")
        await new_team.get_by_role("button", name="Create team").click()  # no name yet
        assert await new_team.get_by_label("Name").evaluate("e => !e.validity.valid")
        await new_team.get_by_label("Name").fill("Support")  # taken: refused at the field
        await new_team.get_by_role("button", name="Create team").click()
        await expect(page.locator("#err-name")).to_have_text("another team has this name")
        await check_page(page, "teams-refused", SCREENSHOTS, full_page=True)
        await page.get_by_role("form", name="New team").get_by_label("Name").fill("Billing")
        await page.get_by_role("button", name="Create team").click()
        await expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()
        await page.get_by_label("Add a member").select_option(label="Bea Agent (bea@example.test)")
        await page.get_by_role("button", name="Add member").click()
        await expect(page.get_by_role("cell", name="Bea Agent", exact=True)).to_be_visible()
        await check_page(page, "team", SCREENSHOTS, full_page=True)

        await rail.get_by_role("link", name="Users").click()
        form = page.get_by_role("form", name="New user")
        await form.get_by_label("Name").fill("Nil Newcomer")
        await form.get_by_label("Email").fill("nil@example.test")
        await form.get_by_label("Role").select_option("agent")
        await form.get_by_label("Billing").check()
        await form.get_by_label("Initial password (optional)").fill(PASSWORD)
        await check_page(page, "users", SCREENSHOTS, full_page=True)
        await form.get_by_role("button", name="Create user").click()
        await expect(page.get_by_role("heading", name="Nil Newcomer", level=1)).to_be_visible()
        await expect(page.get_by_label("Billing")).to_be_checked()
        await page.get_by_label("What uses it").fill("reporting")
        await page.get_by_role("button", name="Create token").click()
        await expect(page.locator(".ad-token")).to_contain_text("hd_")
        await check_page(page, "user", SCREENSHOTS, full_page=True)

        await rail.get_by_role("link", name="Teams").click()
        billing = page.get_by_role("row", name="Billing")
        await expect(billing).to_contain_text("2")  # Bea and Nil

        await rail.get_by_role("link", name="Macros").click()
        form = page.get_by_role("form", name="New macro")
        await form.get_by_label("Name").fill("Invoice copy")
        await form.get_by_label("Text").fill("Hello {{customer.first_name}}, here is the copy.")
        await form.get_by_label("Team", exact=True).select_option(label="Billing")
        await form.get_by_label("Also set the status").select_option(label="Solved")
        await form.get_by_role("button", name="Create macro").click()
        await expect(page.get_by_role("heading", name="Invoice copy", level=1)).to_be_visible()
        await check_page(page, "macro", SCREENSHOTS, full_page=True)
        await rail.get_by_role("link", name="Macros").click()
        await check_page(page, "macros", SCREENSHOTS, full_page=True)

        await rail.get_by_role("link", name="Automatic messages").click()
        await check_page(page, "templates", SCREENSHOTS, full_page=True)
        await page.get_by_role("link", name="Satisfaction survey (opening)").first.click()
        await page.get_by_label("Message").fill("How did we do on #{number}? {mood}")
        await page.get_by_role("button", name="Save text").click()
        await expect(page.locator("#err-text")).to_contain_text("unknown placeholders {mood}")
        await check_page(page, "template-refused", SCREENSHOTS, full_page=True)
        await page.get_by_label("Message").fill("How did we do on #{number}?")
        await page.get_by_role("button", name="Save text").click()
        await expect(page.locator(".ad-notice")).to_have_text("Saved.")
        await check_page(page, "template", SCREENSHOTS, full_page=True)

        await rail.get_by_role("link", name="Audit log").click()
        entries = page.get_by_role("table")
        for what in ("Automatic message changed", "Macro created", "API token created",
                     "User created", "Member added", "Team created"):  # fmt: skip
            await expect(entries.get_by_role("cell", name=what, exact=True).first).to_be_visible()
        await expect(entries).to_contain_text("name: Billing")
        await expect(entries).to_contain_text("email: nil@example.test")
        await expect(entries).to_contain_text("team: Billing; user: Bea Agent")  # by name
        await expect(entries).to_contain_text("teams: Billing")
        await check_page(page, "audit", SCREENSHOTS, full_page=True)
        await page.get_by_label("What").select_option("macro_created")
        await page.get_by_role("button", name="Filter").click()
        await expect(entries.get_by_role("row")).to_have_count(2)  # the header and the macro
        await expect(entries).to_contain_text("Invoice copy")
        await expect(entries).to_contain_text("Ada Admin")
        await check_page(page, "audit-filtered", SCREENSHOTS, full_page=True)
    finally:
        await context.close()

"""In real Chromium: an admin builds a web form in the editor (watching the live preview),
saves it, and the public page renders it and turns a submission into a ticket; and an admin
changes a routing rule, reads its dry-run with the ticket it matches, enables it, and the next
ticket is routed by it. Every page gets a screenshot and an axe-core check."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from sqlalchemy import select

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.tables import message_t, ticket_t
from helpdesk.worker import assemble, start
from routing import rule_edits
from routing.rules import Rule
from tests.admin.conftest import ADMIN_EMAIL
from tests.admin.served import sign_in_admin
from tests.fixtures_db import SECRET
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD, Directory, customer_writes, setup_directory
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")
SCREENSHOTS = Path(__file__).parent / "screenshots"
RULE = "API errors to Tech"


@dataclass
class Desk:
    rt: Runtime
    directory: Directory
    base_url: str


@pytest_asyncio.fixture(loop_scope="session")
async def desk(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Desk]:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    rt: Runtime = assemble(settings, clock=FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)))
    await start(rt, periodic=False)
    try:
        directory = await setup_directory(rt)
        async with rt.stores() as store:
            ada = await services.create_user(
                store, email=ADMIN_EMAIL, name="Ada Admin", role=Role.ADMIN, password=PASSWORD
            )
            await services.create_category(store, "returns", "Returns")
            # Saved earlier, still disabled: it looks for a word no ticket has.
            draft = Rule.model_validate(
                {
                    "name": RULE,
                    "active": False,
                    "all": [{"field": "message.text", "op": "contains", "value": "timeout"}],
                    "actions": [
                        {"kind": "set_priority", "value": "high"},
                        {"kind": "add_tags", "value": ["api"]},
                    ],
                }
            )
            await rule_edits.add_rule(store, draft, user_id=ada)
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield Desk(rt, directory, base_url)
    finally:
        await rt.close()


async def _ticket(rt: Runtime, **where: Any) -> dict[str, Any] | None:
    async with rt.stores.read() as store:
        stmt = select(ticket_t)
        for name, value in where.items():
            stmt = stmt.where(ticket_t.c[name] == value)
        row = (await store.execute(stmt.order_by(ticket_t.c.id.desc()))).mappings().first()
    return None if row is None else dict(row)


async def _eventually(rt: Runtime, ticket_id: int, check: Any) -> dict[str, Any]:
    """The ticket once `check` holds: routing runs after the commit, off the request."""
    for _ in range(600):
        row = await _ticket(rt, id=ticket_id)
        if row is not None and check(row):
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {ticket_id} never got there: {row}")


async def test_an_admin_builds_a_web_form_and_the_public_page_takes_a_ticket(
    browser: Browser, desk: Desk
) -> None:
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await context.new_page()
    try:
        await sign_in_admin(page, desk.base_url)
        await page.goto(f"{desk.base_url}/admin")
        await page.get_by_role("link", name="Web forms").first.click()
        await expect(page.get_by_role("heading", name="Web forms", exact=True)).to_be_visible()
        await page.get_by_role("link", name="New form").click()

        await page.get_by_label("Address (slug)").fill("returns")
        await page.get_by_label("Title (en)").fill("Return a product")
        await page.get_by_label("Title (tr)").fill("Ürün iadesi")
        await page.get_by_role("button", name="Add a field").click()
        card = page.locator("fieldset.fl-field").nth(4)
        await expect(card).to_be_visible()
        # From here the preview follows the typing without a reload (htmx, no page load).
        await page.evaluate("window.stillTheSamePage = true")
        await card.get_by_label("Name").fill("order_number")
        await card.get_by_label("Label (en)").fill("Order number")
        await card.get_by_label("Label (tr)").fill("Sipariş numarası")
        await card.get_by_label("Required").check()
        await page.get_by_label("Returns").check()

        # The preview is the public page's template, rendered from the unsaved draft.
        preview = page.frame_locator("#preview iframe")
        await expect(preview.get_by_role("heading", name="Return a product")).to_be_visible(
            timeout=30_000
        )
        await expect(preview.get_by_label("Order number")).to_be_visible(timeout=30_000)
        await page.get_by_label("Preview language").select_option("tr")
        await expect(preview.get_by_role("heading", name="Ürün iadesi")).to_be_visible(
            timeout=30_000
        )
        assert await page.evaluate("window.stillTheSamePage === true")
        # At the viewport: Chromium leaves frames blank in full-page screenshots.
        await check_page(page, "form-editor", SCREENSHOTS)

        await page.get_by_role("button", name="Save form").click()
        await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
        snippet = await page.get_by_label("Paste this into your site").input_value()
        assert '<iframe src="' in snippet and "/forms/returns" in snippet
        await page.get_by_role("button", name="Copy the snippet").click()
        await expect(page.get_by_text("Copied.")).to_be_visible()
        await page.get_by_role("heading", name="Embed", exact=True).scroll_into_view_if_needed()
        await check_page(page, "form-editor-saved", SCREENSHOTS)
        await page.goto(f"{desk.base_url}/admin/forms")
        await expect(page.locator('tr[data-form="returns"]')).to_contain_text("Return a product")
        await check_page(page, "forms", SCREENSHOTS)

        visitor = await browser.new_context(viewport={"width": 900, "height": 1000})
        public = await visitor.new_page()
        try:
            await public.goto(f"{desk.base_url}/forms/returns")
            await expect(public.get_by_role("heading", name="Return a product")).to_be_visible()
            await public.locator("#f-email").fill("kim@example.com")
            await public.locator("#f-subject").fill("Broken kettle")
            await public.locator("#f-message").fill("The kettle leaks; I want to return it.")
            await public.get_by_label("Order number").fill("AB-12345")
            await check_page(public, "public-form", SCREENSHOTS, full_page=True)
            await public.get_by_role("button", name="Send").click()
            await expect(public.locator("#wf-confirmation")).to_be_visible()
            await check_page(public, "public-form-sent", SCREENSHOTS)
        finally:
            await visitor.close()
        ticket = await _ticket(desk.rt, subject="Broken kettle")
        assert ticket is not None and ticket["channel"] == "web_form"
        async with desk.rt.stores.read() as store:
            text = (
                await store.execute(
                    select(message_t.c.full_text).where(message_t.c.ticket_id == ticket["id"])
                )
            ).scalar_one()
        assert "Order number: AB-12345" in str(text)
    finally:
        await context.close()


async def test_an_admin_changes_a_rule_reads_its_dry_run_and_enables_it(
    browser: Browser, desk: Desk
) -> None:
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await context.new_page()
    try:
        await sign_in_admin(page, desk.base_url)
        await page.goto(f"{desk.base_url}/admin/rules")
        row = page.locator(f'tr[data-rule="{RULE}"]')
        await expect(row).to_contain_text("Disabled")
        await check_page(page, "rules", SCREENSHOTS)

        await row.get_by_role("link", name=f"Edit {RULE}").click()
        value = page.get_by_label("All of these conditions 1: value")
        await value.fill("returns 502")
        await check_page(page, "rule-editor", SCREENSHOTS, full_page=True)
        await value.press("Enter")  # Enter saves, like the "Save and dry-run" button

        await expect(
            page.get_by_role("heading", name="1 ticket would be matched by this rule")
        ).to_be_visible()
        tech = await _ticket(desk.rt, id=desk.directory.tickets["tech"])
        assert tech is not None
        hit = page.locator(f'tr[data-ticket="{tech["number"]}"]')
        await expect(hit).to_contain_text(RULE)
        await expect(hit).to_contain_text("API returns 502")
        await expect(hit).to_contain_text("high")
        await expect(page.locator("tbody tr")).to_have_count(1)  # the printer ticket is left
        # A dry-run changes nothing.
        unchanged = await _ticket(desk.rt, id=tech["id"])
        assert unchanged is not None and unchanged["priority"] == tech["priority"] != "high"
        await check_page(page, "rule-dry-run", SCREENSHOTS)

        await page.get_by_role("button", name="Enable this rule").click()
        await expect(row).to_contain_text("Enabled")
        await expect(page.get_by_role("table").last).to_contain_text("enabled")
        await check_page(page, "rules-enabled", SCREENSHOTS)

        new = await customer_writes(
            desk.rt, "checkout-1", "lee@example.com", "Lee", "Checkout broken",
            "Since noon the checkout returns 502 for every card.",
        )  # fmt: skip
        routed = await _eventually(desk.rt, new, lambda t: t["priority"] == "high")
        assert "api" in routed["tags"]
        other = await customer_writes(
            desk.rt, "hello-1", "mo@example.com", "Mo", "Hello", "Just a question about hours."
        )
        await asyncio.sleep(1)  # routing of this one had its chance; the rule must not match
        quiet = await _ticket(desk.rt, id=other)
        assert quiet is not None and quiet["priority"] != "high"

        # The same pages in Turkish.
        await page.goto(f"{desk.base_url}/inbox/preferences")
        await page.get_by_label("Language").select_option("tr")
        await page.get_by_role("button", name="Save").click()
        await page.goto(f"{desk.base_url}/admin/rules")
        await expect(page.get_by_role("heading", name="Yönlendirme kuralları")).to_be_visible()
        await expect(row).to_contain_text("Etkin")
        await check_page(page, "rules-tr", SCREENSHOTS)
        await page.goto(f"{desk.base_url}/admin/rules/1/dry-run")
        await expect(page.get_by_role("heading", name="2 talep bu kurala uyardı")).to_be_visible()
        await check_page(page, "rule-dry-run-tr", SCREENSHOTS)
        await page.goto(f"{desk.base_url}/admin/forms/new")
        await expect(page.get_by_role("heading", name="Yeni web formu")).to_be_visible()
        await check_page(page, "form-editor-tr", SCREENSHOTS)
    finally:
        await context.close()

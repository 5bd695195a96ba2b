"""An admin in real Chromium sets an agent's skills and capacity and the idle timeout on
/admin/agents, sees a bad value refused at its field; writes automations through the API with a
token made in the admin pages and turns one off on /admin/automations; and finds both pages in
Turkish. Every state gets a screenshot and an axe-core check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from tests.admin.served import admin_desk, sign_in_admin
from tests.inbox.browser import check_page

pytestmark = pytest.mark.asyncio(loop_scope="session")
SCREENSHOTS = Path(__file__).parent / "screenshots"
AUTOMATIONS = [
    {
        "name": "solve stale pending",
        "since": "status_changed",
        "minutes": 4320,
        "business_hours": True,
        "all": [{"field": "ticket.status", "value": "pending"}],
        "actions": [{"kind": "set_status", "value": "solved"}],
    },
    {
        "name": "unassigned half an hour",
        "since": "created",
        "minutes": 30,
        "all": [{"field": "ticket.assignee", "value": None}],
        "actions": [{"kind": "add_tags", "value": ["waiting"]}],
    },
]


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[str]:
    async with admin_desk(tmp_path, sqlite_template) as base_url:
        yield base_url


async def test_an_admin_sets_agents_idle_timeout_and_automations(
    browser: Browser, served: str
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await sign_in_admin(page, served)
        await page.goto(f"{served}/admin")
        rail = page.get_by_role("navigation", name="Administration")
        await rail.get_by_role("link", name="Agents and skills").click()
        await expect(page.get_by_role("heading", name="Agents and skills", level=1)).to_be_visible()
        await check_page(page, "agents", SCREENSHOTS, full_page=True)

        ayse = page.get_by_role("form", name="Skills and capacity of Ayşe Agent")
        await ayse.get_by_label("Skills (comma-separated)").fill("refunds, two words")
        await ayse.get_by_label("Capacity").fill("3")
        await ayse.get_by_role("button", name="Save Ayşe Agent").click()
        refused = page.get_by_role("form", name="Skills and capacity of Ayşe Agent")
        await expect(refused.get_by_role("alert")).to_be_visible()
        await expect(refused.get_by_label("Skills (comma-separated)")).to_have_attribute(
            "aria-invalid", "true"
        )
        await expect(refused.get_by_label("Capacity")).to_have_value("3")  # kept as typed
        await check_page(page, "agents-refused", SCREENSHOTS, full_page=True)

        await refused.get_by_label("Skills (comma-separated)").fill("Refunds, Language:TR")
        await refused.get_by_role("button", name="Save Ayşe Agent").click()
        saved = page.get_by_role("form", name="Skills and capacity of Ayşe Agent")
        await expect(saved.get_by_label("Skills (comma-separated)")).to_have_value(
            "language:tr, refunds"
        )
        await expect(saved.get_by_label("Capacity")).to_have_value("3")

        idle = page.get_by_role("form", name="Idle agents")
        await idle.get_by_label("Away after this many minutes without activity").fill("20")
        await idle.get_by_role("button", name="Save idle timeout").click()
        await expect(
            page.get_by_label("Away after this many minutes without activity")
        ).to_have_value("20")
        await expect(page.get_by_role("cell", name="agent changed")).to_be_visible()
        await check_page(page, "agents-saved", SCREENSHOTS, full_page=True)

        # Automations are written through the API (here with a token made on Ada's page) and
        # turned on and off in the admin pages.
        await rail.get_by_role("link", name="Users").click()
        await page.locator("#main").get_by_role("link", name="Ada Admin").click()
        await page.get_by_label("What uses it").fill("automations script")
        await page.get_by_role("button", name="Create token").click()
        token = (await page.locator(".ad-token").inner_text()).strip()
        written = await page.request.put(
            f"{served}/api/v1/routing/config",
            headers={"Authorization": f"Bearer {token}"},
            data={"automations": AUTOMATIONS},
        )
        assert written.status == 200, await written.text()
        await rail.get_by_role("link", name="Automations").click()
        await expect(page.get_by_role("heading", name="Automations", level=1)).to_be_visible()
        table = page.get_by_role("table", name="Time-based automations")
        pending = table.get_by_role("row", name="solve stale pending")
        await expect(pending).to_contain_text("in its status for 4320 business minutes")
        await pending.get_by_role("button", name="Disable solve stale pending").click()
        await expect(pending).to_contain_text("Disabled")
        await expect(table.get_by_role("row", name="unassigned half an hour")).to_contain_text(
            "Enabled"
        )
        await check_page(page, "automations", SCREENSHOTS, full_page=True)

        await page.goto(f"{served}/inbox/preferences")
        await page.get_by_label("Language").select_option("tr")
        await page.get_by_role("button", name="Save").click()
        await page.goto(f"{served}/admin/agents")
        await expect(
            page.get_by_role("heading", name="Temsilciler ve yetkinlikler", level=1)
        ).to_be_visible()
        await expect(page.get_by_role("button", name="Boşta kalma süresini kaydet")).to_be_visible()
        await check_page(page, "agents-tr", SCREENSHOTS, full_page=True)
        await page.goto(f"{served}/admin/automations")
        await expect(page.get_by_role("heading", name="Otomasyonlar", level=1)).to_be_visible()
        await expect(
            page.get_by_role("button", name="Etkinleştir solve stale pending")
        ).to_be_visible()
        await check_page(page, "automations-tr", SCREENSHOTS, full_page=True)
    finally:
        await context.close()

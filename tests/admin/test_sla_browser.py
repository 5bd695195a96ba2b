"""An admin in real Chromium builds SLA configuration entirely in the admin pages: a category, a
two-level escalation ladder for it, an Istanbul office calendar (a lunch break on Mondays, the
Turkish public holidays filled in) and a policy for the category. A ticket then arrives in
that category and gets the due times worked out by hand from that calendar, and its ladder
fires on time; a later change of the calendar, confirmed with its count of open tickets,
moves those due times. Every page gets a screenshot and axe-core; the pages are also seen in
Turkish."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.scheduling import InProcessScheduler
from helpdesk.settings import Settings
from helpdesk.tables import ticket_t
from helpdesk.worker import assemble, start
from sla.tables import clock_t, escalation_t
from tests.core.factory import email_in
from tests.fixtures_db import SECRET
from tests.inbox.browser import check_page
from tests.inbox.support import PASSWORD
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")
SCREENSHOTS = Path(__file__).parent / "screenshots"
# Monday 8 June 2026, 11:00 in Istanbul (UTC+3): no Turkish holiday that week.
ARRIVES = datetime(2026, 6, 8, 8, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def served(
    tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[tuple[Runtime, FixedClock, str]]:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    clock = FixedClock(datetime(2026, 6, 8, 7, 0, tzinfo=UTC))  # an hour before the ticket
    rt: Runtime = assemble(settings, clock=clock)
    await start(rt, periodic=False)
    try:
        async with rt.stores() as store:
            team = await services.create_team(store, "Support")
            await services.create_user(
                store, email="ada@example.test", name="Ada Admin", role=Role.ADMIN,
                password=PASSWORD, team_ids=(team,),
            )  # fmt: skip
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield rt, clock, base_url
    finally:
        await rt.close()


async def _confirm(page: Page, name: str, count: str = "will recompute 0 open tickets.") -> None:
    """The confirm step names the open tickets the change recomputes; then it is saved."""
    await expect(page.get_by_role("heading", name="Confirm the change")).to_be_visible()
    await expect(page.locator("#recompute")).to_contain_text(count)
    await check_page(page, f"{name}-confirm", SCREENSHOTS)
    await page.get_by_role("button", name="Save and recompute").click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()


async def _settle(rt: Runtime) -> None:
    if isinstance(rt.scheduler, InProcessScheduler):
        await rt.scheduler.drain()


async def test_an_admin_builds_sla_configuration_and_a_new_ticket_gets_its_due_times(
    browser: Browser, served: tuple[Runtime, FixedClock, str]
) -> None:
    rt, clock, base_url = served
    context = await browser.new_context(viewport={"width": 1360, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(base_url)
        await page.get_by_label("Email").fill("ada@example.test")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("navigation", name="Views")).to_be_visible()
        await page.goto(f"{base_url}/admin")
        await check_page(page, "home", SCREENSHOTS)

        # The category.
        await page.get_by_role("link", name="Categories").first.click()
        await page.get_by_role("link", name="New category").click()
        await page.get_by_label("Name").fill("Printers")
        await page.get_by_label("Slug").fill("Printers!")
        await page.get_by_label("Default team").select_option(label="Support")
        await page.get_by_label("Default priority").select_option(label="High")
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator("#slug-error")).to_contain_text("lowercase letters")
        await check_page(page, "category-refused", SCREENSHOTS)
        await page.get_by_label("Slug").fill("printers")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("cell", name="Printers", exact=True)).to_be_visible()
        await check_page(page, "categories", SCREENSHOTS)

        # Its two-level ladder: the supervisor at the breach, one business hour later the
        # priority goes up.
        await page.get_by_role("link", name="Add a ladder").click()
        await expect(page.get_by_label("Category")).to_have_value(await _category_id(rt))
        await page.get_by_label("Name").fill("Printer escalation")
        level1, level2 = (
            page.locator("fieldset.sla-level").nth(0),
            page.locator("fieldset.sla-level").nth(1),
        )
        await level1.get_by_label("Fires at").fill("0")
        await level1.get_by_label("Action 1").select_option("notify")
        await level1.get_by_label("Whom").first.select_option("supervisor")
        await level2.get_by_label("Fires at").fill("1h")
        await level2.get_by_label("Action 1").select_option("raise_priority")
        await check_page(page, "ladder-form", SCREENSHOTS, full_page=True)
        await page.get_by_role("button", name="Save…").click()
        await _confirm(page, "ladder")
        await check_page(page, "ladders", SCREENSHOTS)

        # The calendar: Mondays with a lunch break, Tuesday to Friday 09-18, TR holidays.
        await page.get_by_role("link", name="SLA calendars").click()
        await page.get_by_role("link", name="New calendar").click()
        await page.get_by_label("Name").fill("Istanbul office")
        await page.get_by_label("Time zone").fill("Europe/Istanbul")
        await page.get_by_label("Monday, interval 1, closes").fill("12:30")
        await page.get_by_label("Monday, interval 2, opens").fill("13:30")
        await page.get_by_label("Monday, interval 2, closes").fill("18:00")
        await page.get_by_label("Country", exact=True).fill("TR")
        await page.get_by_label("From year").fill("2026")
        await page.get_by_label("To year").fill("2026")
        await page.get_by_role("button", name="Fill in holiday dates").click()
        await expect(page.get_by_label("Closed dates")).to_contain_text("2026-10-29")
        await check_page(page, "calendar-form", SCREENSHOTS, full_page=True)
        await page.get_by_role("button", name="Save…").click()
        await _confirm(page, "calendar")
        await check_page(page, "calendars", SCREENSHOTS)

        # The policy for the category: first reply in 2 hours, resolution in 8, on the calendar.
        await page.get_by_role("link", name="SLA policies").click()
        await page.get_by_role("link", name="New policy").click()
        await page.get_by_label("Name").fill("Printers")
        await page.get_by_role("checkbox", name="Printers").check()
        await page.get_by_label("First reply, High: hours").fill("2")
        await page.get_by_label("Resolution, High: hours").fill("8")
        await page.get_by_label("Resolution, High: minutes").fill("75")
        await page.get_by_label("Calendar", exact=True).select_option(label="Istanbul office")
        await page.get_by_role("button", name="Save…").click()
        await expect(page.get_by_role("alert")).to_contain_text("minutes 0-59")
        await check_page(page, "policy-refused", SCREENSHOTS, full_page=True)
        await page.get_by_label("Resolution, High: minutes").fill("0")
        await page.get_by_role("button", name="Save…").click()
        await _confirm(page, "policy")
        await check_page(page, "policies", SCREENSHOTS)

        # A ticket arrives on Monday at 11:00 Istanbul time. First reply, 2 business hours:
        # 11:00-12:30 is 1h30, lunch, then 30 minutes from 13:30: due 14:00 local (11:00 UTC).
        # Resolution, 8 hours: 1h30 + 4h30 (13:30-18:00) on Monday, 2h from Tuesday 09:00:
        # due Tuesday 11:00 local (08:00 UTC).
        clock.set(ARRIVES)
        async with rt.stores() as store:
            found = await services.ingest(
                store, email_in(received_at=ARRIVES, category="printers", priority="high")
            )
        ticket = found.ticket_id
        assert ticket is not None
        assert await _due(rt, ticket) == {
            "first_reply": datetime(2026, 6, 8, 11, 0, tzinfo=UTC),
            "resolution": datetime(2026, 6, 9, 8, 0, tzinfo=UTC),
        }

        # The office drops the Monday lunch break: the page says the open ticket is
        # recomputed, and it is. First reply: 11:00 + 2h = 13:00 local (10:00 UTC);
        # resolution: 7h on Monday, 1h from Tuesday 09:00 = 10:00 local (07:00 UTC).
        await page.get_by_role("link", name="SLA calendars").click()
        await page.get_by_role("link", name="Istanbul office").click()
        await page.get_by_label("Monday, interval 1, closes").fill("18:00")
        await page.get_by_label("Monday, interval 2, opens").fill("")
        await page.get_by_label("Monday, interval 2, closes").fill("")
        await page.get_by_role("button", name="Save…").click()
        await _confirm(page, "calendar-edit", "will recompute 1 open ticket.")
        assert await _due(rt, ticket) == {
            "first_reply": datetime(2026, 6, 8, 10, 0, tzinfo=UTC),
            "resolution": datetime(2026, 6, 9, 7, 0, tzinfo=UTC),
        }

        # The ladder: level 1 at the first-reply breach, level 2 one business hour later
        # (14:00 local, 11:00 UTC), which raises the priority.
        for now in (
            datetime(2026, 6, 8, 10, 0, tzinfo=UTC),
            datetime(2026, 6, 8, 11, 0, tzinfo=UTC),
        ):
            clock.set(now)
            await rt.run_job("sla_wakeup", ticket)
        async with rt.stores.read() as store:
            fired = (await store.execute(
                select(escalation_t.c.level, escalation_t.c.fired_at, escalation_t.c.metric)
                .where(escalation_t.c.ticket_id == ticket).order_by(escalation_t.c.level)
            )).all()  # fmt: skip
            priority = (
                await store.execute(select(ticket_t.c.priority).where(ticket_t.c.id == ticket))
            ).scalar_one()
        assert [tuple(r) for r in fired] == [
            (0, datetime(2026, 6, 8, 10, 0, tzinfo=UTC), "first_reply"),
            (1, datetime(2026, 6, 8, 11, 0, tzinfo=UTC), "first_reply"),
        ]
        assert priority == "urgent"

        # The same pages in Turkish.
        await page.goto(f"{base_url}/inbox/preferences")
        await page.get_by_label("Language").select_option("tr")
        await page.get_by_role("button", name="Save").click()
        for path, name, heading in (
            ("/admin/categories", "categories-tr", "Kategoriler"),
            ("/admin/ladders", "ladders-tr", "Yükseltme basamakları"),
            ("/admin/calendars", "calendars-tr", "SLA takvimleri"),
            ("/admin/policies", "policies-tr", "SLA politikaları"),
            ("/admin/policies/new", "policy-form-tr", "Yeni politika"),
            ("/admin/calendars/new", "calendar-form-tr", "Yeni takvim"),
        ):
            await page.goto(base_url + path)
            await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            await check_page(page, name, SCREENSHOTS, full_page=True)
    finally:
        await context.close()


async def _category_id(rt: Runtime) -> str:
    from helpdesk import queries

    async with rt.stores.read() as store:
        [category] = await queries.list_categories(store)
    return str(category["id"])


async def _due(rt: Runtime, ticket: int) -> dict[str, datetime]:
    await _settle(rt)
    async with rt.stores.read() as store:
        rows = await store.execute(
            select(clock_t.c.metric, clock_t.c.due_at).where(clock_t.c.ticket_id == ticket)
        )
        return {r.metric: r.due_at for r in rows}

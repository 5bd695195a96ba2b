"""The survey page in real Chromium: a customer picks a rating by its label, adds a comment and
sends it; the page says what was recorded. Screenshots go to $HELPDESK_SCREENSHOTS or a tmp dir."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.services import surveys as survey_services
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.core.factory import email_in
from tests.core.senders import RecordingSender
from tests.fixtures_db import SECRET, scheduler_of
from tests.support.asgi import serve_asgi
from tests.surveys.support import solve

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[tuple[Runtime, str]]:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        data_dir=tmp_path / "data",
        secret_key=SECRET,
        csat_delay=timedelta(0),
    )
    rt = assemble(settings)
    await start(rt, periodic=False)
    try:
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield rt, base_url
    finally:
        await rt.close()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("HELPDESK_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_a_customer_rates_on_the_page_by_label(
    page: Page, served: tuple[Runtime, str], tmp_path: Path
) -> None:
    rt, base_url = served
    sender = RecordingSender()
    rt.use_sender("email", sender)
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(subject="Invoice twice"))
        assert result.ticket_id is not None
        await services.update_ticket(
            store, result.ticket_id, Actor.system(), TicketChanges(priority="high")
        )
    await solve(rt, result.ticket_id)
    await scheduler_of(rt).drain()
    [survey_mail] = [m for m in sender.sent if m.kind == "survey"]
    token = survey_mail.text.split("/survey/")[1].split("?")[0]

    shots = _shots(tmp_path)
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.goto(f"{base_url}/survey/{token}?rating=4")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Rate our help")
    await expect(page.get_by_label("4 Satisfied")).to_be_checked()  # chosen in the mail
    await page.screenshot(path=shots / "survey-form.png", full_page=True)
    await page.get_by_label("5 Very satisfied").check()
    await page.get_by_label("Comment (optional)").fill("Quick and kind, thank you.")
    await page.get_by_role("button", name="Send rating").click()
    await expect(page.get_by_role("status")).to_contain_text("You rated ticket #")
    await page.screenshot(path=shots / "survey-thanks.png", full_page=True)
    async with rt.stores() as store:
        survey = await survey_services.survey_for_token(store, rt.signer, token)
    assert (survey["rating"], survey["comment"]) == (5, "Quick and kind, thank you.")

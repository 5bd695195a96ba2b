"""The form in real Chromium: a visitor fixes a validation error, attaches a file, submits and
reads the ticket number; the ticket is in the database with the file's exact bytes."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import FilePayload, Page, expect

from channels.web_form import services as form_services
from channels.web_form.definition import parse_definition
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.channels.web_form.forms import (
    PNG,
    setup_directory,
    support_definition,
    ticket_by_number,
)
from tests.fixtures_db import SECRET
from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[tuple[Runtime, str]]:
    """The app on a migrated SQLite file of this test, served in the session loop."""
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    rt = assemble(settings)
    await start(rt, periodic=False)
    try:
        await setup_directory(rt)
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield rt, base_url
    finally:
        await rt.close()


async def test_fill_fix_attach_submit_and_see_the_ticket_number(
    page: Page, served: tuple[Runtime, str]
) -> None:
    rt, base_url = served
    await page.set_viewport_size({"width": 360, "height": 740})  # a small phone
    await page.goto(f"{base_url}/forms/support")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Contact support")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the form must not scroll sideways on a phone"

    await page.get_by_label("Your name").fill("Ayşe Yılmaz")
    await page.get_by_label("Email address").fill("ayse@")  # a typo
    await page.get_by_label("Topic").select_option("hardware")
    await page.get_by_label("Subject").fill("Screen flickers")
    await page.get_by_label("How can we help?").fill("It flickers after the update.")
    await page.get_by_label("Order number").fill("AB-12345")
    await page.get_by_label("I agree to be contacted").check()
    await page.get_by_role("button", name="Send request").click()

    summary = page.locator("#wf-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("link")).to_have_text(
        "Enter a valid email address, like name@example.com."
    )
    email = page.get_by_label("Email address")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_have_accessible_description(
        "Error: Enter a valid email address, like name@example.com."
    )
    await expect(email).to_have_value("ayse@")
    await expect(page.get_by_label("How can we help?")).to_have_value(
        "It flickers after the update."
    )
    await expect(page.get_by_label("I agree to be contacted")).to_be_checked()
    await summary.get_by_role("link").click()
    await expect(email).to_be_focused()

    await email.fill("ayse@example.com")
    screenshot: FilePayload = {"name": "screen.png", "mimeType": "image/png", "buffer": PNG}
    await page.get_by_label("Attachments").set_input_files([screenshot])
    await page.get_by_role("button", name="Send request").click()

    number_text = page.locator("#ticket-number")
    await expect(number_text).to_have_text(re.compile(r"^#\d+$"))
    await expect(page.locator("#wf-confirmation")).to_be_focused()
    number = int((await number_text.inner_text()).lstrip("#"))
    stored: dict[str, Any] = await ticket_by_number(rt, number)
    assert stored["ticket"]["channel"] == "web_form"
    assert stored["ticket"]["subject"] == "Screen flickers"
    assert stored["files"] == {"screen.png": ("image/png", PNG)}
    assert stored["outbox"][0]["payload"]["to"][0]["address"] == "ayse@example.com"


async def test_turkish_form_in_the_browser(page: Page, served: tuple[Runtime, str]) -> None:
    _rt, base_url = served
    await page.goto(f"{base_url}/forms/support?lang=tr")
    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    await page.get_by_role("button", name="Talebi gönder").click()
    await expect(page.locator("#wf-summary")).to_contain_text("Bu alan zorunludur.")
    await expect(page.locator("#wf-summary")).to_be_focused()


def _embedding_site(form_url: str) -> Any:
    """Another web site whose page embeds the form with the documented snippet."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    async def home(request: Any) -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><title>Shop</title><h1>Shop</h1>"
            f'<iframe src="{form_url}" title="Contact support" style="width:100%;border:0" '
            f'loading="lazy"></iframe>'
        )

    return Starlette(routes=[Route("/", home)])


async def test_embedding_is_allowed_only_for_configured_origins(
    page: Page, served: tuple[Runtime, str]
) -> None:
    rt, base_url = served
    async with serve_asgi(_embedding_site(f"{base_url}/forms/embedded")) as shop_url:
        definition = support_definition(slug="embedded", allowed_origins=[shop_url])
        async with rt.stores() as store:
            await form_services.save_form(store, parse_definition(definition))
        await page.goto(shop_url)
        frame = page.frame_locator("iframe")
        await expect(frame.get_by_role("heading", level=1)).to_have_text("Contact support")

    async with serve_asgi(_embedding_site(f"{base_url}/forms/embedded")) as other_url:
        blocked: list[str] = []
        page.on("console", lambda message: blocked.append(message.text))
        await page.goto(other_url)
        await expect(page.get_by_role("heading", level=1)).to_have_text("Shop")
        await page.wait_for_timeout(300)
        headings = await page.frame_locator("iframe").get_by_role("heading").count()
        assert headings == 0, "a site not listed in allowed_origins must not frame the form"
        assert any("frame-ancestors" in text for text in blocked), blocked

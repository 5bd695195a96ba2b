"""Chromium (Debian's /usr/bin/chromium) driven by Playwright's async API, without any plugin.

How a browser test module must be marked — the browser lives in the *session* event loop, so
the tests using it must run there too::

    import pytest
    from playwright.async_api import Page
    from tests.support.asgi import serve_asgi

    pytestmark = pytest.mark.asyncio(loop_scope="session")

    async def test_inbox_loads(page: Page) -> None:
        async with serve_asgi(app) as base_url:   # served in the session loop as well
            await page.goto(base_url)

Without that mark the ``page`` fixture fails at once with a message saying so (otherwise the
test would hang or fail with "attached to a different loop"). Other modules keep the default
function-scoped loop; both kinds mix in one run. Never run ``playwright install``: the
Playwright-bundled browsers are not used.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from tests.support.services import require

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "browser", "page", "session_loop_required"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_HOW_TO_FIX = (
    "Chromium is not installed: run `sudo scripts/install-system-deps` "
    "(or `apt-get install -y chromium`); do not use `playwright install`"
)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole run (launch costs ~0.8 s)."""
    require(os.access(CHROMIUM, os.X_OK), CHROMIUM_HOW_TO_FIX)
    async with async_playwright() as playwright:
        try:
            instance = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            require(exc, CHROMIUM_HOW_TO_FIX)
            raise
        try:
            yield instance
        finally:
            await instance.close()


@pytest.fixture
def session_loop_required(request: pytest.FixtureRequest) -> None:
    """Fail fast (before launching Chromium) when the test is not in the session loop."""
    marker = request.node.get_closest_marker("asyncio")
    if marker is None or marker.kwargs.get("loop_scope") != "session":
        pytest.fail(
            "tests using `page`/`browser` must run in the session loop: add "
            '`pytestmark = pytest.mark.asyncio(loop_scope="session")` to the module',
            pytrace=False,
        )


@pytest_asyncio.fixture(loop_scope="session")
async def page(session_loop_required: None, browser: Browser) -> AsyncIterator[Page]:
    """A page in a fresh browser context (no cookies or storage shared between tests)."""
    context = await browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()

"""Chromium via Playwright, against a page served by serve_asgi in the same (session) loop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from tests.support.asgi import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = """<!doctype html><title>Inbox</title>
<button id="claim">Claim ticket</button><p id="status">open</p>
<script>
document.getElementById("claim").onclick = async () => {
  const r = await fetch("/claim", {method: "POST"});
  document.getElementById("status").textContent = (await r.json()).status;
};
</script>"""


def _app(state: dict[str, bool]) -> Starlette:
    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def claim(request: Request) -> JSONResponse:
        state["claimed"] = True
        return JSONResponse({"status": "claimed"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["started"] = True
        yield
        state["stopped"] = True

    return Starlette(
        routes=[Route("/", index), Route("/claim", claim, methods=["POST"])], lifespan=lifespan
    )


async def test_click_button_on_served_page(page: Page) -> None:
    state: dict[str, bool] = {}
    async with serve_asgi(_app(state)) as base_url:
        assert state == {"started": True}
        await page.goto(base_url)
        assert await page.title() == "Inbox"
        await page.click("#claim")
        await page.wait_for_selector("#status:text('claimed')", timeout=5000)
    assert state == {"started": True, "claimed": True, "stopped": True}


async def test_serve_asgi_without_browser() -> None:
    state: dict[str, bool] = {}
    async with serve_asgi(_app(state)) as base_url, httpx.AsyncClient() as client:
        assert (await client.post(f"{base_url}/claim")).json() == {"status": "claimed"}
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(base_url)

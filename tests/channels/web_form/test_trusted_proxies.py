"""The per-address form limit holds against a client that invents X-Forwarded-For: only the
proxies in HELPDESK_TRUSTED_PROXIES are believed (none by default), as `helpdesk serve` runs
uvicorn. Served by a real uvicorn on a real socket; the address is what uvicorn resolved."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn

from channels.web_form import services as form_services
from channels.web_form.definition import parse_definition
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.serving import uvicorn_options
from helpdesk.settings import load_settings
from tests.channels.web_form.forms import support_definition, valid_fields


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def _served(runtime: Runtime, trusted: str) -> AsyncIterator[httpx.AsyncClient]:
    env = {"HELPDESK_TRUSTED_PROXIES": trusted, "HELPDESK_DATA_DIR": str(runtime.settings.data_dir),
           "HELPDESK_SECRET_KEY": runtime.settings.secret_key}  # fmt: skip
    parsed = load_settings(env)  # the setting as an operator writes it
    settings = runtime.settings.with_changes(
        trusted_proxies=parsed.trusted_proxies, port=_free_port()
    )
    app = create_app(settings, runtime=runtime)
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(settings), log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.port}") as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def _post(client: httpx.AsyncClient, n: int, form: str = "support") -> int:
    body: dict[str, Any] = {**valid_fields(email=f"user{n}@example.com"), "consent": True}
    forwarded = {"X-Forwarded-For": f"198.51.100.{n}"}  # a different "client" every time
    return (await client.post(f"/forms/{form}", json=body, headers=forwarded)).status_code


async def test_rotating_forwarded_for_from_loopback_does_not_escape_the_limit(
    runtime: Runtime, directory: dict[str, Any]
) -> None:
    async with _served(runtime, trusted="") as client:
        statuses = [await _post(client, n) for n in range(7)]
    assert statuses == [201] * 5 + [429] * 2  # the form allows 5 per address per 10 minutes


async def test_a_trusted_proxy_is_believed(runtime: Runtime, directory: dict[str, Any]) -> None:
    async with _served(runtime, trusted="127.0.0.1") as client:
        statuses = [await _post(client, n) for n in range(7)]
    assert statuses == [201] * 7  # seven clients behind our proxy, one post each


async def test_the_per_address_count_is_per_form(
    runtime: Runtime, directory: dict[str, Any]
) -> None:
    async with runtime.stores() as store:
        await form_services.save_form(store, parse_definition(support_definition(slug="sales")))
    async with _served(runtime, trusted="") as client:
        support = [await _post(client, n) for n in range(6)]
        sales = [await _post(client, 10 + n, form="sales") for n in range(6)]
    assert support == [201] * 5 + [429]
    assert sales == [201] * 5 + [429]

"""An HTTP client against the real app with a support form defined."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from tests.channels.web_form.forms import setup_directory


@pytest_asyncio.fixture
async def directory(runtime: Runtime) -> dict[str, Any]:
    return await setup_directory(runtime)


@pytest_asyncio.fixture
async def client(runtime: Runtime, directory: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(
        app=app, raise_app_exceptions=False, client=("203.0.113.7", 5000)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as c:
        yield c

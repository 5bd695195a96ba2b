from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest_asyncio

from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from tests.inbox.support import Directory, setup_directory

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest_asyncio.fixture
async def directory(runtime: Runtime) -> Directory:
    return await setup_directory(runtime)


@pytest_asyncio.fixture
async def clients(runtime: Runtime) -> ClientFactory:
    """Open HTTP clients (each its own cookie jar, like a browser) on the inbox app."""
    app = create_app(runtime.settings, runtime=runtime)

    @asynccontextmanager
    async def open_client(base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 1234))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client

    return open_client

"""A live server on a copy of the template SQLite database with the inbox's test directory and
the admin Ada, for the admin pages' browser tests."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Page, expect

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.admin.conftest import ADMIN_EMAIL
from tests.fixtures_db import SECRET
from tests.inbox.support import PASSWORD, setup_directory
from tests.support.asgi import serve_asgi


@asynccontextmanager
async def admin_desk(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[str]:
    """The base URL of the running server; the runtime is closed on the way out."""
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", data_dir=tmp_path / "data", secret_key=SECRET
    )
    rt: Runtime = assemble(settings)
    await start(rt, periodic=False)
    try:
        await setup_directory(rt)
        async with rt.stores() as store:
            await services.create_user(
                store, email=ADMIN_EMAIL, name="Ada Admin", role=Role.ADMIN, password=PASSWORD
            )
        async with serve_asgi(create_app(settings, runtime=rt)) as base_url:
            yield base_url
    finally:
        await rt.close()


async def sign_in_admin(page: Page, base_url: str) -> None:
    """Sign Ada in from the front door and wait for the inbox's views."""
    await page.goto(base_url)
    await page.get_by_label("Email").fill(ADMIN_EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("navigation", name="Views")).to_be_visible()

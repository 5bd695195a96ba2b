"""Structural promises: migrations match the tables, the API document matches the routes, and
importing the package root wires nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from helpdesk.api import PREFIX, openapi_document
from helpdesk.api.openapi import openapi_path, served
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.search import is_search_table
from helpdesk.worker import components


def _not_search_table(name: str | None, kind: str, _parents: object) -> bool:
    return kind != "table" or not is_search_table(name)


async def test_migrations_create_exactly_the_tables_the_code_declares(db_url: str) -> None:
    components()  # every component's tables are declared on the metadata

    def diff(connection: Any) -> list[Any]:
        # The full-text index's tables are dialect-specific DDL, not SQLModel tables.
        opts = {"compare_type": False, "include_name": _not_search_table}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, SQLModel.metadata))

    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


def test_openapi_document_lists_exactly_the_served_api_routes(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    served_routes = {(m.lower(), openapi_path(p)) for m, p, _ in served(app.routes, PREFIX)}
    documented = {
        (method, path)
        for path, operations in openapi_document(app)["paths"].items()
        for method in operations
    }
    assert ("get", "/api/v1/tickets/{ticket_id}") in documented
    assert served_routes == documented
    # Every operation a client can call says how to authenticate and what errors look like.
    for operations in openapi_document(app)["paths"].values():
        for operation in operations.values():
            assert operation["security"] == [{"bearer": []}]
            assert "422" in operation["responses"]


def test_importing_the_package_root_wires_nothing() -> None:
    code = (
        "import sys, helpdesk; "
        "print(sorted(m for m in sys.modules if m.startswith(('helpdesk.', 'channels', 'sla'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(
    sqlite_template: Path, tmp_path: Path
) -> None:
    import shutil

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from helpdesk.db import Database

    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.engine.begin() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar_one() == 2  # FULL
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await conn.execute(
                    text("INSERT INTO team_member (team_id, user_id) VALUES (424242, 424242)")
                )
    finally:
        await db.dispose()

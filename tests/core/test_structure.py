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

from helpdesk.api import openapi_document
from helpdesk.api.openapi import openapi_path, served
from helpdesk.app import create_app
from helpdesk.endpoints import EndpointRoute
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


# JSON lives under these prefixes (the API, channel webhooks, the health check); the rest are
# HTML pages (the inbox, survey and FAQ pages) and static files. The web form's page and post
# share a path and are both documented.
JSON_PREFIXES = ("/api/", "/channels/", "/healthz", "/forms/")
NOT_DOCUMENTED = {("GET", "/api/v1/openapi.json")}  # the document itself
# Actions that read no body: everything they need is in the path or the query.
BODYLESS = {"runRetention", "replayWebhookDelivery"}


def test_openapi_document_lists_every_json_route_of_the_app(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    routes = [(m, openapi_path(p), route) for m, p, route in served(app.routes)]
    json_routes = {
        (m, p) for m, p, _ in routes if p.startswith(JSON_PREFIXES) and (m, p) not in NOT_DOCUMENTED
    }
    declared = {(m, p) for m, p, route in routes if isinstance(route, EndpointRoute)}
    assert json_routes - declared == set()  # every JSON route is a declared Endpoint
    doc = openapi_document(app)
    documented = {
        (method.upper(), path) for path, operations in doc["paths"].items() for method in operations
    }
    assert documented == declared
    for expected in [
        ("GET", "/api/v1/tickets/{ticket_id}"),
        ("POST", "/forms/{slug}"),  # the public form post
        ("GET", "/forms/{slug}"),  # its page
        ("POST", "/channels/telegram/{bot}/webhook"),
        ("GET", "/api/v1/sla/tickets"),
        ("POST", "/api/v1/mailboxes"),
        ("GET", "/healthz"),
    ]:
        assert expected in documented, expected


def test_openapi_document_is_valid_and_every_operation_complete(runtime: Runtime) -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

    doc = openapi_document(create_app(runtime.settings, runtime=runtime))
    validate(doc, cls=OpenAPIV31SpecValidator)  # raises, naming the first problem
    operations = [
        (method, path, op) for path, ops in doc["paths"].items() for method, op in ops.items()
    ]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids)) == len(operations) > 40
    for method, path, op in operations:
        where = f"{method} {path}"
        assert "422" in op["responses"], where
        if method in ("post", "put", "patch") and op["operationId"] not in BODYLESS:
            body = op["requestBody"]["content"]["application/json"]["schema"]
            assert body, where
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, where
        if success != ["204"]:  # every answer with a body says what the body is
            assert all(
                "schema" in media
                for code in success
                for media in op["responses"][code]["content"].values()
            ), where
        for param in op["parameters"]:
            if param["in"] == "path" and param["schema"].get("type") == "integer":
                assert param["schema"]["minimum"] == 1, where
                assert param["schema"]["maximum"] == 2**31 - 1, where
        # Security per operation, matching how it authenticates.
        if path.startswith("/api/v1/"):
            assert op["security"] == [{"bearer": []}], where
    by_path = {path: ops for path, ops in doc["paths"].items()}
    assert by_path["/forms/{slug}"]["post"]["security"] == []
    assert by_path["/channels/telegram/{bot}/webhook"]["post"]["security"] == [
        {"telegramSecret": []}
    ]
    assert doc["components"]["securitySchemes"]["telegramSecret"]["in"] == "header"
    listing = {p["name"]: p["schema"] for p in by_path["/api/v1/tickets"]["get"]["parameters"]}
    assert listing["limit"]["minimum"] == 1 and listing["limit"]["maximum"] == 200
    assert "pattern" in listing["status"]
    assert "/api/v1/tickets/by-number/{number}" in by_path


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

from __future__ import annotations

from typing import Any

import pytest_asyncio

from helpdesk import audit_queries, services
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from tests.inbox.conftest import clients, directory
from tests.inbox.support import PASSWORD, Directory

__all__ = ["clients", "directory"]

ADMIN_EMAIL = "ada@example.test"


@pytest_asyncio.fixture
async def admin(runtime: Runtime, directory: Directory) -> Directory:
    """The inbox's directory (two teams, three agents, a supervisor) plus an admin, Ada."""
    async with runtime.stores() as store:
        directory.users["ada"] = await services.create_user(
            store, email=ADMIN_EMAIL, name="Ada Admin", role=Role.ADMIN, password=PASSWORD
        )
    return directory


async def audit_entries(runtime: Runtime, kind: str) -> list[dict[str, Any]]:
    """The audit log's entries of `kind`, newest first, read as the audit page reads them."""
    async with runtime.stores.read() as store:
        page = await audit_queries.audit_page(store, audit_queries.AuditFilter(kind=kind))
    return page.entries

"""SLA test fixtures: a helpdesk set up for SLA scenarios on the shared database fixtures
(which empty every table, the SLA ones included, between PostgreSQL tests)."""

from __future__ import annotations

import pytest_asyncio

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.sla.desk import Desk, desk_for


@pytest_asyncio.fixture
async def desk(runtime: Runtime, clock: FixedClock) -> Desk:
    return await desk_for(runtime, clock)

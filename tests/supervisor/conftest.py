from __future__ import annotations

import pytest_asyncio

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.inbox.conftest import clients
from tests.supervisor.scene import Scene, scene

__all__ = ["clients"]


@pytest_asyncio.fixture
async def desk_scene(runtime: Runtime, clock: FixedClock) -> Scene:
    return await scene(runtime, clock)

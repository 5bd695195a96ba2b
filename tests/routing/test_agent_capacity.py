"""An agent's personal capacity has the API's bounds whoever sets it (the CLI too): 0 would
make the agent a dead end for assignment and a division by zero in the load report."""

from __future__ import annotations

import pytest

from helpdesk import services
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from routing import store as routing_store


@pytest.mark.parametrize("capacity", [0, -1, 1001])
async def test_a_capacity_outside_1_to_1000_is_refused(runtime: Runtime, capacity: int) -> None:
    async with runtime.stores() as store:
        ana = await services.create_user(
            store, email="ana@example.test", name="Ana", role=Role.AGENT
        )
        with pytest.raises(ValueError, match="capacity"):
            await routing_store.set_agent(store, ana, capacity=capacity)
        await routing_store.set_agent(store, ana, capacity=1)

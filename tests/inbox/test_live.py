"""Live updates: core events after commit reach the browsers that may see them, in-process
and, with Redis configured, across web processes."""

from __future__ import annotations

import asyncio
from typing import Any

from helpdesk import services
from helpdesk.domain import Principal, Role
from helpdesk.inbox.component import _hub
from helpdesk.inbox.live import Hub, visible
from helpdesk.runtime import Runtime
from helpdesk.services import Actor
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.inbox.support import Directory


async def _next(queue: asyncio.Queue[dict[str, Any]], kind: str) -> dict[str, Any]:
    while True:
        item = await asyncio.wait_for(queue.get(), timeout=10)
        if item["type"] == kind:
            return item


async def test_a_mention_reaches_the_colleagues_stream_and_only_hers(
    runtime: Runtime, directory: Directory
) -> None:
    hub: Hub = _hub(runtime)
    ticket = directory.tickets["support"]
    async with hub.subscription() as queue:
        async with runtime.stores() as store:
            await services.add_note(
                store, ticket, Actor.user(directory.users["ayse"]), "@bea please look"
            )
        item = await _next(queue, "NotificationAdded")
    assert item["ticket_id"] == ticket and item["user_id"] == directory.users["bea"]
    bea = Principal(directory.users["bea"], Role.AGENT, frozenset({directory.teams["Support"]}))
    tom = Principal(directory.users["tom"], Role.AGENT, frozenset({directory.teams["Tech"]}))
    assert visible(bea, item) and not visible(tom, item)
    change = {"type": "MessageAdded", "ticket_id": ticket,
              "team_id": directory.teams["Support"], "assignee_id": None}  # fmt: skip
    assert visible(bea, change) and not visible(tom, change)


async def test_with_redis_a_change_in_one_web_process_reaches_anothers_browsers(
    settings: Settings, directory: Directory, redis_url: str
) -> None:
    shared = settings.with_changes(redis_url=redis_url)
    first, second = assemble(shared), assemble(shared)
    await start(first, periodic=False)
    await start(second, periodic=False)
    try:
        async with _hub(second).subscription() as there, _hub(first).subscription() as here:
            async with first.stores() as store:
                await services.update_ticket(
                    store, directory.tickets["support"], Actor.user(directory.users["ayse"]),
                    services.TicketChanges(assignee_id=directory.users["bea"]),
                )  # fmt: skip
            remote = await _next(there, "NotificationAdded")
            local = await _next(here, "NotificationAdded")
            assert remote == local
            assert remote["user_id"] == directory.users["bea"]
            assert remote["assignee_id"] == directory.users["bea"]
            # Delivered once per process: through Redis, not also directly.
            await asyncio.sleep(0.2)
            assert all(i["type"] != "NotificationAdded" for i in _drain(here))
    finally:
        await first.close()
        await second.close()


def _drain(queue: asyncio.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items

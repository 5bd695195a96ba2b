"""Live updates: core events after commit become server-sent events for the browsers that
may see them. In-process fan-out by default; with Redis configured, every web process
publishes to and listens on one pub/sub channel, so N workers behave as one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from helpdesk import events
from helpdesk.domain import Principal, may_access_ticket
from helpdesk.inbox import queries
from helpdesk.inbox.web import Viewer, Web, page
from helpdesk.runtime import Runtime, Subscriber

log = logging.getLogger(__name__)
CHANNEL = "helpdesk:inbox:live"
KEEPALIVE_SECONDS = 15.0


class Hub:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, item: dict[str, Any]) -> None:
        if self.rt.settings.redis_url:
            try:
                await self._connect()
                await self._redis.publish(CHANNEL, json.dumps(item))
                return
            except Exception:  # Redis down: this process' browsers still hear about it
                log.warning("live update not published to Redis; delivering locally only")
        self.deliver(item)

    def deliver(self, item: dict[str, Any]) -> None:
        for queue in list(self._queues):
            if queue.qsize() < 1000:
                queue.put_nowait(item)

    async def _connect(self) -> None:
        if self._redis is not None:
            return
        from redis.asyncio import Redis

        self._redis = Redis.from_url(self.rt.settings.redis_url or "")
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(CHANNEL)
        self._listener = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") == "message":
                with contextlib.suppress(ValueError):
                    self.deliver(json.loads(message["data"]))

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()
        self._redis = self._listener = None

    @contextlib.asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        if self.rt.settings.redis_url:
            with contextlib.suppress(Exception):
                await self._connect()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    async def on_event(self, event: events.Event) -> None:
        """Bus subscriber: one small message per change, with what access checks need."""
        if not self.rt.settings.redis_url and not self._queues:
            return  # nobody in this process is listening, and no other process can be
        async with self.rt.stores.read() as store:
            owners = await queries.ticket_owners(store, event.ticket_id)
        if owners is None:
            return
        item: dict[str, Any] = {
            "type": type(event).__name__,
            "ticket_id": event.ticket_id,
            "team_id": owners[0],
            "assignee_id": owners[1],
        }
        if isinstance(event, events.NotificationAdded):
            item["user_id"] = event.user_id
        await self.publish(item)


def visible(who: Principal, item: dict[str, Any]) -> bool:
    if "user_id" in item:
        return bool(item["user_id"] == who.user_id)
    return may_access_ticket(who, item.get("team_id"), item.get("assignee_id"))


def subscribers(hub: Hub) -> list[Subscriber]:
    kinds = (
        events.TicketCreated,
        events.MessageAdded,
        events.StatusChanged,
        events.TicketUpdated,
        events.TicketMerged,
        events.MessageSplit,
        events.NotificationAdded,
    )
    return [Subscriber(kind, hub.on_event) for kind in kinds]


def routes(web: Web, hub: Hub) -> list[Route]:
    @page(web)
    async def stream(request: Request, viewer: Viewer) -> Response:
        who = viewer.who

        async def body() -> AsyncIterator[str]:
            async with hub.subscription() as queue:
                # Subscribed before the first byte: once the browser sees the stream open,
                # nothing published from then on is missed (presence replies rely on it).
                yield "retry: 3000\n\n"
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if not visible(who, item):
                        continue
                    if item["type"] == "Presence":
                        if item.get("who_id") == who.user_id:
                            continue
                        kind = "presence"
                        data = json.dumps({
                            "ticket_id": item["ticket_id"], "user_id": item.get("who_id"),
                            "name": item.get("name"), "state": item.get("state"),
                        })  # fmt: skip
                        yield f"event: {kind}\ndata: {data}\n\n"
                        continue
                    kind = "notification" if item["type"] == "NotificationAdded" else "ticket"
                    data = json.dumps({"ticket_id": item["ticket_id"], "type": item["type"]})
                    yield f"event: {kind}\ndata: {data}\n\n"

        return StreamingResponse(
            body(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return [Route("/inbox/events", stream, methods=["GET"])]

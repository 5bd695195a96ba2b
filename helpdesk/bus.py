"""Dispatches events to subscribers after the transaction that recorded them has committed.

A subscriber failing must not undo the change (it is already committed) nor stop the other
subscribers, so each one runs on its own and a failure is logged; the reconciliation pass
repairs anything a failed subscriber left undone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from helpdesk.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]


class Bus:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[Event], handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    async def dispatch(self, events: Iterable[Event]) -> None:
        for event in events:
            for event_type, handlers in self._handlers.items():
                if not isinstance(event, event_type):
                    continue
                for handler in handlers:
                    try:
                        await handler(event)
                    except Exception:
                        log.exception("event handler %s failed for %r", handler, event)

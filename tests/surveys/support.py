"""Solving tickets and reading surveys, for the CSAT tests."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import survey_t
from tests.fixtures_db import scheduler_of

LINK = re.compile(r"https?://[^\s]+/survey/([0-9a-z-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def solve(rt: Runtime, ticket_id: int, answer: str = "Fixed: try again now.") -> None:
    async with rt.stores() as store:
        await services.reply(store, ticket_id, Actor.system(), answer)
    async with rt.stores() as store:
        await services.update_ticket(
            store, ticket_id, Actor.system(), TicketChanges(status=Status.SOLVED)
        )
    await scheduler_of(rt).drain()


async def after_delay(rt: Runtime, hours: float = 1.0) -> None:
    """Let the survey delay pass on the injected clock and run the pass that sends due ones."""
    clock = rt.clock
    assert isinstance(clock, FixedClock)
    clock.advance(hours=hours, seconds=1)
    await rt.run_job("csat_reconcile")
    await scheduler_of(rt).drain()


async def surveys(rt: Runtime) -> list[dict[str, Any]]:
    async with rt.stores() as store:
        rows = await store.execute(select(survey_t).order_by(survey_t.c.id))
        return [dict(r) for r in rows.mappings()]


async def csrf_of(http: httpx.AsyncClient, token: str) -> str:
    page = await http.get(f"/survey/{token}")
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


async def rate_on_page(
    http: httpx.AsyncClient, token: str, rating: str, comment: str = "", csrf: str | None = None
) -> httpx.Response:
    """Open the page and submit a rating the way a browser would."""
    csrf = csrf or await csrf_of(http, token)
    return await http.post(
        f"/survey/{token}", data={"csrf": csrf, "rating": rating, "comment": comment}
    )

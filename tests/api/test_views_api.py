"""Named views, the SLA sort and full-text search through GET /api/v1/tickets."""

from __future__ import annotations

from datetime import timedelta

import httpx

from helpdesk import services
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.api.conftest import Directory
from tests.core.factory import email_in
from tests.fixtures_db import scheduler_of

API = "/api/v1"


async def _ticket(rt: Runtime, clock: FixedClock, **fields: object) -> int:
    clock.advance(seconds=1)
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(**fields))  # type: ignore[arg-type]
    assert result.ticket_id is not None
    await scheduler_of(rt).drain()
    return result.ticket_id


async def _ids(client: httpx.AsyncClient, auth: dict[str, str], **params: str) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        query = {**params, "limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}/tickets", params=query, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


async def test_views_sort_and_search_through_the_api(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, clock: FixedClock
) -> None:
    billing = [
        await _ticket(runtime, clock, category="billing", subject=f"Invoice {i}", text="refund")
        for i in range(3)
    ]
    triage = await _ticket(runtime, clock, subject="Hello", text="refund maybe")
    alice = directory.auth("alice")
    assert await _ids(client, alice, view=f"team:{directory.billing}") == billing  # no clocks
    assert await _ids(client, alice, view="triage") == [triage]
    assert await _ids(client, alice, view="mine") == []
    now = clock.now()
    async with runtime.stores() as store:
        await services.set_sla_next_due(store, {billing[2]: now, billing[0]: now})
    assert await _ids(client, alice, view=f"team:{directory.billing}") == [
        billing[0],
        billing[2],
        billing[1],
    ]
    assert await _ids(client, alice, view="at_risk") == [billing[0], billing[2]]
    assert await _ids(client, alice, sort="due") == [billing[0], billing[2], billing[1], triage]
    assert await _ids(client, alice, q="refund") == [triage, *billing[::-1]]
    assert await _ids(client, directory.auth("bob"), q="refund") == [triage]
    async with runtime.stores() as store:
        await services.set_sla_next_due(store, {billing[0]: now - timedelta(minutes=1)})
    assert await _ids(client, alice, view="breached") == [billing[0]]


async def test_bad_view_sort_and_foreign_cursor_get_422(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, clock: FixedClock
) -> None:
    for _ in range(3):
        await _ticket(runtime, clock)
    auth = directory.auth("sue")
    for params, field in (
        ({"view": "everything"}, "view"),
        ({"view": "team:abc"}, "view"),
        ({"sort": "random"}, "sort"),
    ):
        response = await client.get(f"{API}/tickets", params=params, headers=auth)
        assert response.status_code == 422
        assert field in response.json()["fields"]
    page = (await client.get(f"{API}/tickets", params={"limit": "1"}, headers=auth)).json()
    # A cursor from the updated-at order handed to the SLA order (or a search) is refused.
    for params in ({"sort": "due"}, {"q": "printer"}):
        response = await client.get(
            f"{API}/tickets", params={**params, "cursor": page["next_cursor"]}, headers=auth
        )
        assert response.status_code == 422
        assert "cursor" in response.json()["fields"]

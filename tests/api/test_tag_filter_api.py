"""`GET /api/v1/tickets?tag=`: tickets carrying a tag, within what the caller may see, page
after page, with a named view or alone; documented in the OpenAPI document; bad tags are 422."""

from __future__ import annotations

import httpx
import pytest

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.api.conftest import Directory
from tests.api.test_tickets_api import API, _ticket


async def test_the_tag_parameter_lists_the_tickets_carrying_the_tag(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, clock: FixedClock
) -> None:
    billing = [await _ticket(runtime, category="billing", subject=f"b{i}") for i in range(3)]
    tech = await _ticket(runtime, category="hardware", subject="Laptop")
    sue = directory.auth("sue")
    for ticket_id, tags in [(billing[0], ["VIP Customer"]), (billing[2], ["vip-customer", "x"]),
                            (tech, ["vip-customer"]), (billing[1], ["x"])]:  # fmt: skip
        clock.advance(seconds=1)
        patched = await client.patch(f"{API}/tickets/{ticket_id}", json={"tags": tags}, headers=sue)
        assert patched.status_code == 200, patched.text

    async def walk(who: str, **params: str) -> list[int]:
        seen: list[int] = []
        cursor: str | None = None
        while True:
            query = {"limit": "1", **params, **({"cursor": cursor} if cursor else {})}
            response = await client.get(f"{API}/tickets", params=query, headers=directory.auth(who))
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [t["id"] for t in page["items"]]
            assert all("vip-customer" in t["tags"] for t in page["items"]) or "tag" not in params
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    assert await walk("sue", tag="vip-customer") == [tech, billing[2], billing[0]]
    assert await walk("sue", tag="VIP customer") == [tech, billing[2], billing[0]]
    assert await walk("alice", tag="vip-customer") == [billing[2], billing[0]]  # her team's
    assert await walk("sue", tag="vip-customer", view=f"team:{directory.tech}") == [tech]
    assert await walk("sue", tag="vip-customer", view="all", sort="due") == [
        billing[0],
        billing[2],
        tech,
    ]  # no SLA clocks here: oldest first
    assert await walk("sue", tag="nobody-has-this") == []
    assert await walk("bob", tag="x") == []


@pytest.mark.parametrize("tag", ["", "   ", "x" * 101])
async def test_a_bad_tag_is_a_422_naming_it(
    client: httpx.AsyncClient, directory: Directory, tag: str
) -> None:
    response = await client.get(
        f"{API}/tickets", params={"tag": tag}, headers=directory.auth("sue")
    )
    assert response.status_code == 422, response.text
    assert "tag" in response.json()["fields"]


async def test_the_openapi_document_describes_the_tag_parameter(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get(f"{API}/openapi.json")).json()
    operation = document["paths"]["/api/v1/tickets"]["get"]
    (tag,) = [p for p in operation["parameters"] if p["name"] == "tag"]
    assert tag["in"] == "query"
    assert "tag" in tag["description"].lower()
    assert tag["schema"]["maxLength"] == 100

"""The API at its edges: ids no database can store, bad query values, methods it does not
serve, changes that would take a ticket out of the caller's sight. Never a 500, never a lie."""

from __future__ import annotations

import httpx
import pytest

from helpdesk import queries, services
from helpdesk.runtime import Runtime
from tests.api.conftest import Directory
from tests.core.factory import email_in

API = "/api/v1"
# 2^31 is past PostgreSQL's INTEGER, 2^63 past SQLite's; both must be refused before the query.
HUGE = [2**31, 2**63, 10**30]


async def _ticket(rt: Runtime, category: str | None = None) -> tuple[int, int]:
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(category=category))
    assert result.ticket_id is not None and result.ticket_number is not None
    return result.ticket_id, result.ticket_number


@pytest.mark.parametrize("huge", HUGE)
async def test_ids_beyond_32_bits_in_paths_are_404(
    client: httpx.AsyncClient, directory: Directory, huge: int
) -> None:
    auth = directory.auth("sue")
    calls = [
        ("GET", f"{API}/tickets/{huge}", None),
        ("PATCH", f"{API}/tickets/{huge}", {"priority": "high"}),
        ("POST", f"{API}/tickets/{huge}/notes", {"text": "x"}),
        ("POST", f"{API}/tickets/{huge}/replies", {"text": "x"}),
        ("POST", f"{API}/tickets/{huge}/merge", {"into_ticket_id": 1}),
        ("GET", f"{API}/tickets/by-number/{huge}", None),
        ("GET", f"{API}/attachments/{huge}", None),
        ("GET", f"{API}/sla/tickets/{huge}/clocks", None),
        ("GET", f"{API}/sla/calendars/{huge}", None),
        ("PUT", f"{API}/sla/policies/{huge}", {"name": "x", "targets": {}}),
        ("DELETE", f"{API}/sla/ladders/{huge}", None),
        ("POST", f"{API}/sla/escalations/{huge}/ack", {}),
    ]
    for method, url, body in calls:
        response = await client.request(method, url, json=body, headers=auth)
        assert response.status_code == 404, (method, url, response.text)
        assert "error" in response.json()


@pytest.mark.parametrize("huge", HUGE)
async def test_ids_beyond_32_bits_in_bodies_are_422(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, huge: int
) -> None:
    ticket_id, _ = await _ticket(runtime)
    auth = directory.auth("sue")
    for field in ("assignee_id", "category_id", "team_id"):
        response = await client.patch(
            f"{API}/tickets/{ticket_id}", json={field: huge}, headers=auth
        )
        assert response.status_code == 422, response.text
        assert field in response.json()["fields"]
    merge = await client.post(
        f"{API}/tickets/{ticket_id}/merge", json={"into_ticket_id": huge}, headers=auth
    )
    assert merge.status_code == 422 and "into_ticket_id" in merge.json()["fields"]
    listing = await client.get(f"{API}/tickets", params={"team_id": huge}, headers=auth)
    assert listing.status_code == 422 and "team_id" in listing.json()["fields"]
    at_risk = await client.get(f"{API}/sla/tickets", params={"assignee_id": huge}, headers=auth)
    assert at_risk.status_code == 422 and "assignee_id" in at_risk.json()["fields"]


async def test_integers_are_integers_in_bodies(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    """JSON says what a value is: "5", 5.5 or true is not the id 5."""
    ticket_id, _ = await _ticket(runtime)
    for value in ("5", 5.5, True, 0, -1):
        response = await client.patch(
            f"{API}/tickets/{ticket_id}", json={"team_id": value}, headers=directory.auth("sue")
        )
        assert response.status_code == 422, (value, response.text)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"updated_since": ""}, "updated_since"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2026-11-22T10:00:00"}, "updated_since"),  # no zone
        ({"limit": "-296"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"status": "whatever"}, "status"),
        ({"status": ""}, "status"),
        ({"status": "open,,new"}, "status"),
        ({"priority": "asap"}, "priority"),
        ({"assignee_id": "someone"}, "assignee_id"),
        ({"team_id": "-1"}, "team_id"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_bad_list_values_are_422_per_the_documented_schema(
    client: httpx.AsyncClient, directory: Directory, params: dict[str, str], field: str
) -> None:
    response = await client.get(f"{API}/tickets", params=params, headers=directory.auth("sue"))
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"]


async def test_unsupported_methods_are_405_with_allow(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    ticket_id, _ = await _ticket(runtime)
    for method, url, allowed in [
        ("TRACE", f"{API}/tickets", {"GET", "HEAD", "POST"}),
        ("DELETE", f"{API}/tickets/{ticket_id}", {"GET", "HEAD", "PATCH"}),
        ("PUT", f"{API}/tickets/{ticket_id}/notes", {"POST"}),
        ("TRACE", "/forms/contact", {"GET", "HEAD", "OPTIONS", "POST"}),  # page and post
        ("DELETE", "/healthz", {"GET", "HEAD"}),
    ]:
        response = await client.request(method, url, headers=directory.auth("sue"))
        assert response.status_code == 405, (method, url)
        assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


async def test_tickets_are_found_by_the_number_people_see(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    ticket_id, number = await _ticket(runtime)
    assert number != ticket_id  # numbers start at 1001; ids at 1
    found = await client.get(f"{API}/tickets/by-number/{number}", headers=directory.auth("sue"))
    assert found.status_code == 200
    assert (found.json()["id"], found.json()["number"]) == (ticket_id, number)
    missing = await client.get(f"{API}/tickets/by-number/999", headers=directory.auth("sue"))
    assert missing.status_code == 404


async def test_by_number_keeps_the_access_rules(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    _, number = await _ticket(runtime, category="hardware")  # the Tech team's
    refused = await client.get(f"{API}/tickets/by-number/{number}", headers=directory.auth("alice"))
    assert refused.status_code == 403


async def test_patch_that_would_hide_the_ticket_from_the_caller_changes_nothing(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    ticket_id, _ = await _ticket(runtime, category="billing")  # Alice's team
    url = f"{API}/tickets/{ticket_id}"
    before = (await client.get(url, headers=directory.auth("sue"))).json()
    moved = await client.patch(
        url, json={"team_id": directory.tech, "priority": "urgent"}, headers=directory.auth("alice")
    )
    assert moved.status_code == 403
    assert "nothing was changed" in moved.json()["error"]
    after = (await client.get(url, headers=directory.auth("sue"))).json()
    assert after["team_id"] == before["team_id"] == directory.billing
    assert after["priority"] == before["priority"]
    assert after["audit"] == before["audit"]
    # A change that keeps it in her sight goes through, and the answer shows it.
    kept = await client.patch(url, json={"priority": "urgent"}, headers=directory.auth("alice"))
    assert kept.status_code == 200 and kept.json()["priority"] == "urgent"
    # A supervisor sees everything: moving it is allowed and the answer says where it went.
    sue = await client.patch(url, json={"team_id": directory.tech}, headers=directory.auth("sue"))
    assert sue.status_code == 200 and sue.json()["team_id"] == directory.tech


async def test_ladders_may_share_a_name_and_policies_may_not(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    """Found by schemathesis: a third ladder named like two others was a 500."""
    auth = directory.auth("sue")
    ladder = {"name": "Escalate", "levels": [
        {"offset": 0, "actions": [{"type": "notify", "target": "supervisor"}]}]}  # fmt: skip
    async with runtime.stores() as store:
        categories = [c["id"] for c in await queries.list_categories(store)]
    for category_id in [None, *categories]:  # one ladder per category, each named alike
        created = await client.post(
            f"{API}/sla/ladders", json={**ladder, "category_id": category_id}, headers=auth
        )
        assert created.status_code == 201, created.text
    policy = {"name": "Standard", "targets": {"first_reply": {"normal": "1h"}}}
    assert (await client.post(f"{API}/sla/policies", json=policy, headers=auth)).status_code == 201
    again = await client.post(f"{API}/sla/policies", json=policy, headers=auth)
    assert again.status_code == 409 and "taken" in again.json()["error"]


async def test_nul_characters_are_stored_as_replacement_characters(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    """Found by schemathesis on PostgreSQL, whose text cannot hold NUL: it was a 500."""
    ticket_id, _ = await _ticket(runtime)
    auth = directory.auth("sue")
    note = await client.post(
        f"{API}/tickets/{ticket_id}/notes", json={"text": "a\x00b"}, headers=auth
    )
    assert note.status_code == 201, note.text
    detail = (await client.get(f"{API}/tickets/{ticket_id}", headers=auth)).json()
    assert detail["messages"][-1]["text"] == "a\ufffdb"
    search = await client.get(f"{API}/tickets", params={"q": "a\x00b"}, headers=auth)
    assert search.status_code == 200
    assert [t["id"] for t in search.json()["items"]] == [ticket_id]

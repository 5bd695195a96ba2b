"""The JSON API as a client sees it: status codes, bodies, access rules, pagination."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from helpdesk import services
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.api.conftest import Directory
from tests.core.factory import email_in
from tests.core.senders import RecordingSender
from tests.fixtures_db import scheduler_of

API = "/api/v1"


async def _ticket(rt: Runtime, category: str | None = None, **fields: object) -> int:
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(category=category, **fields))  # type: ignore[arg-type]
    assert result.ticket_id is not None
    return result.ticket_id


async def test_missing_bad_and_revoked_tokens_get_401(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    missing = await client.get(f"{API}/tickets")
    assert missing.status_code == 401
    assert "Bearer" in missing.json()["error"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = await client.get(f"{API}/tickets", headers={"Authorization": "Bearer hd_nope"})
    assert bad.status_code == 401
    async with runtime.stores() as store:
        await services.revoke_token(store, directory.tokens["bob"])
    revoked = await client.get(f"{API}/tickets", headers=directory.auth("bob"))
    assert revoked.status_code == 401


async def test_agents_see_their_teams_tickets_and_supervisors_see_all(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    billing = await _ticket(runtime, category="billing", subject="Invoice wrong")
    tech = await _ticket(runtime, category="hardware", subject="Laptop dead")
    triage = await _ticket(runtime, subject="Hello?")

    def ids(response: httpx.Response) -> set[int]:
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["items"]}

    assert ids(await client.get(f"{API}/tickets", headers=directory.auth("alice"))) == {
        billing,
        triage,
    }
    assert ids(await client.get(f"{API}/tickets", headers=directory.auth("sue"))) == {
        billing,
        tech,
        triage,
    }
    forbidden = await client.get(f"{API}/tickets/{tech}", headers=directory.auth("alice"))
    assert forbidden.status_code == 403
    assert "team" in forbidden.json()["error"]
    reply = await client.post(
        f"{API}/tickets/{tech}/replies", json={"text": "hi"}, headers=directory.auth("alice")
    )
    assert reply.status_code == 403


async def test_category_default_team_and_priority_apply_on_create(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    ticket_id = await _ticket(runtime, category="billing")
    body = (await client.get(f"{API}/tickets/{ticket_id}", headers=directory.auth("sue"))).json()
    assert body["team_id"] == directory.billing
    assert body["priority"] == "high"


async def test_filters_narrow_the_list(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, clock: FixedClock
) -> None:
    await _ticket(runtime, category="billing", subject="Invoice wrong")
    clock.advance(hours=1)
    hw = await _ticket(runtime, category="hardware", subject="Keyboard", text="keys stick")
    auth = directory.auth("sue")

    async def ids(**params: str) -> list[int]:
        response = await client.get(f"{API}/tickets", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert await ids(team_id=str(directory.tech)) == [hw]
    assert await ids(priority="normal") == [hw]
    assert await ids(q="STICK") == [hw]
    assert await ids(q="#1002") == [hw]
    since = (clock.now() - timedelta(minutes=30)).isoformat()
    assert await ids(updated_since=since) == [hw]
    assert await ids(status="open") == []
    assert len(await ids(status="new,open")) == 2


async def test_keyset_pagination_walks_every_ticket_once(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, clock: FixedClock
) -> None:
    created = []
    for i in range(7):
        created.append(await _ticket(runtime, subject=f"t{i}"))
        if i % 2:
            clock.advance(seconds=1)  # some tickets share an updated_at: the id breaks ties
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(f"{API}/tickets", params=params, headers=directory.auth("sue"))
        ).json()
        seen.extend(t["id"] for t in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(created, reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "nonsense"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"team_id": "x"}, "team_id"),
        ({"cursor": "!!!"}, "cursor"),
        ({"updated_since": "2026-01-01T00:00:00"}, "updated_since"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"priority": "whenever"}, "priority"),
    ],
)
async def test_bad_list_parameters_get_422_naming_the_field(
    client: httpx.AsyncClient, directory: Directory, params: dict[str, str], field: str
) -> None:
    response = await client.get(f"{API}/tickets", params=params, headers=directory.auth("sue"))
    assert response.status_code == 422
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        (b'{"text": ""}', "text"),
        (b'{"text": "hi", "status": "done"}', "status"),
        (b'{"text": "hi", "extra": 1}', "extra"),
        (b'{"text": 5}', "text"),
    ],
)
async def test_bad_reply_bodies_get_422(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, body: bytes, field: str
) -> None:
    ticket_id = await _ticket(runtime)
    response = await client.post(
        f"{API}/tickets/{ticket_id}/replies",
        content=body,
        headers={**directory.auth("alice"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"]


async def test_unknown_ticket_is_404(client: httpx.AsyncClient, directory: Directory) -> None:
    response = await client.get(f"{API}/tickets/99999", headers=directory.auth("sue"))
    assert response.status_code == 404
    assert "99999" in response.json()["error"]
    patch = await client.patch(
        f"{API}/tickets/99999", json={"status": "open"}, headers=directory.auth("sue")
    )
    assert patch.status_code == 404


async def test_create_ticket_is_idempotent_per_key(
    client: httpx.AsyncClient, directory: Directory
) -> None:
    body = {
        "requester": {"email": "caller@example.com", "name": "Caller"},
        "subject": "Phoned about invoice",
        "text": "Customer says invoice 42 is doubled.",
        "category": "billing",
    }
    headers = {**directory.auth("alice"), "Idempotency-Key": "call-17"}
    first = await client.post(f"{API}/tickets", json=body, headers=headers)
    again = await client.post(f"{API}/tickets", json=body, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    detail = (await client.get(f"{API}/tickets/{first.json()['id']}", headers=headers)).json()
    assert detail["channel"] == "phone"
    assert detail["team_id"] == directory.billing
    # Routing decides after the ticket is logged, each decision on the timeline.
    assert [a["kind"] for a in detail["audit"]] == [
        "ticket_created",
        "logged_by_agent",
        "language_changed",
        "category_changed",
        "team_changed",
        "priority_changed",
    ]
    bad = await client.post(
        f"{API}/tickets",
        json={**body, "requester": {"email": "not-an-address"}},
        headers=directory.auth("alice"),
    )
    assert bad.status_code == 422
    assert "requester.email" in bad.json()["fields"]


async def test_patch_changes_fields_and_audits_each(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    ticket_id = await _ticket(runtime, category="billing")
    auth = directory.auth("alice")
    response = await client.patch(
        f"{API}/tickets/{ticket_id}",
        json={"status": "open", "priority": "urgent", "assignee_id": directory.alice,
              "tags": ["VIP Customer", "vip-customer", "refund"]},
        headers=auth,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["priority"], body["assignee_id"]) == (
        "open",
        "urgent",
        directory.alice,
    )
    assert body["tags"] == ["refund", "vip-customer"]
    detail = (await client.get(f"{API}/tickets/{ticket_id}", headers=auth)).json()
    kinds = [a["kind"] for a in detail["audit"]]
    routed = ["language_changed", "category_changed", "team_changed", "priority_changed"]
    assert kinds[1:] == [
        *routed,
        "status_changed",
        "priority_changed",
        "assignee_changed",
        "tags_changed",
    ]


async def test_patch_rejects_impossible_changes(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    ticket_id = await _ticket(runtime, category="billing")
    auth = directory.auth("sue")
    outsider = await client.patch(
        f"{API}/tickets/{ticket_id}", json={"assignee_id": directory.bob}, headers=auth
    )
    assert outsider.status_code == 422
    assert "not a member" in outsider.json()["fields"]["assignee_id"]
    no_team = await client.patch(f"{API}/tickets/{ticket_id}", json={"team_id": 999}, headers=auth)
    assert no_team.status_code == 422
    closed = await client.patch(
        f"{API}/tickets/{ticket_id}", json={"status": "closed"}, headers=auth
    )
    assert closed.status_code == 200
    reopen = await client.patch(f"{API}/tickets/{ticket_id}", json={"status": "open"}, headers=auth)
    assert reopen.status_code == 409
    assert "closed" in reopen.json()["error"]


async def test_reply_note_and_delivery_state(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    sender = RecordingSender()
    runtime.use_sender("email", sender)
    ticket_id = await _ticket(runtime, category="billing")
    auth = directory.auth("alice")
    reply = await client.post(
        f"{API}/tickets/{ticket_id}/replies",
        json={
            "text": "Refunded.",
            "html": "<p>Refunded.<script>x()</script></p>",
            "status": "solved",
        },
        headers=auth,
    )
    assert reply.status_code == 201, reply.text
    note = await client.post(
        f"{API}/tickets/{ticket_id}/notes", json={"text": "checked ledger"}, headers=auth
    )
    assert note.status_code == 201
    await scheduler_of(runtime).drain()
    detail = (await client.get(f"{API}/tickets/{ticket_id}", headers=auth)).json()
    assert detail["status"] == "solved"
    outbound = [m for m in detail["messages"] if m["direction"] == "outbound"]
    assert outbound[0]["delivery_state"] == "sent"
    assert [m.text for m in sender.sent] == ["Refunded."]
    assert "<script>" not in outbound[0]["html"]
    assert [m["direction"] for m in detail["messages"]] == ["inbound", "outbound", "note"]


async def test_merge_through_the_api(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    a = await _ticket(runtime)
    b = await _ticket(runtime, sender="other@example.com")
    auth = directory.auth("sue")
    merged = await client.post(f"{API}/tickets/{a}/merge", json={"into_ticket_id": b}, headers=auth)
    assert merged.status_code == 200
    again = await client.post(f"{API}/tickets/{a}/merge", json={"into_ticket_id": b}, headers=auth)
    assert again.status_code == 409
    missing = await client.post(
        f"{API}/tickets/{b}/merge", json={"into_ticket_id": 4242}, headers=auth
    )
    assert missing.status_code == 422
    assert (await client.get(f"{API}/tickets/{b}", headers=auth)).json()["merged_from"] == [a]


async def test_directory_lists(client: httpx.AsyncClient, directory: Directory) -> None:
    auth = directory.auth("bob")
    teams = (await client.get(f"{API}/teams", headers=auth)).json()["items"]
    assert [(t["name"], t["member_ids"]) for t in teams] == [
        ("Billing", [directory.alice]),
        ("Tech", [directory.bob]),
    ]
    categories = (await client.get(f"{API}/categories", headers=auth)).json()["items"]
    assert [c["slug"] for c in categories] == ["billing", "hardware"]
    users = (await client.get(f"{API}/users", headers=auth)).json()["items"]
    assert "password_hash" not in users[0]
    assert {u["email"] for u in users} >= {"alice@help.test", "sue@help.test"}


async def test_healthz_reports_database_and_jobs(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["jobs"]["mode"] == "in-process"

"""The access audit: every staff view of a customer's data through the API is logged (who,
what, when, through which door); admins filter the log and export it as CSV."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select

from helpdesk.ports import FixedClock
from helpdesk.privacy import note_access
from helpdesk.privacy_tables import access_log_t
from helpdesk.runtime import Runtime
from helpdesk.services.access import Access
from helpdesk.tables import attachment_t, message_t
from tests.privacy import seed as s
from tests.privacy.conftest import Staff


async def test_views_are_logged_and_admins_filter_and_export_them(
    runtime: Runtime, client: httpx.AsyncClient, staff: Staff, clock: FixedClock
) -> None:
    seeded = await s.seed(runtime)
    ticket = seeded.tickets["email"]
    async with runtime.stores() as store:
        attachment_id = (
            await store.execute(
                select(attachment_t.c.id)
                .join(message_t, message_t.c.id == attachment_t.c.message_id)
                .where(message_t.c.ticket_id == ticket)
            )
        ).scalar_one()
    agent = staff.auth("agent")
    assert (await client.get(f"/api/v1/tickets/{ticket}", headers=agent)).status_code == 200
    clock.advance(hours=1)
    download = await client.get(f"/api/v1/attachments/{attachment_id}", headers=agent)
    assert download.content == s.ATTACHMENT
    other = await client.get(f"/api/v1/tickets/{seeded.other_ticket}", headers=agent)
    assert other.status_code == 200
    # The web inbox logs its views the same way.
    await note_access(
        runtime, staff.agent, "inbox", [Access("ticket.view", seeded.customer_id, ticket)]
    )
    # A list of tickets shows no customer data beyond subjects: not a view of a customer.
    assert (await client.get("/api/v1/tickets", headers=agent)).status_code == 200

    admin = staff.auth("admin")
    assert (await client.get("/api/v1/access-log", headers=agent)).status_code == 403
    mine = await client.get(
        "/api/v1/access-log", params={"customer_id": seeded.customer_id}, headers=admin
    )
    rows = mine.json()["items"]
    assert [(r["user_id"], r["via"], r["action"], r["ticket_id"]) for r in rows] == [
        (staff.agent, "api", "ticket.view", ticket),
        (staff.agent, "api", "attachment.read", ticket),
        (staff.agent, "inbox", "ticket.view", ticket),
    ]
    assert rows[1]["attachment_id"] == attachment_id
    assert rows[0]["at"] == s.AT.isoformat() and rows[1]["at"] > rows[0]["at"]

    later = await client.get(
        "/api/v1/access-log",
        params={"user_id": staff.agent, "since": "2026-11-23T09:30:00+00:00", "limit": 2},
        headers=admin,
    )
    assert [r["action"] for r in later.json()["items"]] == ["attachment.read", "ticket.view"]
    page2 = await client.get(
        "/api/v1/access-log",
        params={"user_id": staff.agent, "after_id": later.json()["next_after_id"]},
        headers=admin,
    )
    assert [r["via"] for r in page2.json()["items"]] == ["inbox"]
    bad = await client.get("/api/v1/access-log", params={"since": "yesterday"}, headers=admin)
    assert bad.status_code == 422 and "since" in bad.json()["fields"]

    exported = await client.get(
        "/api/v1/access-log/export", params={"customer_id": seeded.other_id}, headers=admin
    )
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["user_id"], r["action"], r["ticket_id"]) for r in table] == [
        (str(staff.agent), "ticket.view", str(seeded.other_ticket))
    ]


async def test_views_are_written_in_batches_with_the_time_they_happened(
    runtime: Runtime, staff: Staff, clock: FixedClock
) -> None:
    recorder = runtime.access_recorder
    assert recorder is not None
    seeded = await s.seed(runtime)
    recorder.record(staff.agent, "inbox", [Access("ticket.view", seeded.customer_id, 1)])
    clock.advance(minutes=5)
    recorder.record(staff.agent, "inbox", [Access("customer.view", seeded.customer_id)])
    recorder.record(staff.admin, "api", [Access("customer.view", seeded.other_id)])

    async def logged() -> list[tuple[int, str, str]]:
        async with runtime.stores() as store:
            rows = await store.execute(
                select(access_log_t.c.user_id, access_log_t.c.action, access_log_t.c.at).order_by(
                    access_log_t.c.id
                )
            )
            return [(r.user_id, r.action, r.at.isoformat()) for r in rows]

    assert await logged() == []  # nothing written per view
    assert await recorder.flush() == 3
    assert await logged() == [
        (staff.agent, "ticket.view", s.AT.isoformat()),
        (staff.agent, "customer.view", clock.now().isoformat()),
        (staff.admin, "customer.view", clock.now().isoformat()),
    ]
    recorder.record(staff.admin, "api", [Access("customer.view", seeded.customer_id)])
    await recorder.close()  # shutdown writes what is left
    assert len(await logged()) == 4

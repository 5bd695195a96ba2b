"""The SLA API over HTTP: configuration CRUD with per-field errors, tickets at risk, a ticket's
clocks with their event log, achievement, acknowledgement and role checks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role
from tests.sla.desk import OFFICE, Desk
from tests.sla.test_scenarios import LADDER, targets


@pytest_asyncio.fixture
async def client(desk: Desk) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(desk.rt.settings, runtime=desk.rt)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as c:
        yield c


async def _tokens(desk: Desk) -> dict[str, dict[str, str]]:
    async with desk.rt.stores() as store:
        outsider = await services.create_user(
            store, email="olga@help.test", name="Olga", role=Role.AGENT
        )
        tokens = {
            "sue": await services.create_token(store, desk.sue),
            "alice": await services.create_token(store, desk.alice),
            "olga": await services.create_token(store, outsider),
        }
    return {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}


async def test_configuration_crud_with_field_errors_and_roles(
    desk: Desk, client: httpx.AsyncClient
) -> None:
    auth = await _tokens(desk)
    base = "/api/v1/sla"
    assert (await client.get(f"{base}/policies")).status_code == 401
    assert (await client.get(f"{base}/policies", headers=auth["alice"])).status_code == 403

    bad = await client.post(
        f"{base}/calendars",
        headers=auth["sue"],
        json={"name": "x", "tz": "Mars/Olympus", "weekly": {"0": [["25:00", "18:00"]]}},
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"tz", "weekly"}
    not_json = await client.post(f"{base}/calendars", headers=auth["sue"], content=b"{nope")
    assert not_json.status_code == 422
    made = await client.post(
        f"{base}/calendars",
        headers=auth["sue"],
        json={"name": "Berlin", "tz": "Europe/Berlin", "weekly": OFFICE, "holiday_country": "DE",
              "holiday_subdiv": "BY", "custom_holidays": ["2026-12-24"]},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    calendar_id = made.json()["id"]

    policy = {"name": "Gold", "targets": targets(), "calendar_id": 999, "category_ids": [77]}
    missing = await client.post(f"{base}/policies", headers=auth["sue"], json=policy)
    assert missing.status_code == 422
    assert set(missing.json()["fields"]) == {"calendar_id", "category_ids"}
    weird = await client.post(
        f"{base}/policies",
        headers=auth["sue"],
        json={"name": "W", "targets": {"first_reply": {"normal": -5}}, "warn_fraction": 2},
    )
    assert set(weird.json()["fields"]) == {"targets", "warn_fraction"}
    policy.update(calendar_id=calendar_id, category_ids=[desk.categories["hardware"]])
    created = await client.post(f"{base}/policies", headers=auth["sue"], json=policy)
    assert created.status_code == 201, created.text
    policy_id = created.json()["id"]
    policy["position"] = 5
    changed = await client.put(f"{base}/policies/{policy_id}", headers=auth["sue"], json=policy)
    assert changed.json()["position"] == 5
    assert (await client.get(f"{base}/policies/999", headers=auth["sue"])).status_code == 404
    in_use = await client.delete(f"{base}/calendars/{calendar_id}", headers=auth["sue"])
    assert in_use.status_code == 409

    ladder = {"name": "Hardware", "category_id": desk.categories["hardware"], "levels": LADDER}
    assert (
        await client.post(f"{base}/ladders", headers=auth["sue"], json=ladder)
    ).status_code == 201
    twice = await client.post(f"{base}/ladders", headers=auth["sue"], json=ladder)
    assert "category_id" in twice.json()["fields"]
    broken = {
        "name": "Broken",
        "levels": [
            {"offset": "1m", "actions": [{"type": "notify", "target": "user", "user_id": 4242}]},
            {"offset": 0, "actions": [{"type": "webhook"}]},
        ],
    }
    rejected = await client.post(f"{base}/ladders", headers=auth["sue"], json=broken)
    assert rejected.json()["fields"] == {
        "levels.1.actions.0": "Value error, a webhook action needs url"
    }
    broken["levels"] = broken["levels"][:1]
    unknown_user = await client.post(f"{base}/ladders", headers=auth["sue"], json=broken)
    assert "levels.0.actions.0.user_id" in unknown_user.json()["fields"]
    assert (
        await client.delete(f"{base}/policies/{policy_id}", headers=auth["sue"])
    ).status_code == 204
    assert (
        await client.delete(f"{base}/policies/{policy_id}", headers=auth["sue"])
    ).status_code == 404


async def test_at_risk_clocks_achievement_and_acknowledgement(
    desk: Desk, client: httpx.AsyncClient
) -> None:
    auth = await _tokens(desk)
    base = "/api/v1/sla"
    await desk.policy(targets=targets())
    await desk.ladder("hardware", LADDER, metrics=["first_reply"])
    desk.at("Mon 16:30")
    ticket = await desk.open(category="hardware")
    desk.at("Mon 17:30")
    await desk.wake()

    breached = await client.get(f"{base}/tickets?state=breached", headers=auth["sue"])
    assert [(i["ticket_id"], i["metric"]) for i in breached.json()["items"]] == [
        (ticket, "first_reply")
    ]
    filtered = await client.get(
        f"{base}/tickets?metric=resolution&team_id={desk.team}", headers=auth["alice"]
    )
    assert [i["state"] for i in filtered.json()["items"]] == []  # resolution is not at risk yet
    mine = await client.get(
        f"{base}/tickets?category_id={desk.categories['hardware']}", headers=auth["alice"]
    )
    assert len(mine.json()["items"]) == 1
    assert (await client.get(f"{base}/tickets", headers=auth["olga"])).json()["items"] == []
    bad = await client.get(f"{base}/tickets?state=late&team_id=x", headers=auth["sue"])
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"state", "team_id"}

    why = await client.get(f"{base}/tickets/{ticket}/clocks", headers=auth["alice"])
    first = next(c for c in why.json()["clocks"] if c["metric"] == "first_reply")
    assert [e["kind"] for e in first["events"]] == ["activated", "warned", "breached"]
    assert first["events"][0]["business_time_left_s"] == 3600
    assert first["due_at"] == "2026-06-01T14:30:00+00:00"  # 17:30 in Istanbul
    assert (
        await client.get(f"{base}/tickets/{ticket}/clocks", headers=auth["olga"])
    ).status_code == 403
    assert (await client.get(f"{base}/tickets/999/clocks", headers=auth["sue"])).status_code == 404

    escalations = why.json()["escalations"]
    assert [e["level"] for e in escalations] == [0, 1]
    assert (await client.post(f"{base}/escalations/{escalations[1]['id']}/ack",
                              headers=auth["olga"], json={})).status_code == 403  # fmt: skip
    acked = await client.post(
        f"{base}/escalations/{escalations[1]['id']}/ack", headers=auth["alice"], json={}
    )
    assert acked.status_code == 200, acked.text
    assert (await client.post(f"{base}/escalations/9999/ack", headers=auth["sue"],
                              json={})).status_code == 404  # fmt: skip
    desk.at("Tue 12:00")
    await desk.wake()
    assert [lvl for lvl, _, _ in await desk.escalations()] == [0, 1]

    feed = await client.get(f"{base}/notifications", headers=auth["sue"])
    assert [n["kind"] for n in feed.json()["items"]] == ["escalation"]

    await desk.reply()
    period = "from=2026-06-01T00:00:00%2B03:00&to=2026-06-08T00:00:00%2B03:00"
    report = await client.get(f"{base}/achievement?{period}&group_by=agent", headers=auth["sue"])
    assert report.status_code == 200, report.text
    rows = {r["metric"]: r for r in report.json()["items"]}
    assert rows["first_reply"] == {
        "metric": "first_reply", "agent": desk.alice, "total": 1, "met": 0, "breached": 1,
        "achieved": 0.0,
    }  # fmt: skip
    bad_period = await client.get(
        f"{base}/achievement?from=yesterday&group_by=x", headers=auth["sue"]
    )
    assert set(bad_period.json()["fields"]) == {"from", "to", "group_by"}

"""The supervisors' feed of escalations: what fired, when, and who acknowledged it."""

from __future__ import annotations

import httpx

from tests.sla.desk import Desk
from tests.sla.test_api import _tokens, client
from tests.sla.test_scenarios import LADDER, targets

__all__ = ["client"]


async def test_the_feed_lists_fired_levels_and_who_acknowledged_them(
    desk: Desk, client: httpx.AsyncClient
) -> None:
    auth = await _tokens(desk)
    await desk.policy(targets=targets())
    await desk.ladder("hardware", LADDER, metrics=["first_reply"])
    desk.at("Mon 16:30")
    ticket = await desk.open(category="hardware")
    desk.at("Mon 17:30")
    await desk.wake()
    feed_url = "/api/v1/sla/reports/escalations"
    period = {"from": "2026-06-01T00:00:00+03:00", "to": "2026-06-08T00:00:00+03:00"}
    fired = (await client.get(feed_url, params=period, headers=auth["sue"])).json()["items"]
    assert [(e["ticket_id"], e["level"], e["acknowledged_at"]) for e in fired] == [
        (ticket, 1, None),
        (ticket, 0, None),
    ]  # newest first
    acked = await client.post(
        f"/api/v1/sla/escalations/{fired[0]['id']}/ack", headers=auth["alice"], json={}
    )
    assert acked.status_code == 200, acked.text
    after = (await client.get(feed_url, params=period, headers=auth["sue"])).json()["items"]
    assert after[0]["acknowledged_by"] == desk.alice
    assert after[0]["acknowledged_by_name"] == "Alice"
    assert after[0]["acknowledged_at"] is not None
    assert (await client.get(feed_url, headers=auth["alice"])).status_code == 403  # agents: no

"""Outgoing webhooks against a real receiver process on 127.0.0.1: signed bodies that verify,
retries with backoff on the injected clock, dead letters that can be replayed, and a receiver
killed mid-way that still gets every event at least once under the same ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Priority
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.settings import Settings
from helpdesk.tables import audit_t, outbox_t
from helpdesk.webhook_sender import sign, verify
from helpdesk.worker import assemble, start
from tests.core.factory import email_in
from tests.fixtures_db import scheduler_of
from tests.privacy import seed
from tests.privacy.conftest import Staff
from tests.support.services import free_port


@dataclass
class Receiver:
    port: int
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self, *options: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.privacy.receiver", str(self.port), str(self.log),
             *options],
            env=self.env,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise TimeoutError("the webhook receiver did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def receiver_for(tmp_path: Path, clock: FixedClock) -> Iterator[Callable[[int, str], Receiver]]:
    made: list[Receiver] = []

    def make(port: int, secret: str) -> Receiver:
        env = {**os.environ, "WEBHOOK_SECRET": secret, "NOW": str(clock.now().timestamp())}
        receiver = Receiver(port, tmp_path / f"received-{len(made)}.jsonl", env)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.stop()


@pytest_asyncio.fixture
async def runtime(settings: Settings, clock: FixedClock) -> AsyncIterator[Runtime]:
    """Three delivery attempts before a webhook is a dead letter."""
    rt = assemble(settings.with_changes(outbox_max_attempts=3), clock=clock)
    await start(rt, periodic=False)
    yield rt
    await rt.close()


async def _subscribe(
    client: httpx.AsyncClient, staff: Staff, port: int, events: list[str]
) -> tuple[int, str]:
    response = await client.post(
        "/api/v1/webhooks",
        json={"url": f"http://127.0.0.1:{port}/hook", "events": events},
        headers=staff.auth("admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["secret"]


async def _open(rt: Runtime, n: int = 1) -> list[int]:
    ids = []
    for i in range(n):
        async with rt.stores() as store:
            result = await services.ingest(store, email_in(subject=f"Question {i}"))
        assert result.ticket_id is not None
        ids.append(result.ticket_id)
    return ids


async def _deliveries(client: httpx.AsyncClient, staff: Staff, **params: Any) -> list[Any]:
    response = await client.get(
        "/api/v1/webhooks/deliveries", params=params, headers=staff.auth("admin")
    )
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


@pytest.mark.parametrize(
    "url",
    [
        "http://\U0001f3fb\u00b6\u00f2g/hook",  # a host IDNA cannot encode
        "https://[::1/hook",  # an IPv6 address without its closing bracket
        "http://example.com:99999/hook",  # no such port
        "mailto:ops@example.com",
        "http:///hook",
    ],
)
async def test_a_url_no_delivery_could_reach_is_refused(
    client: httpx.AsyncClient, staff: Staff, url: str
) -> None:
    refused = await client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["ticket.created"]},
        headers=staff.auth("admin"),
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert refused.json()["fields"] == {"url": "must be an http(s) URL"}
    listed = await client.get("/api/v1/webhooks", headers=staff.auth("admin"))
    assert listed.json()["items"] == []


async def test_events_arrive_signed_for_the_types_subscribed(
    runtime: Runtime,
    client: httpx.AsyncClient,
    staff: Staff,
    receiver_for: Callable[[int, str], Receiver],
) -> None:
    port = free_port()
    bad = await client.post(
        "/api/v1/webhooks",
        json={"url": "ftp://x", "events": ["ticket.exploded"]},
        headers=staff.auth("admin"),
    )
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"url", "events"}
    agent = await client.get("/api/v1/webhooks", headers=staff.auth("agent"))
    assert agent.status_code == 403
    first, secret = await _subscribe(client, staff, port, ["ticket.created", "message.added"])
    # Another integrator wants updates only, and its endpoint is down.
    second, _ = await _subscribe(client, staff, free_port(), ["ticket.updated"])
    receiver = receiver_for(port, secret)
    receiver.start()

    (ticket,) = await _open(runtime)
    async with runtime.stores() as store:  # ticket.updated: not subscribed
        await services.update_ticket(
            store, ticket, Actor.system(), TicketChanges(priority=Priority.HIGH.value)
        )
    await scheduler_of(runtime).drain()

    records = receiver.records()
    assert sorted(r["event"] for r in records) == ["message.added", "ticket.created"]
    assert all(r["valid"] for r in records)
    assert all(r["body"]["id"] == r["event_id"] for r in records)
    assert {r["body"]["ticket"]["id"] for r in records} == {ticket}
    assert len({r["event_id"] for r in records}) == 2
    log = await _deliveries(client, staff, subscription_id=first)
    assert sorted((d["status"], [a["status_code"] for a in d["log"]]) for d in log) == [
        ("sent", [200]),
        ("sent", [200]),
    ]
    # Two updates: routing recording the language it detected, then the priority change.
    downs = await _deliveries(client, staff, subscription_id=second)
    assert [(d["event"], d["status"], d["attempts"]) for d in downs] == [
        ("ticket.updated", "pending", 1)
    ] * 2
    down = downs[0]
    assert down["log"][0]["status_code"] is None and "Connect" in down["log"][0]["error"]
    # What the receiver's check rejects: another body, or a stale timestamp replayed later.
    body, now = b'{"id":"x"}', runtime.clock.now().timestamp()
    stamp = int(now)
    assert verify(secret, body, str(stamp), sign(secret, body, stamp), now=now)
    assert not verify(secret, body + b" ", str(stamp), sign(secret, body, stamp), now=now)
    assert not verify(secret, body, str(stamp), sign(secret, body, stamp), now=now + 600)


async def test_failures_back_off_then_dead_letter_is_replayed(
    runtime: Runtime,
    client: httpx.AsyncClient,
    staff: Staff,
    receiver_for: Callable[[int, str], Receiver],
    clock: FixedClock,
) -> None:
    port = free_port()
    _, secret = await _subscribe(client, staff, port, ["ticket.created"])
    receiver = receiver_for(port, secret)
    receiver.start("--status", "503")
    start_at = clock.now()

    (ticket,) = await _open(runtime)
    await scheduler_of(runtime).drain()
    (delivery,) = await _deliveries(client, staff)
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert delivery["next_attempt_at"] == (start_at.replace(second=30)).isoformat()
    assert await runtime.run_job("deliver_outbox", delivery["id"]) == "not due or already taken"

    clock.advance(seconds=30)
    await runtime.run_job("deliver_outbox", delivery["id"])
    clock.advance(seconds=59)  # the second backoff is 60 s: nothing is due yet
    await runtime.run_job("reconcile_outbox")
    await scheduler_of(runtime).drain()
    assert len(receiver.records()) == 2
    clock.advance(seconds=1)
    await runtime.run_job("reconcile_outbox")
    await scheduler_of(runtime).drain()

    (dead,) = await _deliveries(client, staff, status="dead")
    assert dead["attempts"] == 3 and dead["last_error"] == "HTTP 503"
    assert [a["status_code"] for a in dead["log"]] == [503, 503, 503]
    assert [a["at"][11:19] for a in dead["log"]] == ["09:00:00", "09:00:30", "09:01:30"]
    async with runtime.stores() as store:
        kinds = await store.execute(select(audit_t.c.kind).where(audit_t.c.ticket_id == ticket))
        assert "delivery_failed" not in set(kinds.scalars())  # not the ticket's business

    receiver.stop()
    receiver.start()  # fixed: answers 200 now
    replayed = await client.post(
        f"/api/v1/webhooks/deliveries/{dead['id']}/replay", headers=staff.auth("admin")
    )
    assert replayed.status_code == 202
    await scheduler_of(runtime).drain()
    records = receiver.records()
    assert len(records) == 4
    assert {r["event_id"] for r in records} == {dead["event_id"]}
    assert records[-1]["body"] == records[0]["body"] and records[-1]["valid"]
    (sent,) = await _deliveries(client, staff, status="sent")
    assert sent["id"] == dead["id"] and sent["log"][-1]["status_code"] == 200
    again = await client.post(
        "/api/v1/webhooks/deliveries/999999/replay", headers=staff.auth("admin")
    )
    assert again.status_code == 404


async def test_a_receiver_killed_mid_way_gets_every_event_at_least_once(
    runtime: Runtime,
    client: httpx.AsyncClient,
    staff: Staff,
    receiver_for: Callable[[int, str], Receiver],
    clock: FixedClock,
) -> None:
    port = free_port()
    _, secret = await _subscribe(client, staff, port, ["ticket.created", "message.added"])
    receiver = receiver_for(port, secret)
    receiver.start("--die-on", "3")

    await _open(runtime, 4)
    await scheduler_of(runtime).drain()
    assert receiver.proc is not None and receiver.proc.wait(timeout=10) == 1  # it died
    async with runtime.stores() as store:
        rows = (await store.execute(select(outbox_t).where(outbox_t.c.kind == "webhook"))).all()
    expected = {r.payload["event_id"]: json.loads(r.payload["body"]) for r in rows}
    assert len(expected) == 8
    assert any(r.status == "pending" for r in rows)  # the kill left work undone

    receiver.start()
    for _ in range(3):
        clock.advance(seconds=31)
        await runtime.run_job("reconcile_outbox")
        await scheduler_of(runtime).drain()

    records = receiver.records()
    received = {r["event_id"] for r in records}
    assert received == set(expected)
    assert all(r["valid"] and r["body"] == expected[r["event_id"]] for r in records)
    died_on = records[2]["event_id"]
    assert [r["event_id"] for r in records].count(died_on) >= 2  # logged, then redelivered
    assert {d["status"] for d in await _deliveries(client, staff)} == {"sent"}


async def test_a_csat_rating_is_an_event_with_ids_and_figures_only(
    runtime: Runtime, client: httpx.AsyncClient, staff: Staff
) -> None:
    await _subscribe(client, staff, free_port(), ["csat.rated"])
    seeded = await seed.seed(runtime, csat=True)
    async with runtime.stores() as store:
        rows = (await store.execute(select(outbox_t).where(outbox_t.c.kind == "webhook"))).all()
    (row,) = rows
    body = json.loads(row.payload["body"])
    assert body["type"] == "csat.rated"
    assert body["ticket"]["id"] == seeded.tickets["email"]
    assert (body["data"]["rating"], body["data"]["bad"]) == (2, True)
    assert seed.CSAT_COMMENT not in row.payload["body"]  # no personal data in webhook bodies

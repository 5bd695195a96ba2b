"""Escalation webhooks: posted after commit by a job to a real HTTP server, signed with
HMAC-SHA256 of the body, retried with backoff on failure, never resent once delivered."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.tables import ticket_t
from sla.tables import escalation_t
from sla.webhooks import SIGNATURE_HEADER
from tests.fixtures_db import scheduler_of
from tests.sla.desk import Desk, H
from tests.sla.test_scenarios import targets
from tests.support.asgi import serve_asgi


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.calls: list[tuple[bytes, str]] = []

    async def hook(self, request: Request) -> Response:
        self.calls.append((await request.body(), request.headers.get(SIGNATURE_HEADER, "")))
        return Response(status_code=self.statuses.pop(0) if self.statuses else 200)


async def _webhook_state(desk: Desk) -> tuple[str, int, str | None]:
    async with desk.rt.stores() as store:
        row = (
            await store.execute(
                select(
                    escalation_t.c.webhook_state,
                    escalation_t.c.webhook_attempts,
                    escalation_t.c.webhook_error,
                )
            )
        ).one()
    return row.webhook_state, row.webhook_attempts, row.webhook_error


async def test_webhook_is_signed_retried_and_sent_once(desk: Desk) -> None:
    receiver = Receiver([503])
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    async with serve_asgi(app) as base:
        await desk.policy(targets=targets(), warn_fraction=None)
        await desk.ladder(
            None,
            [{"offset": 0, "actions": [{"type": "webhook", "url": f"{base}/hook"}]}],
            metrics=["first_reply"],
        )
        desk.at("Mon 10:00")
        await desk.open()
        desk.at("Mon 11:00")
        await desk.wake()  # breach: level 1 fires; its webhook job runs after the commit
        await scheduler_of(desk.rt).drain()
        assert len(receiver.calls) == 1
        state, attempts, error = await _webhook_state(desk)
        assert (state, attempts) == ("pending", 1) and error is not None and "503" in error

        desk.clock.advance(seconds=30)  # the retry falls due
        (escalation_id,) = await _escalation_ids(desk)
        assert await desk.rt.run_job("sla_webhook", escalation_id) == "sent"
        assert await desk.rt.run_job("sla_webhook", escalation_id) == "nothing to post"
        await desk.rt.run_job("sla_reconcile")
        await scheduler_of(desk.rt).drain()
    assert len(receiver.calls) == 2
    body, signature = receiver.calls[-1]
    secret = desk.rt.settings.secret_key.encode()
    assert signature == "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    payload = json.loads(body)
    async with desk.rt.stores() as store:
        number = (
            await store.execute(select(ticket_t.c.number).where(ticket_t.c.id == desk.ticket))
        ).scalar_one()
    assert (payload["ticket_number"], payload["metric"], payload["level"]) == (
        number,
        "first_reply",
        1,
    )
    assert await _webhook_state(desk) == ("sent", 2, None)


async def _escalation_ids(desk: Desk) -> list[int]:
    async with desk.rt.stores() as store:
        return list((await store.execute(select(escalation_t.c.id))).scalars())


async def test_unreachable_webhook_gives_up_after_retries_without_blocking(desk: Desk) -> None:
    await desk.policy(targets=targets(), warn_fraction=None)
    await desk.ladder(
        None,
        [
            {"offset": 0, "actions": [
                {"type": "webhook", "url": "http://127.0.0.1:9/nothing-listens"},
                {"type": "notify", "target": "supervisor"},
            ]},
        ],
        metrics=["first_reply"],
    )  # fmt: skip
    desk.at("Mon 10:00")
    await desk.open()
    desk.at("Mon 11:00")
    await desk.wake()
    # The escalation and its notification are committed before any HTTP happens.
    assert await desk.feed(desk.sue) == [("escalation", "first_reply")]
    await scheduler_of(desk.rt).drain()  # the first attempt, enqueued after the commit
    assert (await _webhook_state(desk))[:2] == ("pending", 1)
    (escalation_id,) = await _escalation_ids(desk)
    results = []
    for _ in range(4):
        desk.clock.advance(seconds=H)
        results.append(await desk.rt.run_job("sla_webhook", escalation_id))
    assert results[-1] == "failed"
    state, attempts, error = await _webhook_state(desk)
    assert (state, attempts) == ("failed", 5) and error is not None and "Connect" in error

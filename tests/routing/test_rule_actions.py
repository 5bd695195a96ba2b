"""Rule actions that reach outside the ticket: a template reply through the customer's own
channel (sent only once the channel took it), the staff notification feed, a signed webhook
with retries and a delivery log; and the API refusing a bad action field by field."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from channels.chat import bots
from helpdesk import services
from helpdesk.app import create_app
from helpdesk.crypto import SecretBox
from helpdesk.domain import Role
from helpdesk.errors import DeliveryError
from helpdesk.inbox.timeline import describe
from helpdesk.ports import FixedClock
from helpdesk.privacy_tables import webhook_attempt_t
from helpdesk.runtime import Runtime
from helpdesk.services import outbox, webhooks
from helpdesk.tables import message_t, notification_t
from helpdesk.webhook_sender import EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from routing import dry_run
from routing.rules import Rule
from tests.channels.chat.conftest import SECRET as CHAT_SECRET
from tests.channels.chat.conftest import Chat
from tests.core.factory import email_in
from tests.core.senders import RecordingSender
from tests.fixtures_db import scheduler_of
from tests.routing.desk import Desk
from tests.support.asgi import serve_asgi
from tests.support.telegram_api import BotApiStandIn, text_message_update

GREETING = "Merhaba {name}, talebiniz #{number} ({subject}) alındı."


def _rule(*actions: dict[str, Any], name: str = "greet") -> dict[str, Any]:
    return {"name": name, "actions": list(actions)}


async def _ingest(rt: Runtime, **fields: Any) -> int:
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(**fields))
    assert result.ticket_id is not None
    return result.ticket_id


async def _bot_messages(rt: Runtime, ticket_id: int) -> list[tuple[str, str, str | None]]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(message_t.c.text, message_t.c.author_kind, message_t.c.delivery_state)
            .where(message_t.c.ticket_id == ticket_id, message_t.c.direction == "outbound")
            .order_by(message_t.c.id)
        )
        return [(r.text, r.author_kind, r.delivery_state) for r in rows]


async def test_template_reply_goes_through_the_customers_channel(desk: Desk) -> None:
    sender = RecordingSender()
    desk.rt.use_sender("email", sender)
    await desk.configure(rules=[_rule({"kind": "send_reply", "text": GREETING})])
    ticket_id = await _ingest(
        desk.rt, sender="zeynep@example.com", name="Zeynep", subject="İade", text="iade lütfen"
    )
    await scheduler_of(desk.rt).drain()
    number = (await desk.ticket(ticket_id))["number"]
    expected = f"Merhaba Zeynep, talebiniz #{number} (İade) alındı."
    assert [(m.text, [t.address for t in m.to]) for m in sender.sent] == [
        (expected, ["zeynep@example.com"])
    ]
    assert await _bot_messages(desk.rt, ticket_id) == [(expected, "bot", "sent")]
    # The reply leaves the status alone: a rule that wants it solved says so.
    assert (await desk.ticket(ticket_id))["status"] == "new"


async def test_template_reply_is_not_sent_when_the_channel_refuses_it(desk: Desk) -> None:
    desk.rt.use_sender(
        "email", RecordingSender(failures=[DeliveryError("550 no such user", permanent=True)])
    )
    await desk.configure(rules=[_rule({"kind": "send_reply", "text": "Hello {name}"})])
    ticket_id = await _ingest(desk.rt, name="Jo")
    await scheduler_of(desk.rt).drain()
    assert await _bot_messages(desk.rt, ticket_id) == [("Hello Jo", "bot", "failed")]


async def test_notify_writes_into_the_feed_of_the_team_and_named_agents(desk: Desk) -> None:
    rule = _rule(
        {
            "kind": "notify",
            "value": ["team", "lale@help.test", "nobody@help.test"],
            "text": "Refund #{number} from {name} ({priority})",
        },
        name="refunds heads-up",
    )
    await desk.configure(rules=[rule])
    ticket_id = await _ingest(desk.rt, name="Can", text="iade istiyorum", category="refunds")
    number = (await desk.ticket(ticket_id))["number"]
    async with desk.rt.stores() as store:
        rows = await store.execute(
            select(notification_t.c.user_id, notification_t.c.text, notification_t.c.kind).where(
                notification_t.c.ticket_id == ticket_id
            )
        )
        feed = sorted((r.user_id, r.text, r.kind) for r in rows)
    text = f"Refund #{number} from Can (normal)"
    users = desk.users
    assert feed == sorted((users[name], text, "rule") for name in ("ayse", "mehmet", "lale"))
    assert (
        "3 notified by rule 'refunds heads-up'; nobody for nobody@help.test"
        in await desk.reasons(ticket_id)
    )


class Receiver:
    """An integrator's endpoint: answers each event kind with its given statuses, then 200
    (per kind: deliveries of different events to one endpoint arrive in no set order)."""

    def __init__(self, statuses: dict[str, list[int]]) -> None:
        self.statuses = statuses
        self.calls: list[tuple[bytes, dict[str, str]]] = []

    async def hook(self, request: Request) -> Response:
        self.calls.append((await request.body(), dict(request.headers)))
        left = self.statuses.get(request.headers.get(EVENT_HEADER, ""), [])
        return Response(status_code=left.pop(0) if left else 200)


async def test_call_webhook_is_signed_retried_and_logged(desk: Desk, clock: FixedClock) -> None:
    receiver = Receiver({"rule.fired": [503]})
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    rt = desk.rt
    async with serve_asgi(app) as base:
        async with rt.stores() as store:
            created = await webhooks.create_subscription(
                store, SecretBox(rt.settings.secret_key), f"{base}/hook", ["ticket.created"]
            )
        rule = _rule(
            {"kind": "call_webhook", "value": str(created.subscription_id)}, name="tell crm"
        )
        await desk.configure(rules=[rule])
        # Fan-out of ticket.created to the same subscription is its own delivery; the
        # rule's call is the "rule.fired" one.
        ticket_id = await _ingest(rt, text="hello")
        await scheduler_of(rt).drain()
        fired = [c for c in receiver.calls if c[1][EVENT_HEADER.lower()] == "rule.fired"]
        assert len(fired) == 1  # the first attempt got a 503
        clock.advance(seconds=outbox.backoff(1).total_seconds() + 1)
        await rt.run_job("reconcile_outbox")
        await scheduler_of(rt).drain()
    fired = [c for c in receiver.calls if c[1][EVENT_HEADER.lower()] == "rule.fired"]
    assert len(fired) == 2
    body, headers = fired[-1]
    assert fired[0][0] == body  # a retry sends the very same bytes
    assert verify(
        created.secret,
        body,
        headers[TIMESTAMP_HEADER.lower()],
        headers[SIGNATURE_HEADER.lower()],
        now=rt.clock.now().timestamp(),
    )
    payload = json.loads(body)
    number = (await desk.ticket(ticket_id))["number"]
    assert payload["type"] == "rule.fired"
    assert payload["ticket"] == {"id": ticket_id, "number": number}
    assert payload["data"] == {"rule": "tell crm"}
    queued = f"webhook {created.subscription_id} queued by rule 'tell crm' (delivery "
    assert any(r.startswith(queued) for r in await desk.reasons(ticket_id))
    async with rt.stores() as store:
        attempts = [
            r.status_code
            for r in await store.execute(
                select(webhook_attempt_t.c.status_code)
                .where(webhook_attempt_t.c.event_id == payload["id"])
                .order_by(webhook_attempt_t.c.id)
            )
        ]
    assert attempts == [503, 200]


async def test_bad_actions_are_refused_field_by_field(desk: Desk) -> None:
    async with desk.rt.stores() as store:
        sue = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        token = await services.create_token(store, sue)
        gone = await webhooks.create_subscription(
            store, SecretBox(desk.rt.settings.secret_key), "https://crm.test/h", ["ticket.created"]
        )
        await webhooks.deactivate_subscription(store, gone.subscription_id)
    app = create_app(desk.rt.settings, runtime=desk.rt)
    auth = {"Authorization": f"Bearer {token}"}
    rules = [
        _rule({"kind": "send_reply", "text": "Hi {customer}"}, name="a"),
        _rule({"kind": "send_reply"}, name="b"),
        _rule({"kind": "notify", "value": ["the boss"], "text": "x"}, name="c"),
        _rule({"kind": "call_webhook", "value": "crm"}, name="d"),
        _rule({"kind": "require_skills", "value": ["two words"]}, name="e"),
        _rule({"kind": "set_team", "value": "Billing", "text": "why"}, name="f"),
    ]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        bad = await client.put("/api/v1/routing/config", json={"rules": rules}, headers=auth)
        assert bad.status_code == 422
        fields = bad.json()["fields"]
        assert set(fields) == {f"rules.{i}.actions.0" for i in range(6)}
        assert "unknown placeholders {customer}" in fields["rules.0.actions.0"]
        assert "send_reply needs a text" in fields["rules.1.actions.0"]
        assert "'the boss' is not a recipient" in fields["rules.2.actions.0"]
        assert "subscription id" in fields["rules.3.actions.0"]
        assert "skill names" in fields["rules.4.actions.0"]
        assert "set_team takes no text" in fields["rules.5.actions.0"]
        inactive = _rule({"kind": "call_webhook", "value": str(gone.subscription_id)})
        missing = await client.put(
            "/api/v1/routing/config",
            json={"automations": [{"name": "x", "minutes": 5, "actions": inactive["actions"]}]},
            headers=auth,
        )
        assert missing.status_code == 422
        assert missing.json()["fields"] == {
            "automations.0.actions.0.value": (
                f"no active webhook subscription {gone.subscription_id}"
            )
        }


async def test_dry_run_lists_what_the_actions_would_do(desk: Desk) -> None:
    ticket_id = await _ingest(desk.rt, text="hello")
    rules = [
        _rule(
            {"kind": "send_reply", "text": "Hi {name}"},
            {"kind": "notify", "value": ["team:Tech"], "text": "look"},
            {"kind": "require_skills", "value": ["language:tr"]},
        )
    ]
    async with desk.rt.stores() as store:
        (preview,) = await dry_run.dry_run(store, [Rule.model_validate(r) for r in rules], last=1)
    assert preview.ticket_id == ticket_id
    assert preview.effects == (
        "reply to the customer: Hi {name}",
        "notify team:Tech: look",
        "require skills language:tr",
    )
    assert await _bot_messages(desk.rt, ticket_id) == []


def test_the_ticket_timeline_says_why() -> None:
    """The inbox's history lines carry routing's reasons, for field changes and the rest."""
    team = {
        "actor_user_id": None,
        "actor_kind": "system",
        "kind": "team_changed",
        "data": {"old": None, "new": 1, "reason": "team Billing by rule 'refunds'"},
    }
    notified = {
        "actor_user_id": None,
        "actor_kind": "system",
        "kind": "rule_action",
        "data": {"reason": "2 notified by rule 'refunds'", "rule": "refunds"},
    }
    assert describe(team, {}, {1: "Billing"}, {}) == (
        "The system changed team: none → Billing (team Billing by rule 'refunds')"
    )
    assert describe(notified, {}, {}, {}) == "The system: 2 notified by rule 'refunds'"


async def test_template_reply_reaches_a_telegram_customer_in_their_chat(
    desk: Desk, telegram_api: BotApiStandIn
) -> None:
    await desk.configure(rules=[_rule({"kind": "send_reply", "text": "#{number}: {subject}"})])
    app = create_app(desk.rt.settings, runtime=desk.rt)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        chat = Chat(desk.rt, telegram_api, client)
        async with desk.rt.stores() as store:
            await bots.add_bot(
                store,
                SecretBox(desk.rt.settings.secret_key),
                name="support",
                token=telegram_api.token,
                webhook_secret=CHAT_SECRET,
                api_url=telegram_api.base_url,
                file_url=telegram_api.base_file_url,
            )
        await chat.send(text_message_update(4242, "Kartım çalışmıyor"))
        [ticket] = await chat.tickets()
        await scheduler_of(desk.rt).drain()
    expected = f"#{ticket['number']}: {ticket['subject']}"
    assert expected in telegram_api.sent_texts(4242)
    assert await _bot_messages(desk.rt, ticket["id"]) == [(expected, "bot", "sent")]

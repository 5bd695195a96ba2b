"""End to end through the real channels: a web-form post, a raw email and a Telegram update
each come out categorised, with a team and an assignee, and the reasons on their timelines;
a message the classifier is unsure about waits in triage."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.message import EmailMessage

import httpx
import pytest_asyncio
from sqlalchemy import select

from channels.chat import bots
from channels.email import services as email_services
from channels.email.config import MailboxConfig
from channels.web_form import services as form_services
from channels.web_form.definition import parse_definition
from helpdesk.app import create_app
from helpdesk.crypto import SecretBox
from helpdesk.tables import ticket_t
from tests.channels.chat.conftest import SECRET, Chat
from tests.channels.web_form.forms import open_form, support_definition, valid_fields
from tests.routing.desk import Desk
from tests.support.asgi import serve_asgi
from tests.support.telegram_api import BotApiStandIn, text_message_update

TEAMS = [
    {"team": "Billing", "strategy": "least_loaded", "capacity": 5},
    {"team": "Logistics", "strategy": "round_robin", "capacity": 5},
    {"team": "Tech", "strategy": "least_loaded", "capacity": 5},
]


@pytest_asyncio.fixture
async def routed(desk: Desk) -> Desk:
    # Our synthetic training set is small and clean, so its calibrated confidences are sharp:
    # clear texts score above 0.99, vague ones well below 0.9.
    await desk.configure(teams=TEAMS, threshold=0.9)
    return desk


@pytest_asyncio.fixture
async def http(routed: Desk) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(routed.rt.settings, runtime=routed.rt)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as c:
        yield c


def _mailbox(**changes: object) -> MailboxConfig:
    fields: dict[str, object] = {
        "id": 1, "name": "support", "address": "support@help.test", "display_name": "Support",
        "imap_host": "127.0.0.1", "imap_port": 993, "imap_tls": "tls", "imap_user": "support",
        "imap_password": "x", "imap_folder": "INBOX", "after_import": "keep",
        "smtp_host": "127.0.0.1", "smtp_port": 25, "smtp_tls": "none", "smtp_user": "",
        "smtp_password": "", "default_category": None, "default_team": None, "active": True,
    }  # fmt: skip
    fields.update(changes)
    return MailboxConfig(**fields)  # type: ignore[arg-type]


def _raw(subject: str, body: str, n: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Customer {n} <c{n}@customer.example>"
    mail["To"] = "support@help.test"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<e2e-{n}@customer.example>"
    mail["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
    mail.set_content(body)
    return mail.as_bytes()


async def _email(desk: Desk, subject: str, body: str, n: int) -> int:
    async with desk.rt.stores() as store:
        imported = await email_services.import_message(
            store, _mailbox(), _raw(subject, body, n), frozenset({"support@help.test"})
        )
    assert imported.outcome == "ticket" and imported.ticket_id is not None
    return imported.ticket_id


async def test_web_form_ticket_is_categorised_routed_and_assigned(
    routed: Desk, http: httpx.AsyncClient
) -> None:
    async with routed.rt.stores() as store:
        definition = support_definition(categories=["billing", "hardware"], default_team="Tech")
        await form_services.save_form(store, parse_definition(definition))
    hidden = await open_form(http)
    page = await http.post("/forms/support", data={**hidden, **valid_fields(category="billing")})
    assert page.status_code == 200, page.text
    number = int(page.text.split('id="ticket-number">#')[1].split("<")[0])
    async with routed.rt.stores() as store:
        ticket_id = (
            await store.execute(select(ticket_t.c.id).where(ticket_t.c.number == number))
        ).scalar_one()
    ticket = await routed.ticket(ticket_id)
    assert ticket["category_id"] == routed.categories["billing"]
    # The category's team wins over the form's default team.
    assert ticket["team_id"] == routed.teams["Billing"]
    assert ticket["assignee_id"] == routed.users["ayse"]
    assert await routed.reasons(ticket_id) == [
        "category Billing from web form 'support'",
        "team Billing by category Billing",
        "assigned to Ayşe: least loaded, 0 of 5",
    ]


async def test_email_is_categorised_by_the_classifier_and_assigned_round_robin(
    routed: Desk,
) -> None:
    first = await _email(routed, "Kargom gelmedi", "Paketim nerede, takip numarası çalışmıyor.", 1)
    ticket = await routed.ticket(first)
    assert ticket["category_id"] == routed.categories["delivery"]
    assert ticket["team_id"] == routed.teams["Logistics"]
    assert ticket["assignee_id"] == routed.users["lale"]
    assert ticket["language"] == "tr"
    reasons = await routed.reasons(first)
    assert reasons[0] == "language tr detected from the message"
    assert re.fullmatch(r"category Delivery by classifier, confidence [01]\.\d\d", reasons[1])
    assert float(reasons[1].rsplit(" ", 1)[1]) >= 0.9
    assert reasons[2:] == [
        "team Logistics by category Delivery",
        "priority high by category Delivery",
        "assigned to Lale: round robin, 0 of 5",
    ]


async def test_telegram_message_is_routed_with_the_bots_team(
    routed: Desk, telegram_api: BotApiStandIn
) -> None:
    app = create_app(routed.rt.settings, runtime=routed.rt)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        chat = Chat(routed.rt, telegram_api, client)
        async with routed.rt.stores() as store:
            await bots.add_bot(
                store,
                SecretBox(routed.rt.settings.secret_key),
                name="support",
                token=telegram_api.token,
                webhook_secret=SECRET,
                api_url=telegram_api.base_url,
                file_url=telegram_api.base_file_url,
                default_team_id=routed.teams["Tech"],
            )
        await chat.send(text_message_update(4242, "I forgot my password and cannot log in"))
        [ticket] = await chat.tickets()
    assert ticket["category_id"] == routed.categories["login"]
    # "Login" has no team of its own: the bot's default team takes it.
    assert ticket["team_id"] == routed.teams["Tech"]
    assert ticket["assignee_id"] == routed.users["tom"]
    # The chat app's language stands (no detection entry); the rest is routing's.
    reasons = await routed.reasons(ticket["id"])
    assert re.fullmatch(r"category Login by classifier, confidence [01]\.\d\d", reasons[0])
    assert reasons[1:] == [
        "team Tech: default of telegram 'support'",
        "assigned to Tom: least loaded, 0 of 5",
    ]


async def test_an_unclear_message_waits_in_triage(routed: Desk) -> None:
    ticket_id = await _email(routed, "Hello", "What are your opening hours on Sunday?", 2)
    ticket = await routed.ticket(ticket_id)
    assert (ticket["category_id"], ticket["team_id"], ticket["assignee_id"]) == (None, None, None)
    [(_kind, reason)] = [t for t in await routed.timeline(ticket_id) if t[0] == "triage"]
    assert reason.startswith("triage: classifier unsure (best guess ")
    assert reason.endswith(" < 0.90)")

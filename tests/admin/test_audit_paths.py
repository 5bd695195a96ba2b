"""Every way of changing configuration writes exactly one entry in the audit log: the admin
pages (the signed-in person), the JSON API (the token's user, `via: api`) and the command line
(the system, `via: cli`). Read as the audit page reads them, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.cli import main
from helpdesk.domain import Actor
from helpdesk.errors import Unauthorized
from helpdesk.runtime import Runtime
from helpdesk.services import credentials, sessions, staff
from helpdesk.settings import Settings
from tests.admin.conftest import ADMIN_EMAIL, audit_entries
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in
from tests.support.services import free_port
from tests.support.telegram_api import BotApiStandIn

Seen = tuple[Any, ...]

MAILBOX: dict[str, Any] = {
    "name": "support", "address": "support@example.test", "imap_host": "127.0.0.1",
    "imap_user": "support@example.test", "imap_password": "imap-pass-123",
    "smtp_host": "127.0.0.1", "smtp_user": "", "smtp_password": "",
}  # fmt: skip
CALENDAR = {"name": "Office", "tz": "Europe/Istanbul", "weekly": {"0": [["09:00", "18:00"]]}}


async def _seen(runtime: Runtime, kind: str, *keys: str) -> list[Seen]:
    """The entries of `kind`, newest first: who (actor kind and user), how, and `keys`."""
    return [
        (e["actor_kind"], e["actor_user_id"], e["data"].get("via"),
         *(e["data"].get(k) for k in keys))
        for e in await audit_entries(runtime, kind)
    ]  # fmt: skip


@pytest_asyncio.fixture
async def api(runtime: Runtime, admin: Directory) -> AsyncIterator[httpx.AsyncClient]:
    """Ada's API client: a Bearer token of hers."""
    async with runtime.stores() as store:
        token = await services.create_token(store, admin.users["ada"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime.settings, runtime=runtime)),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`helpdesk ...` in-process against the test database, stdin given; its exit code."""
    monkeypatch.setenv("HELPDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HELPDESK_SECRET_KEY", settings.secret_key)

    async def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return await asyncio.to_thread(main, list(argv))

    return run


# -- mailboxes ----------------------------------------------------------------------------


async def test_mailbox_changes_through_the_api_are_audited_once(
    runtime: Runtime, admin: Directory, api: httpx.AsyncClient
) -> None:
    ada = admin.users["ada"]
    assert (await api.post("/api/v1/mailboxes", json=MAILBOX)).status_code == 201
    patched = await api.patch("/api/v1/mailboxes/support", json={"display_name": "ACME"})
    assert patched.status_code == 200
    refused = await api.patch("/api/v1/mailboxes/support", json={"imap_port": 0})
    assert refused.status_code == 422  # refused: nothing changed, nothing audited
    assert (await api.delete("/api/v1/mailboxes/support")).status_code == 204
    assert await _seen(runtime, "mailbox_changed", "action", "item", "fields") == [
        ("agent", ada, "api", "updated", "support", ["display_name"]),
        ("agent", ada, "api", "added", "support", None),
    ]
    assert await _seen(runtime, "mailbox_removed", "action", "item") == [
        ("agent", ada, "api", "removed", "support"),
    ]


async def test_mailbox_commands_are_audited_once_as_the_system(runtime: Runtime, cli: Any) -> None:
    closed = str(free_port())  # nothing listens: the test command fails at once
    add = ["mailbox", "add", "support", "--address", "support@example.test",
           "--imap-host", "127.0.0.1", "--imap-port", closed, "--imap-tls", "none",
           "--smtp-host", "127.0.0.1", "--smtp-port", closed, "--smtp-tls", "none",
           "--smtp-user", "", "--password-stdin"]  # fmt: skip
    assert await cli(*add, stdin="secret\n") == 0
    assert await cli(*add, stdin="secret\n") == 2  # the name is taken: refused, not audited
    assert await cli("mailbox", "test", "support") == 1
    assert await cli("mailbox", "remove", "support") == 0
    assert await _seen(runtime, "mailbox_changed", "action", "item") == [
        ("system", None, "cli", "added", "support"),
    ]
    assert await _seen(runtime, "mailbox_tested", "item", "imap_ok", "smtp_ok") == [
        ("system", None, "cli", "support", False, False),
    ]
    assert await _seen(runtime, "mailbox_removed", "action", "item") == [
        ("system", None, "cli", "removed", "support"),
    ]


async def test_mailbox_changes_in_the_admin_pages_are_audited_once(
    runtime: Runtime, admin: Directory, clients: ClientFactory
) -> None:
    form = {
        **{k: v for k, v in MAILBOX.items() if k != "smtp_password"}, "imap_port": "993",
        "imap_tls": "implicit", "imap_folder": "INBOX", "after_import": "seen",
        "smtp_port": "587", "smtp_tls": "starttls", "active": "on",
    }  # fmt: skip
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        created = await ada.post("/admin/mailboxes", data={**form, "csrf": csrf})
        assert created.status_code == 303
        changed = await ada.post(
            "/admin/mailboxes/support",
            data={**form, "csrf": csrf, "display_name": "ACME", "imap_password": ""},
        )
        assert changed.status_code == 303
    seen = await _seen(runtime, "mailbox_changed", "action", "item")
    assert seen == [
        ("agent", admin.users["ada"], None, "updated", "support"),
        ("agent", admin.users["ada"], None, "added", "support"),
    ]


# -- Telegram bots --------------------------------------------------------------------------


async def test_bot_changes_through_the_api_are_audited_once(
    runtime: Runtime, admin: Directory, api: httpx.AsyncClient
) -> None:
    ada = admin.users["ada"]
    body = {"name": "sales", "token": "555:AAAAbbbbCCCCddddEEEE"}
    assert (await api.post("/api/v1/bots", json=body)).status_code == 201
    assert (await api.post("/api/v1/bots", json=body)).status_code == 409  # not audited
    assert (await api.delete("/api/v1/bots/sales")).status_code == 204
    assert await _seen(runtime, "bot_added", "action", "item", "mode") == [
        ("agent", ada, "api", "added", "sales", "webhook"),
    ]
    assert await _seen(runtime, "bot_removed", "action", "item") == [
        ("agent", ada, "api", "deleted", "sales"),
    ]


async def test_bot_commands_are_audited_once_as_the_system(
    runtime: Runtime, cli: Any, telegram_api: BotApiStandIn
) -> None:
    urls = ["--api-url", telegram_api.base_url, "--file-url", telegram_api.base_file_url]
    assert await cli("bot", "add", "support", *urls, stdin=telegram_api.token + "\n") == 0
    assert await cli("bot", "set-webhook", "support", "--url", "https://h.test/hook") == 0
    assert await cli("bot", "remove", "support") == 0
    assert await _seen(runtime, "bot_added", "item", "username") == [
        ("system", None, "cli", "support", "helpdesk_123456789_bot"),
    ]
    assert await _seen(runtime, "bot_webhook_set", "item") == [("system", None, "cli", "support")]
    assert await _seen(runtime, "bot_removed", "action", "item") == [
        ("system", None, "cli", "deleted", "support"),
    ]


# -- SLA configuration and the category tree -----------------------------------------------


async def test_sla_changes_through_the_api_are_audited_once(
    runtime: Runtime, admin: Directory, api: httpx.AsyncClient
) -> None:
    ada = admin.users["ada"]
    created = await api.post("/api/v1/sla/calendars", json=CALENDAR)
    assert created.status_code == 201, created.text
    row = created.json()["id"]
    replaced = await api.put(f"/api/v1/sla/calendars/{row}", json={**CALENDAR, "name": "Shop"})
    assert replaced.status_code == 200
    taken = await api.post("/api/v1/sla/calendars", json={**CALENDAR, "name": "Shop"})
    assert taken.status_code == 409  # refused: not audited
    assert (await api.delete(f"/api/v1/sla/calendars/{row}")).status_code == 204
    assert (await api.delete(f"/api/v1/sla/calendars/{row}")).status_code == 404
    assert await _seen(runtime, "sla_calendar_changed", "action", "id", "item") == [
        ("agent", ada, "api", "deleted", row, "Shop"),
        ("agent", ada, "api", "updated", row, "Shop"),
        ("agent", ada, "api", "created", row, "Office"),
    ]


async def test_sla_and_category_commands_are_audited_once_as_the_system(
    runtime: Runtime, cli: Any, tmp_path: Path
) -> None:
    (tmp_path / "calendar.json").write_text(json.dumps(CALENDAR))
    assert await cli("sla", "calendar", "add", str(tmp_path / "calendar.json")) == 0
    assert await cli("sla", "calendar", "add", str(tmp_path / "calendar.json")) == 2  # taken
    assert await cli("category", "add", "hardware", "Hardware") == 0
    assert await cli("category", "add", "hardware", "Again") == 2
    assert await _seen(runtime, "sla_calendar_changed", "action", "item") == [
        ("system", None, "cli", "created", "Office"),
    ]
    assert await _seen(runtime, "category_saved", "action", "item", "open_tickets") == [
        ("system", None, "cli", "created", "Hardware", 0),
    ]


# -- automatic-message templates ---------------------------------------------------------


async def test_template_changes_through_the_api_are_audited_once(
    runtime: Runtime, admin: Directory, api: httpx.AsyncClient
) -> None:
    url = "/api/v1/auto-replies/templates/acknowledgement/email/en"
    saved = await api.put(url, json={"subject": "Got it", "text": "We have your message."})
    assert saved.status_code == 200, saved.text
    assert (await api.delete(url)).status_code == 204
    assert (await api.delete(url)).status_code == 404  # nothing left to reset: not audited
    for kind in ("template_changed", "template_reset"):
        assert await _seen(runtime, kind, "kind", "channel", "language") == [
            ("agent", admin.users["ada"], "api", "acknowledgement", "email", "en"),
        ]


# -- people, teams, tokens and macros from the command line --------------------------------


async def test_directory_commands_are_audited_once_as_the_system(
    runtime: Runtime, cli: Any
) -> None:
    assert await cli("team", "add", "Billing") == 0
    assert await cli("user", "add", "--email", "lee@example.test", "--team", "Billing") == 0
    assert await cli("token", "create", "--email", "lee@example.test", "--name", "ci") == 0
    assert await cli("token", "revoke", "1") == 0
    assert await cli("token", "revoke", "1") == 0  # already revoked: no second entry
    assert await cli("user", "deactivate", "--email", "lee@example.test") == 0
    assert await cli("macro", "add", "Thanks", "--body", "Thank you!") == 0
    async with runtime.stores.read() as store:
        [user] = await credentials.list_users(store)
    system = ("system", None, "cli")
    assert await _seen(runtime, "team_created", "name") == [(*system, "Billing")]
    assert await _seen(runtime, "user_created", "user_id", "email") == [
        (*system, user.id, "lee@example.test"),
    ]
    assert await _seen(runtime, "token_created", "user_id", "name") == [(*system, user.id, "ci")]
    assert await _seen(runtime, "token_revoked", "token_id", "name") == [(*system, 1, "ci")]
    assert await _seen(runtime, "user_deactivated", "user_id") == [(*system, user.id)]
    assert await _seen(runtime, "macro_created", "name") == [(*system, "Thanks")]


async def test_deactivating_from_the_command_line_follows_the_admin_pages_rules(
    runtime: Runtime, cli: Any
) -> None:
    for email, role in (("root@example.test", "admin"), ("lee@example.test", "agent")):
        added = ["user", "add", "--email", email, "--role", role, "--password-stdin"]
        assert await cli(*added, stdin="a long enough passphrase\n") == 0
    # The last active admin stays: nobody could sign in to the admin pages any more.
    assert await cli("user", "deactivate", "--email", "root@example.test") == 2
    async with runtime.stores.read() as store:
        users = {u.email: u.active for u in await credentials.list_users(store)}
    assert users == {"root@example.test": True, "lee@example.test": True}

    async with runtime.stores() as store:
        opened = await sessions.sign_in(
            store, "lee@example.test", "a long enough passphrase", address="127.0.0.1"
        )
    assert isinstance(opened, sessions.WebSession)
    assert await cli("user", "deactivate", "--email", "lee@example.test") == 0
    # Their session ended with it: reactivating them does not bring it back.
    async with runtime.stores() as store:
        [lee] = [u.id for u in await credentials.list_users(store) if u.email.startswith("lee")]
        await staff.set_active(store, Actor.system(), lee, True)
    async with runtime.stores.read() as store:
        with pytest.raises(Unauthorized):
            await sessions.session_for(store, opened.token)


# -- web forms ----------------------------------------------------------------------------

FORM = {
    "slug": "contact",
    "title": {"en": "Contact us"},
    "fields": [{"name": "email", "type": "email"}, {"name": "message", "type": "textarea"}],
}


async def test_web_form_changes_through_the_api_are_audited_once(
    runtime: Runtime, admin: Directory, api: httpx.AsyncClient
) -> None:
    ada = admin.users["ada"]
    assert (await api.post("/api/v1/forms", json=FORM)).status_code == 201
    assert (await api.post("/api/v1/forms", json=FORM)).status_code == 409  # not audited
    replaced = await api.put("/api/v1/forms/contact", json={**FORM, "title": {"en": "Hi"}})
    assert replaced.status_code == 200, replaced.text
    assert (await api.delete("/api/v1/forms/contact")).status_code == 204
    assert await _seen(runtime, "web_form_saved", "action", "item") == [
        ("agent", ada, "api", "updated", "contact"),
        ("agent", ada, "api", "created", "contact"),
    ]
    assert await _seen(runtime, "web_form_removed", "item") == [("agent", ada, "api", "contact")]


async def test_web_form_commands_are_audited_once_as_the_system(
    runtime: Runtime, cli: Any, tmp_path: Path
) -> None:
    (tmp_path / "form.json").write_text(json.dumps(FORM))
    assert await cli("form", "add", str(tmp_path / "form.json")) == 0
    assert await cli("form", "add", str(tmp_path / "form.json")) == 2  # taken: not audited
    assert await cli("form", "remove", "contact") == 0
    assert await _seen(runtime, "web_form_saved", "action", "item") == [
        ("system", None, "cli", "created", "contact"),
    ]
    assert await _seen(runtime, "web_form_removed", "item") == [("system", None, "cli", "contact")]


# -- routing rules and automations (the whole configuration document) -----------------------

ROUTING: dict[str, Any] = {
    "rules": [{"name": "vip", "all": [{"field": "customer.tier", "value": "vip"}],
               "actions": [{"kind": "set_priority", "value": "high"}]}],
    "automations": [{"name": "stale", "since": "status_changed", "minutes": 4320,
                     "all": [{"field": "ticket.status", "value": "pending"}],
                     "actions": [{"kind": "set_status", "value": "solved"}]}],
}  # fmt: skip


async def test_routing_configuration_replaced_through_the_api_is_audited_once(
    runtime: Runtime, admin: Directory, api: httpx.AsyncClient
) -> None:
    saved = await api.put("/api/v1/routing/config", json=ROUTING)
    assert saved.status_code == 200, saved.text
    hook = {"kind": "call_webhook", "value": "999"}
    bad = {**ROUTING, "rules": [{**ROUTING["rules"][0], "actions": [hook]}]}
    assert (await api.put("/api/v1/routing/config", json=bad)).status_code == 422
    assert await _seen(runtime, "routing_config_replaced", "item") == [
        ("agent", admin.users["ada"], "api", "1 rules, 1 automations, 0 keyword rules, 0 teams"),
    ]


async def test_routing_configuration_set_from_the_cli_is_audited_once(
    runtime: Runtime, cli: Any, tmp_path: Path
) -> None:
    (tmp_path / "routing.json").write_text(json.dumps(ROUTING))
    assert await cli("routing", "config", "set", str(tmp_path / "routing.json")) == 0
    assert await _seen(runtime, "routing_config_replaced", "item") == [
        ("system", None, "cli", "1 rules, 1 automations, 0 keyword rules, 0 teams"),
    ]

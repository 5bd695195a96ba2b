"""The Telegram bots admin page against the Bot API stand-in: a token is checked with getMe
before it is stored, the webhook is really set, and every answer is shown; per-field errors,
CSRF, roles and the audit log."""

from __future__ import annotations

from helpdesk.domain import AuditKind
from helpdesk.runtime import Runtime
from tests.admin.conftest import ADMIN_EMAIL
from tests.admin.trail import config_trail
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in
from tests.support.services import free_port
from tests.support.telegram_api import BotApiStandIn

HOOK = "http://127.0.0.1:8000/channels/telegram/support/webhook"


async def test_an_admin_adds_a_bot_and_sets_its_webhook(
    runtime: Runtime, admin: Directory, clients: ClientFactory, telegram_api: BotApiStandIn
) -> None:
    form = {"name": "support", "mode": "webhook", "api_url": telegram_api.base_url}
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        assert "No bot yet." in (await ada.get("/admin/bots")).text
        no_csrf = await ada.post("/admin/bots", data={**form, "token": telegram_api.token})
        assert no_csrf.status_code == 403

        malformed = await ada.post("/admin/bots", data={**form, "csrf": csrf, "token": "abc"})
        assert malformed.status_code == 422 and 'id="e-token"' in malformed.text
        unknown = await ada.post(
            "/admin/bots", data={**form, "csrf": csrf, "token": "42:not-a-known-bot-token"}
        )
        assert unknown.status_code == 422
        assert "the Bot API does not know this token" in unknown.text
        nowhere = f"http://127.0.0.1:{free_port()}/bot"
        unreachable = await ada.post(
            "/admin/bots",
            data={**form, "api_url": nowhere, "csrf": csrf, "token": telegram_api.token},
        )
        assert unreachable.status_code == 422 and "cannot reach the Bot API" in unreachable.text
        assert telegram_api.calls("getMe") != []
        assert "No bot yet." in unreachable.text  # nothing was stored

        added = await ada.post(
            "/admin/bots", data={**form, "csrf": csrf, "token": telegram_api.token}
        )
        assert added.status_code == 303
        listed = await ada.get(added.headers["location"])
        assert "@helpdesk_123456789_bot" in listed.text and "Bot support added." in listed.text
        assert telegram_api.token not in listed.text
        assert telegram_api.webhook() is None

        hooked = await ada.post("/admin/bots/support/webhook", data={"csrf": csrf})
        assert hooked.status_code == 200
        assert f"webhook set to {HOOK}" in hooked.text
        hook = telegram_api.webhook()
        assert hook is not None and hook["url"] == HOOK and hook["secret_token"]
        assert hook["secret_token"] not in hooked.text

        again = await ada.post(
            "/admin/bots", data={**form, "csrf": csrf, "token": telegram_api.token}
        )
        assert again.status_code == 422 and "already exists" in again.text
        assert (await ada.post("/admin/bots/nope/webhook", data={"csrf": csrf})).status_code == 404

    trail = await config_trail(runtime, AuditKind.BOT_ADDED, AuditKind.BOT_WEBHOOK_SET)
    assert [(kind, data["item"]) for kind, _, data in trail] == [
        ("bot_added", "support"),
        ("bot_webhook_set", "support"),
    ]


async def test_a_refused_webhook_shows_the_bot_apis_answer(
    admin: Directory, clients: ClientFactory, telegram_api: BotApiStandIn
) -> None:
    form = {"name": "support", "mode": "webhook", "api_url": telegram_api.base_url}
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await ada.post("/admin/bots", data={**form, "csrf": csrf, "token": telegram_api.token})
        telegram_api.stop()  # the Bot API goes away before the webhook is set
        failed = await ada.post("/admin/bots/support/webhook", data={"csrf": csrf})
        assert failed.status_code == 200
        assert "Failed" in failed.text and "cannot reach the Bot API" in failed.text


async def test_only_admins_open_the_bots_page(admin: Directory, clients: ClientFactory) -> None:
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        assert (await ayse.get("/admin/bots")).status_code == 403
        denied = await ayse.post("/admin/bots/support/webhook", data={"csrf": csrf})
        assert denied.status_code == 403

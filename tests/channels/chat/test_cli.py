"""`helpdesk bot ...` against the test database and the Bot API stand-in."""

from __future__ import annotations

import asyncio
import io

import pytest

from helpdesk.cli import main
from helpdesk.settings import Settings
from tests.support.telegram_api import BotApiStandIn


async def test_bot_commands_add_list_set_webhook_and_remove(
    settings: Settings,
    telegram_api: BotApiStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HELPDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HELPDESK_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("HELPDESK_BASE_URL", "https://help.example.test")
    monkeypatch.setattr("sys.stdin", io.StringIO(telegram_api.token + "\n"))
    urls = ["--api-url", telegram_api.base_url, "--file-url", telegram_api.base_file_url]

    async def run(*argv: str) -> int:
        return await asyncio.to_thread(main, list(argv))

    assert await run("bot", "add", "support", "--greeting-tr", "Merhaba", *urls) == 0
    assert await run("bot", "set-webhook", "support") == 0
    hook = telegram_api.webhook()
    assert hook is not None
    assert hook["url"] == "https://help.example.test/channels/telegram/support/webhook"
    assert hook["secret_token"]
    assert await run("bot", "list") == 0
    out = capsys.readouterr().out
    assert "support\twebhook\tactive\t@helpdesk_123456789_bot" in out
    assert telegram_api.token not in out and hook["secret_token"] not in out
    assert await run("bot", "remove", "support") == 0
    assert await run("bot", "set-webhook", "support") == 2

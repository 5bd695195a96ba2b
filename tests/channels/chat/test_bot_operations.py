"""Day-one bot operations: a token is checked with getMe before it is stored, a Bot API that
cannot be reached gives one line (not a traceback), and polling backs off while it is down."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update

from channels.chat.tables import bot_t
from helpdesk.cli import main
from helpdesk.ports import FixedClock
from helpdesk.settings import Settings
from tests.channels.chat.conftest import Chat
from tests.support.services import free_port
from tests.support.telegram_api import BotApiStandIn, text_message_update

Run = Callable[..., Awaitable[tuple[int, str, str]]]


@pytest.fixture
def cli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    monkeypatch.setenv("HELPDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HELPDESK_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("HELPDESK_BASE_URL", "https://help.example.test")

    async def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = await asyncio.to_thread(main, list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _nowhere() -> list[str]:
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    return ["--api-url", f"{base}/bot", "--file-url", f"{base}/file/bot"]


async def test_bot_add_checks_the_token_and_shows_who_it_is(
    cli: Run, telegram_api: BotApiStandIn
) -> None:
    run = cli
    urls = ["--api-url", telegram_api.base_url, "--file-url", telegram_api.base_file_url]
    code, out, _ = await run("bot", "add", "support", *urls, stdin=telegram_api.token + "\n")
    assert code == 0 and "@helpdesk_123456789_bot" in out
    assert [c.method for c in telegram_api.calls()] == ["getMe"]
    code, out, _ = await run("bot", "list")
    assert "support\twebhook\tactive\t@helpdesk_123456789_bot" in out

    code, out, err = await run("bot", "add", "other", *urls, stdin="42:unknown-token-abcdef\n")
    assert code == 2
    assert err.strip() == "helpdesk: token: the Bot API does not know this token"
    _, out, _ = await run("bot", "list")
    assert "other" not in out


async def test_an_unreachable_bot_api_is_one_line_not_a_traceback(
    cli: Run, telegram_api: BotApiStandIn
) -> None:
    run = cli
    nowhere = _nowhere()
    code, _, err = await run("bot", "add", "support", *nowhere, stdin=telegram_api.token + "\n")
    assert code == 2
    assert err.startswith(f"helpdesk: cannot reach the Bot API at {nowhere[1]}")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err

    # Offline, the bot is stored unchecked; set-webhook then says what is wrong in one line.
    offline = ["bot", "add", "support", *nowhere, "--offline"]
    code, out, _ = await run(*offline, stdin=telegram_api.token + "\n")
    assert code == 0 and "not checked" in out
    code, _, err = await run("bot", "set-webhook", "support")
    assert code == 2
    assert err.startswith(f"helpdesk: cannot reach the Bot API at {nowhere[1]}")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


async def test_polling_backs_off_exponentially_while_the_bot_api_is_down(
    chat: Chat, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    real_url = chat.api.base_url
    async with chat.rt.stores() as store:
        await store.execute(
            update(bot_t).values(mode="polling", api_url=f"http://127.0.0.1:{free_port()}/bot")
        )

    def attempts() -> int:
        return sum("getUpdates for bot support failed" in r.message for r in caplog.records)

    caplog.set_level(logging.WARNING, logger="channels.chat.jobs")
    seen = []
    for step in (0, 1, 1, 1, 1, 4, 8):  # seconds of the injected clock between polls
        clock.advance(seconds=step)
        assert await chat.rt.run_job("telegram_poll") == 0
        seen.append(attempts())
    # At 0, 1, 2, 3, 4, 8, 16 s: tried at 0, then 2 s later (2), 4 s later (from 6: at 8),
    # 8 s later (16); the polls in between ask nothing.
    assert seen == [1, 1, 2, 2, 2, 3, 4]

    async with chat.rt.stores() as store:
        await store.execute(update(bot_t).values(api_url=real_url))
    chat.api.queue_update(chat.api.token, text_message_update(71, "back", message_id=1))
    clock.advance(seconds=16)
    assert await chat.rt.run_job("telegram_poll") == 1
    # It works again, so no backoff is left: the next poll asks at once.
    chat.api.queue_update(chat.api.token, text_message_update(72, "again", message_id=1))
    assert await chat.rt.run_job("telegram_poll") == 1

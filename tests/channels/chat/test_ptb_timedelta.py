"""The channel works whichever form of time period python-telegram-bot hands out, and leaves
the choice (the `PTB_TIMEDELTA` environment variable) to whoever runs the process."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram.warnings import PTBDeprecationWarning

from helpdesk import services
from helpdesk.domain import OutboxStatus
from helpdesk.services import Actor
from helpdesk.tables import outbox_t
from tests.channels.chat.conftest import Chat
from tests.support.telegram_api import text_message_update


def test_importing_the_channel_leaves_the_environment_alone() -> None:
    code = (
        "import os; before = dict(os.environ); "
        "from helpdesk.worker import components; components(); "
        "import channels.chat.outbound, channels.chat.inbound; "
        "print(sorted(set(os.environ.items()) ^ set(before.items())))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PTB_TIMEDELTA"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("opt_in", [True, False], ids=["timedelta", "int"])
async def test_flood_control_delay_is_read_in_either_form(
    chat: Chat, opt_in: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.send(text_message_update(61, "hi", message_id=1))
    [ticket] = await chat.tickets()
    chat.api.fail(61, 429, retry_after=7, times=1)
    with warnings.catch_warnings():
        if opt_in:
            monkeypatch.setenv("PTB_TIMEDELTA", "true")
        else:
            # A process without the opt-in: PTB warns, and Python ignores DeprecationWarnings
            # by default (this suite turns them into errors).
            monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
            warnings.simplefilter("ignore", PTBDeprecationWarning)
        async with chat.rt.stores() as store:
            await services.reply(store, ticket["id"], Actor.system(), "hello")
        await chat.settle()
    async with chat.rt.stores() as store:
        [entry] = (await store.execute(select(outbox_t))).mappings().all()
    assert entry["status"] == OutboxStatus.PENDING.value
    assert entry["next_attempt_at"] - chat.rt.clock.now() == timedelta(seconds=7)

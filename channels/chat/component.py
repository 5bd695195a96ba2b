"""How the telegram component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from channels.chat import tables  # noqa: F401  (registers the channel's tables)
from channels.chat.bots import Clients
from channels.chat.jobs import (
    POLL_JOB,
    PROCESS_JOB,
    RECONCILE_JOB,
    ChatState,
    poll,
    process_update,
    reconcile,
)
from channels.chat.outbound import TelegramSender
from channels.chat.privacy import ChatPersonalData
from helpdesk.crypto import SecretBox
from helpdesk.runtime import Component, Job, Parts, Periodic, Runtime, Sender

POLL_EVERY = timedelta(seconds=2)
RECONCILE_EVERY = timedelta(seconds=30)


def _parts(rt: Runtime) -> Parts:
    """The sender, the update/poll/reconcile jobs and their periodic passes."""
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
    state = ChatState(box=SecretBox(rt.settings.secret_key), clients=Clients())

    async def process_job(rt: Runtime, row_id: int) -> str:
        return await process_update(rt, state, row_id)

    async def poll_job(rt: Runtime) -> int:
        return await poll(rt, state)

    return Parts(
        jobs=[
            Job(PROCESS_JOB, process_job),
            Job(POLL_JOB, poll_job),
            Job(RECONCILE_JOB, reconcile),
        ],
        periodic=[Periodic(POLL_JOB, POLL_EVERY), Periodic(RECONCILE_JOB, RECONCILE_EVERY)],
        senders=[Sender("telegram", TelegramSender(rt, state), reaches="telegram")],
        closers=[state.clients.close],
        personal_data=[ChatPersonalData()],
    )


def _routes(rt: Runtime) -> list[Any]:
    from channels.chat import admin_api, routes

    return [*routes.routes(rt), *admin_api.routes(rt)]


def _cli(sub: Any) -> None:
    from channels.chat.cli import add_commands

    add_commands(sub)


COMPONENT = Component(name="telegram", parts=_parts, routes=_routes, cli=_cli)

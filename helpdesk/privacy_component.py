"""How personal-data handling and outgoing webhooks plug into the runtime, web app and CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import helpdesk.privacy_tables  # noqa: F401  (registers the tables for migrations)
from helpdesk.crypto import SecretBox
from helpdesk.privacy import RETENTION_JOB, retention_job
from helpdesk.runtime import Component, Job, Parts, Periodic, Runtime, Sender
from helpdesk.services import webhooks
from helpdesk.webhook_sender import WebhookSender

# Each pass is one indexed query per rule; arq runs only sub-minute passes as cron jobs.
RETENTION_EVERY = timedelta(seconds=30)


def _parts(rt: Runtime) -> Parts:
    """The "webhook" sender, the webhook fan-out before each commit, the retention pass."""
    sender = WebhookSender(rt.stores, SecretBox(rt.settings.secret_key), rt.clock)
    return Parts(
        jobs=[Job(RETENTION_JOB, retention_job)],
        periodic=[Periodic(RETENTION_JOB, RETENTION_EVERY)],
        senders=[Sender(webhooks.CHANNEL, sender, reaches=webhooks.CHANNEL)],
        closers=[sender.close],
        before_commit=[webhooks.fan_out],
    )


def _routes(rt: Runtime) -> list[Any]:
    from helpdesk.api.privacy import ENDPOINTS
    from helpdesk.endpoints import routes

    return list(routes(rt, ENDPOINTS))


def _cli(subparsers: Any) -> None:
    from helpdesk.cli_privacy import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="privacy", parts=_parts, routes=_routes, cli=_cli)

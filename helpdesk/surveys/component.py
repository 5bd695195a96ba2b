"""How CSAT surveys plug into the runtime and the web app."""

from __future__ import annotations

from typing import Any

from helpdesk import events
from helpdesk.runtime import Component, Job, Parts, Periodic, Runtime, Subscriber
from helpdesk.surveys import jobs


def _parts(rt: Runtime) -> Parts:
    """Schedule a survey when a ticket is solved; send, expire and re-arm them as jobs; take
    Telegram rating buttons (the chat channel routes `csat:` presses to `BUTTON_JOB`)."""

    async def on_status_changed(event: events.StatusChanged) -> None:
        await jobs.on_status_changed(rt, event)

    return Parts(
        jobs=[
            Job(jobs.SCHEDULE_JOB, jobs.schedule),
            Job(jobs.SEND_JOB, jobs.send),
            Job(jobs.RECONCILE_JOB, jobs.reconcile),
            Job(jobs.BUTTON_JOB, jobs.button),
        ],
        periodic=[Periodic(jobs.RECONCILE_JOB, jobs.RECONCILE_EVERY)],
        subscribers=[Subscriber(events.StatusChanged, on_status_changed)],
    )


def _routes(rt: Runtime) -> list[Any]:
    from helpdesk.surveys.routes import routes

    return routes(rt)


def _cli(subparsers: Any) -> None:
    from helpdesk.surveys.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="surveys", parts=_parts, routes=_routes, cli=_cli)

"""How the sla component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from typing import Any

import sla.tables  # noqa: F401  (registers the SLA tables on SQLModel.metadata)
from helpdesk import events
from helpdesk.runtime import Component, Job, Parts, Periodic, Runtime, Subscriber
from sla import acknowledge, handlers, rollup
from sla.handlers import SlaRunner
from sla.privacy import SlaPersonalData


def _parts(rt: Runtime) -> Parts:
    """The SLA jobs, the reconciliation pass and the event subscribers, and the acknowledgement
    of new tickets (it quotes the first-reply clock, so it evaluates the ticket first)."""
    runner = SlaRunner(rt)
    clocks = handlers.parts(runner)

    async def on_created(event: events.TicketCreated) -> None:
        await acknowledge.on_created(rt, event)

    async def ack_job(runtime: Runtime, ticket_id: int) -> str:
        # Batched with the evaluation jobs: a new ticket's own evaluation job and its
        # acknowledgement's evaluation share one transaction. The ticket was committed before
        # this job started, so any evaluation that began since saw it, even one that began
        # while this job was still reading.
        since = runner.batcher.mark()

        async def evaluate(ticket: int) -> object:
            return await runner.batcher.evaluate(ticket, since=since)

        return await acknowledge.acknowledge(runtime, runner.calendars, ticket_id, evaluate)

    return Parts(
        jobs=[
            *clocks.jobs,
            Job(acknowledge.ACK_JOB, ack_job, short=True),
            Job(acknowledge.ACK_RECONCILE_JOB, acknowledge.reconcile),
            Job(rollup.FOLD_JOB, rollup.fold_job),
        ],
        periodic=[
            *clocks.periodic,
            Periodic(acknowledge.ACK_RECONCILE_JOB, acknowledge.ACK_RECONCILE_EVERY),
            Periodic(rollup.FOLD_JOB, rollup.FOLD_EVERY),
        ],
        subscribers=[*clocks.subscribers, Subscriber(events.TicketCreated, on_created)],
        personal_data=[SlaPersonalData()],
    )


def _routes(rt: Runtime) -> list[Any]:
    from sla import report_api
    from sla.ack_api import routes as ack_routes
    from sla.routes import routes

    found: list[Any] = [*routes(rt), *report_api.routes(rt), *ack_routes(rt)]
    return found


def _cli(subparsers: Any) -> None:
    from sla.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="sla", parts=_parts, routes=_routes, cli=_cli)

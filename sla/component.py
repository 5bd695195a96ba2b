"""How the sla component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from typing import Any

import sla.tables  # noqa: F401  (registers the SLA tables on SQLModel.metadata)
from helpdesk.runtime import Component, Parts, Runtime
from sla import handlers
from sla.handlers import SlaRunner


def _parts(rt: Runtime) -> Parts:
    """The SLA jobs, the reconciliation pass and the event subscribers."""
    return handlers.parts(SlaRunner(rt))


def _routes(rt: Runtime) -> list[Any]:
    from sla import report_api
    from sla.routes import routes

    found: list[Any] = [*routes(rt), *report_api.routes(rt)]
    return found


def _cli(subparsers: Any) -> None:
    from sla.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="sla", parts=_parts, routes=_routes, cli=_cli)

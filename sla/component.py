"""How the sla component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

import sla.tables  # noqa: F401  (registers the SLA tables on SQLModel.metadata)
from helpdesk.runtime import Component, Runtime
from sla import handlers


def _install(rt: Runtime) -> None:
    """Register the SLA jobs, the reconciliation pass and the event subscribers."""
    handlers.install(rt)


COMPONENT = Component(name="sla", install=_install)

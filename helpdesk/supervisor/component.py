"""How the supervisor pages plug into the web app (pages only: no jobs, no subscribers; the
board hears ticket changes through the inbox's live stream)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from helpdesk.runtime import Component, Runtime

STATIC = Path(__file__).parent / "static"


def _routes(rt: Runtime) -> list[Any]:
    from helpdesk.supervisor import board, escalations, reports, ticket_sla
    from helpdesk.supervisor.web import supervisor_web

    web = supervisor_web(rt)
    return [
        *board.routes(web),
        *reports.routes(web),
        *escalations.routes(web),
        *ticket_sla.routes(web),
        Mount("/supervisor/static", StaticFiles(directory=STATIC), name="supervisor-static"),
    ]


COMPONENT = Component(name="supervisor", routes=_routes)

"""How bots plug into the web app (the handover and bot-first endpoints)."""

from __future__ import annotations

from typing import Any

from helpdesk.runtime import Component, Runtime


def _routes(rt: Runtime) -> list[Any]:
    from helpdesk.bots.api import routes

    return list(routes(rt))


COMPONENT = Component(name="bots", routes=_routes)

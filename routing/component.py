"""How routing plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from typing import Any

import routing.tables  # noqa: F401  (registers the routing tables on SQLModel.metadata)
from helpdesk.runtime import Component, Parts, Runtime
from routing import handlers


def _parts(rt: Runtime) -> Parts:
    """Routing's event subscribers, its periodic pass and its job."""
    return handlers.parts(handlers.Router(rt))


def _routes(rt: Runtime) -> list[Any]:
    from routing.routes import routes

    found: list[Any] = routes(rt)
    return found


def _cli(subparsers: Any) -> None:
    from routing.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="routing", parts=_parts, routes=_routes, cli=_cli)

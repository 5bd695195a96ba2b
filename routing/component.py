"""How routing plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from typing import Any

import routing.tables  # noqa: F401  (registers the routing tables on SQLModel.metadata)
from helpdesk.runtime import Component, Runtime
from routing import handlers


def _install(rt: Runtime) -> None:
    """Subscribe routing to ticket events; register its periodic pass."""
    handlers.install(rt)


def _routes(rt: Runtime) -> list[Any]:
    from routing.routes import routes

    found: list[Any] = routes(rt)
    return found


def _cli(subparsers: Any) -> None:
    from routing.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="routing", install=_install, routes=_routes, cli=_cli)

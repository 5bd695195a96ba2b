"""How the web_form component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from typing import Any

import channels.web_form.tables  # noqa: F401  (registers the tables for migrations)
from helpdesk.runtime import Component, Runtime


def _install(rt: Runtime) -> None:
    """Nothing to register: confirmations go through whatever sender handles "web_form"
    (the email channel registers one), else the core's logging sender records them."""


def _routes(rt: Runtime) -> list[Any]:
    from channels.web_form import admin_api, routes

    return [*admin_api.routes(rt), *routes.routes(rt)]


def _cli(subparsers: Any) -> None:
    from channels.web_form.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="web_form", install=_install, routes=_routes, cli=_cli)

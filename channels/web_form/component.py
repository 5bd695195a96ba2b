"""How the web_form component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from typing import Any

import channels.web_form.tables  # noqa: F401  (registers the tables for migrations)
from channels.web_form.privacy import WebFormPersonalData
from helpdesk.runtime import Component, Parts, Runtime


def _parts(rt: Runtime) -> Parts:
    """The submission log's part in exports and erasures. (No sender: confirmations go
    through whatever sender answers "web_form" tickets, the email channel's, declared for
    other channels, else the core's logging sender records them.)"""
    return Parts(personal_data=[WebFormPersonalData()])


def _routes(rt: Runtime) -> list[Any]:
    from channels.web_form import admin_api, routes

    return [*admin_api.routes(rt), *routes.routes(rt)]


def _cli(subparsers: Any) -> None:
    from channels.web_form.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="web_form", parts=_parts, routes=_routes, cli=_cli)

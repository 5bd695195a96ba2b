"""How the inbox plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from helpdesk.runtime import Component, Parts, Runtime

STATIC = Path(__file__).parent / "static"


def _hub(rt: Runtime) -> Any:
    # One hub per runtime: the bus subscriber and the SSE route must share it.
    from helpdesk.inbox.live import Hub

    hub = getattr(rt, "_inbox_hub", None)
    if hub is None:
        hub = Hub(rt)
        setattr(rt, "_inbox_hub", hub)  # noqa: B010
    return hub


def _parts(rt: Runtime) -> Parts:
    """Push core changes to the browsers after commit; close the Redis link at shutdown."""
    from helpdesk.inbox import live

    hub = _hub(rt)
    return Parts(subscribers=live.subscribers(hub), closers=[hub.close])


def _routes(rt: Runtime) -> list[Any]:
    from helpdesk.inbox import (
        files,
        live,
        password_reset,
        preferences,
        presence,
        restructure,
        saved,
        signin,
        ticket,
        views,
    )  # fmt: skip
    from helpdesk.inbox.web import Web

    web = Web(rt)
    return [
        *signin.routes(web),
        *password_reset.routes(web),
        *views.routes(web),
        *saved.routes(web),
        *ticket.routes(web),
        *restructure.routes(web),
        *files.routes(web),
        *preferences.routes(web),
        *live.routes(web, _hub(rt)),
        *presence.routes(web, _hub(rt)),
        Mount("/inbox/static", StaticFiles(directory=STATIC), name="inbox-static"),
    ]


def _cli(subparsers: Any) -> None:
    from helpdesk.inbox.cli import add_commands

    add_commands(subparsers)


COMPONENT = Component(name="inbox", parts=_parts, routes=_routes, cli=_cli)

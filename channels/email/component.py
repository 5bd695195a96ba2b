"""How the email component plugs into the runtime, the web app and the CLI."""

from __future__ import annotations

from helpdesk.runtime import Component, Runtime


def _install(rt: Runtime) -> None:
    """Register senders, jobs, periodic passes and event subscribers."""


COMPONENT = Component(name="email", install=_install)

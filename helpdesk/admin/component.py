"""How the admin pages plug into the web app: pages only (no jobs, no subscribers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from helpdesk.runtime import Component, Runtime

STATIC = Path(__file__).parent / "static"


def _routes(rt: Runtime) -> list[Any]:
    from helpdesk.admin import (
        agents,
        audit,
        automations,
        bots,
        categories,
        home,
        invitations,
        macros,
        mailboxes,
        rules,
        sla_pages,
        teams,
        templates_page,
        users,
        web_forms,
    )
    from helpdesk.admin.web import admin_web

    web = admin_web(rt)
    return [
        *home.routes(web),
        *teams.routes(web),
        *users.routes(web),
        *categories.routes(web),
        *sla_pages.routes(web),
        *rules.routes(web),
        *agents.routes(web),
        *automations.routes(web),
        *web_forms.routes(web),
        *mailboxes.routes(web),
        *bots.routes(web),
        *invitations.routes(web),
        *macros.routes(web),
        *templates_page.routes(web),
        *audit.routes(web),
        Mount("/admin/static", StaticFiles(directory=STATIC), name="admin-static"),
    ]


COMPONENT = Component(name="admin", routes=_routes)

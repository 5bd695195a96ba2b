"""What the admin pages share: the inbox's request plumbing (sessions, CSRF, error pages) with
this package's templates read first, and the rail of sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader

from helpdesk.admin.nav import visible
from helpdesk.inbox.web import TEMPLATES as INBOX_TEMPLATES
from helpdesk.inbox.web import Viewer, Web
from helpdesk.runtime import Runtime

TEMPLATES = Path(__file__).parent / "templates"


def admin_web(rt: Runtime) -> Web:
    web = Web(rt)
    web.env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(INBOX_TEMPLATES)])
    return web


def rail(viewer: Viewer, section: str) -> dict[str, Any]:
    """The context every admin page passes to `admin_base.html`: the sections this viewer may
    open and which one is current."""
    return {"sections": visible(viewer.who.role), "section": section}

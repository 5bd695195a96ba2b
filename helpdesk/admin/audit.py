"""The audit log: every audit entry (ticket changes and configuration changes) newest first,
filtered by actor, kind, ticket and date range (days in the viewer's time zone), a page at a
time by keyset. Admins only: it shows every team's tickets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import audit_queries, queries
from helpdesk.admin.audit_details import describe
from helpdesk.admin.audit_labels import KIND_LABELS
from helpdesk.admin.forms import optional_date, optional_id
from helpdesk.admin.labels import ACTOR_LABELS, ROLE_LABELS
from helpdesk.admin.nav import ADMINS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.domain import AuditKind
from helpdesk.inbox.i18n import zone
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, page

SECTIONS.append(
    Section("audit", "/admin/audit", N_("Audit log"),
            N_("See who changed what and when, in tickets and in the configuration."),
            ADMINS, order=90)
)  # fmt: skip
KINDS = tuple(sorted(k.value for k in AuditKind))
FILTERS = ("actor", "kind", "ticket", "since", "until")


def _start(day: date | None, viewer: Viewer) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(), zone(viewer.session.timezone)).astimezone(UTC)


def routes(web: Web) -> list[Route]:
    web.env.globals.update(role_labels=ROLE_LABELS, actor_labels=ACTOR_LABELS)

    @page(web, *ADMINS)
    async def index(request: Request, viewer: Viewer) -> Response:
        params = {k: request.query_params.get(k, "")[:40] for k in (*FILTERS, "before")}
        errors: dict[str, str] = {}
        actor_id = optional_id(params, "actor", errors)
        ticket_number = optional_id(params, "ticket", errors)
        before = optional_id(params, "before", errors)
        kind = params["kind"].strip()
        if kind and kind not in KINDS:
            errors["kind"] = "not a kind of audit entry"
        since = optional_date(params["since"], "since", errors)
        until = optional_date(params["until"], "until", errors)
        if since and until and until < since:
            errors["until"] = "must not be before the start date"
        async with web.rt.stores.read() as store:
            actors = await audit_queries.actors(store)
            ticket_id = None
            if ticket_number is not None:
                ticket_id = await queries.ticket_id_by_number(store, ticket_number)
                if ticket_id is None:
                    errors["ticket"] = f"no ticket #{ticket_number}"
            result = audit_queries.AuditPage([], None)
            if not errors:
                where = audit_queries.AuditFilter(
                    actor_id=actor_id, kind=kind or None, ticket_id=ticket_id,
                    since=_start(since, viewer),
                    until=_start(until + timedelta(days=1) if until else None, viewer),
                    before=before,
                )  # fmt: skip
                result = await audit_queries.audit_page(store, where)
                await describe(store, result.entries)
        kept = {k: params[k] for k in FILTERS if params[k]}
        older = (
            "/admin/audit?" + urlencode({**kept, "before": result.next_before})
            if result.next_before else None
        )  # fmt: skip
        context: dict[str, Any] = {
            "entries": result.entries, "older": older, "actors": actors, "kinds": KINDS,
            "kind_labels": KIND_LABELS,
            "params": params, "errors": errors, "first_page": before is None,
        }  # fmt: skip
        return web.render(
            request, "admin_audit.html", {**context, **rail(viewer, "audit")},
            status=422 if errors else 200, viewer=viewer,
        )  # fmt: skip

    return [Route("/admin/audit", index, methods=["GET"])]

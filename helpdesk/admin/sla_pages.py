"""Admin pages for SLA calendars, policies and escalation ladders.

Every change goes in two steps: the filled-in form is validated and saved for trial in a unit of
work that is rolled back (so every check the API makes, references included, answers on the
form with per-field messages), and the page says how many open tickets the change will
re-evaluate; only the confirmed form is saved, audited, and followed by the same
re-evaluation job the API queues. Supervisors may read the lists; admins change them.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import queries
from helpdesk.admin import sla_forms as forms
from helpdesk.admin import sla_labels as labels
from helpdesk.admin.forms import actor
from helpdesk.admin.nav import ADMINS, MANAGERS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.http import pydantic_fields
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from sla import changes, config_reads
from sla.handlers import reevaluate_later
from sla.holiday_presets import named_holidays

PLURAL = {"calendar": "calendars", "policy": "policies", "ladder": "ladders"}
TITLES = {"calendar": N_("SLA calendars"), "policy": N_("SLA policies"),
          "ladder": N_("Escalation ladders")}  # fmt: skip
SECTIONS.extend([
    Section("calendars", "/admin/calendars", TITLES["calendar"],
            N_("Business hours per weekday, time zone and holidays the SLA clocks count on."),
            MANAGERS, order=30),
    Section("policies", "/admin/policies", TITLES["policy"],
            N_("Which tickets get which response and resolution targets, in order."), MANAGERS,
            order=31),
    Section("ladders", "/admin/ladders", TITLES["ladder"],
            N_("Who is notified or takes over as a breach approaches and passes."), MANAGERS,
            order=32),
])  # fmt: skip
ZONES = sorted(available_timezones())
_HOLIDAY_LANGUAGE = {"tr": "tr", "en": "en_US"}


_KIND = {plural: kind for kind, plural in PLURAL.items()}


def _kind(request: Request) -> str:
    """The kind a page is about, from its path (/admin/<plural>/...)."""
    return _KIND[request.url.path.split("/")[2]]


def _values(form: FormData) -> forms.Values:
    return {key: [str(x) for x in form.getlist(key)] for key in form if key != "csrf"}


def routes(web: Web) -> list[Route]:
    rt = web.rt

    async def lookups() -> dict[str, Any]:
        async with rt.stores.read() as store:
            return labels.context(
                {
                    "categories": await queries.list_categories(store),
                    "teams": await queries.list_teams(store),
                    "users": await queries.list_users(store),
                    "calendars": await config_reads.calendars(store),
                }
            )

    async def show_form(
        request: Request, viewer: Viewer, kind: str, row_id: int | None, v: forms.Values,
        errors: forms.Errors, *, status: int = 200,
    ) -> Response:  # fmt: skip
        context: dict[str, Any] = {
            **rail(viewer, PLURAL[kind]), **(await lookups()), "kind": kind, "row_id": row_id,
            "v": v, "errors": errors, "one": forms.one, "f": forms, "zones": ZONES,
            "action": f"/admin/{PLURAL[kind]}/{row_id if row_id else 'new'}",
        }  # fmt: skip
        if kind == "calendar":
            context["slots"] = [
                forms.slots(v, rf"d{day}_(\d+)_(?:start|end)", 2, 24) for day in range(7)
            ]
        if kind == "ladder":
            context["levels"] = forms.slots(v, r"l(\d+)_offset", 3, 20)
        return web.render(request, f"admin_{kind}_form.html", context, viewer=viewer,
                          status=status)  # fmt: skip

    @page(web, *MANAGERS)
    async def listing(request: Request, viewer: Viewer) -> Response:
        kind = _kind(request)
        async with rt.stores.read() as store:
            rows = {
                "calendar": config_reads.calendars,
                "policy": config_reads.policies,
                "ladder": config_reads.ladders,
            }[kind]
            items = await rows(store)
            trail = await config_reads.changes(store, kind)
        context = {
            **rail(viewer, PLURAL[kind]), **(await lookups()), "kind": kind, "items": items,
            "trail": trail, "saved": request.query_params.get("saved"),
            "may_change": viewer.who.role in ADMINS, "signed": forms.signed,
        }  # fmt: skip
        return web.render(request, f"admin_{PLURAL[kind]}.html", context, viewer=viewer)

    @page(web, *ADMINS)
    async def edit(request: Request, viewer: Viewer) -> Response:
        kind = _kind(request)
        row_id: int | None = request.path_params.get("row_id")
        row = None
        if row_id is not None:
            async with rt.stores.read() as store:
                row = await config_reads.one(store, kind, row_id)
        if kind == "calendar":
            v = forms.calendar_values(row, rt.clock.now().year)
        elif kind == "policy":
            v = forms.policy_values(row)
        else:
            v = forms.ladder_values(row, request.query_params.get("category_id", ""))
        return await show_form(request, viewer, kind, row_id, v, {})

    @page(web, *ADMINS)
    async def submit(request: Request, viewer: Viewer) -> Response:
        kind = _kind(request)
        row_id: int | None = request.path_params.get("row_id")
        v = _values(form_of(request))
        step = forms.one(v, "step")
        v.pop("step", None)
        if kind == "calendar" and step == "fill":
            return await fill(request, viewer, row_id, v)
        rows: list[int] = []
        if kind == "calendar":
            body, errors = forms.calendar_body(v)
        elif kind == "policy":
            body, errors = forms.policy_body(v)
        else:
            body, errors, rows = forms.ladder_body(v)
        model, _ = changes.KINDS[kind]
        try:
            data = model.model_validate(body)
        except ValidationError as exc:
            errors = {**pydantic_fields(exc), **errors}
        if errors or step == "edit":
            status = 422 if errors else 200
            return await show_form(request, viewer, kind, row_id,
                                   v, forms.level_errors(errors, rows), status=status)  # fmt: skip
        try:
            if step != "confirm":
                count = await changes.preview(rt.stores, kind, data, row_id)
                return web.render(request, "admin_sla_confirm.html", {
                    **rail(viewer, PLURAL[kind]), "kind": kind, "v": v, "count": count,
                    "action": f"/admin/{PLURAL[kind]}/{row_id if row_id else 'new'}",
                    "name": body["name"], **(await lookups()),
                }, viewer=viewer)  # fmt: skip
            async with rt.stores() as store:
                saved = await changes.save(store, actor(viewer), kind, data, row_id)
        except ValidationFailed as exc:
            return await show_form(request, viewer, kind, row_id, v,
                                   forms.level_errors(exc.errors, rows), status=422)  # fmt: skip
        except Conflict as exc:
            return await show_form(request, viewer, kind, row_id, v, {"name": str(exc)},
                                   status=409)  # fmt: skip
        await reevaluate_later(rt)
        return RedirectResponse(f"/admin/{PLURAL[kind]}?saved={saved}", status_code=303)

    async def fill(
        request: Request, viewer: Viewer, row_id: int | None, v: forms.Values
    ) -> Response:
        years, errors = forms.year_range(v)
        country, subdiv = forms.one(v, "holiday_country"), forms.one(v, "holiday_subdiv")
        if not country:
            errors["holiday_country"] = "give a country code, such as TR, DE or US"
        if years is not None and country:
            language = _HOLIDAY_LANGUAGE.get(viewer.session.language or "en")
            try:
                found = named_holidays(country.upper(), years, subdiv.upper() or None, language)
            except ValueError:
                try:  # not every country has names in every language
                    found = named_holidays(country.upper(), years, subdiv.upper() or None)
                except ValueError as exc:
                    errors["holiday_country"] = str(exc)
            if "holiday_country" not in errors:
                forms.fill_holidays(v, found)
        return await show_form(request, viewer, "calendar", row_id, v, errors,
                               status=422 if errors else 200)  # fmt: skip

    @page(web, *ADMINS)
    async def move(request: Request, viewer: Viewer) -> Response:
        row_id: int = request.path_params["row_id"]
        v = _values(form_of(request))
        step = -1 if forms.one(v, "direction") == "up" else 1
        if forms.one(v, "step") != "confirm":
            async with rt.stores.read() as store:
                count = await changes.open_tickets(store)
                row = await config_reads.one(store, "policy", row_id)
            return web.render(request, "admin_sla_confirm.html", {
                **rail(viewer, "policies"), "kind": "policy", "v": v, "count": count,
                "action": f"/admin/policies/{row_id}/move", "name": row["name"],
            }, viewer=viewer)  # fmt: skip
        async with rt.stores() as store:
            await changes.move_policy(store, actor(viewer), row_id, step)
        await reevaluate_later(rt)
        return RedirectResponse(f"/admin/policies?saved={row_id}", status_code=303)

    out: list[Route] = []
    for kind, plural in PLURAL.items():
        base = f"/admin/{plural}"
        out += [
            Route(base, listing, methods=["GET"], name=f"{kind}:list"),
            Route(f"{base}/new", edit, methods=["GET"], name=f"{kind}:new"),
            Route(f"{base}/new", submit, methods=["POST"], name=f"{kind}:create"),
            Route(f"{base}/{{row_id:int}}", edit, methods=["GET"], name=f"{kind}:edit"),
            Route(f"{base}/{{row_id:int}}", submit, methods=["POST"], name=f"{kind}:save"),
        ]
    out.append(Route("/admin/policies/{row_id:int}/move", move, methods=["POST"]))
    return out

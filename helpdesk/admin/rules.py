"""/admin/rules: the routing rules in order, their editor, their dry-run, and enabling.

A rule is saved disabled (a new rule and every edit alike) and the save leads to its dry-run:
the rule set as it would be with this rule enabled, run over the last N tickets without
changing anything. Enabling is a button on that dry-run, and it enables only the version the
dry-run showed. Supervisors see the list and dry-runs; only admins change anything.
"""

from __future__ import annotations

from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import queries as core_queries
from helpdesk.admin import rule_form
from helpdesk.admin.nav import ADMINS, MANAGERS, SECTIONS, Section
from helpdesk.admin.web import rail
from helpdesk.audit_queries import recent_changes
from helpdesk.domain import Role
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import Viewer, Web, form_of, page
from routing import dry_run, rule_edits
from routing import store as routing_store
from routing.rules import Rule

SECTIONS.append(
    Section(
        "rules",
        "/admin/rules",
        N_("Routing rules"),
        N_("Rules that set a ticket's team, priority or tags, checked on recent tickets first."),
        MANAGERS,
        order=35,
    )
)
DRY_RUN_DEFAULT = 50
DRY_RUN_MAX = 1000


def _position(request: Request) -> int:
    return int(request.path_params["n"]) - 1


async def _rule_at(web: Web, position: int) -> tuple[list[Rule], Rule]:
    async with web.rt.stores.read() as store:
        config = await routing_store.load_config(store)
    if not 0 <= position < len(config.rules):
        raise NotFound(f"no rule at position {position + 1}")
    return list(config.rules), config.rules[position]


def _last(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("last", DRY_RUN_DEFAULT)), DRY_RUN_MAX))
    except ValueError:
        return DRY_RUN_DEFAULT


def routes(web: Web) -> list[Route]:
    def editor(
        request: Request,
        viewer: Viewer,
        form: rule_form.RuleForm,
        *,
        position: int | None,
        original: str = "",
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        action = "/admin/rules/new" if position is None else f"/admin/rules/{position + 1}/edit"
        return web.render(
            request,
            "admin_rule_edit.html",
            {
                **rail(viewer, "rules"),
                "form": form,
                "action": action,
                "original": original,
                "new": position is None,
                "errors": errors or {},
                "row_errors": rule_form.row_errors,
                "fields": rule_form.FIELDS,
                "ops": rule_form.OPS,
                "kinds": rule_form.ACTION_KINDS,
                "triggers": rule_form.TRIGGERS,
                "action_text": rule_form.ACTION_TEXT,
            },
            status=status,
            viewer=viewer,
        )

    async def submitted(request: Request, viewer: Viewer, position: int | None) -> Response:
        form = form_of(request)
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        draft = rule_form.from_form(fields, [str(t) for t in form.getlist("on")])
        original = fields.get("original", "")
        if "add" in fields:  # "add a row": show the form again with blank rows, save nothing
            return editor(request, viewer, draft.padded(), position=position, original=original)
        try:
            rule = rule_edits.validate_rule(rule_form.to_data(draft))
            async with web.rt.stores() as store:
                if position is None:
                    position = await rule_edits.add_rule(store, rule, user_id=viewer.who.user_id)
                else:
                    await rule_edits.replace_rule(
                        store, position, original, rule, user_id=viewer.who.user_id
                    )
        except ValidationFailed as exc:
            return editor(
                request, viewer, draft.padded(), position=position, original=original,
                errors=exc.errors, status=422,
            )  # fmt: skip
        return RedirectResponse(f"/admin/rules/{position + 1}/dry-run", status_code=303)

    @page(web, *MANAGERS)
    async def list_rules(request: Request, viewer: Viewer) -> Response:
        async with web.rt.stores.read() as store:
            config = await routing_store.load_config(store)
            changes = await recent_changes(store, rule_edits.KINDS, limit=10)
        return web.render(
            request,
            "admin_rules.html",
            {
                **rail(viewer, "rules"),
                "rules": [
                    (i + 1, r, rule_form.summary(r), rule_edits.fingerprint(r))
                    for i, r in enumerate(config.rules)
                ],
                "can_edit": viewer.who.role == Role.ADMIN,
                "changes": changes,
            },
            viewer=viewer,
        )

    @page(web, *ADMINS)
    async def new_rule(request: Request, viewer: Viewer) -> Response:
        if request.method == "POST":
            return await submitted(request, viewer, None)
        blank = rule_form.RuleForm()
        return editor(request, viewer, blank.padded(), position=None)

    @page(web, *ADMINS)
    async def edit_rule(request: Request, viewer: Viewer) -> Response:
        position = _position(request)
        if request.method == "POST":
            return await submitted(request, viewer, position)
        _rules, rule = await _rule_at(web, position)
        form = rule_form.from_rule(rule).padded()
        return editor(request, viewer, form, position=position, original=rule.name)

    @page(web, *MANAGERS)
    async def show_dry_run(request: Request, viewer: Viewer) -> Response:
        position = _position(request)
        rules, rule = await _rule_at(web, position)
        candidate = [
            r.model_copy(update={"active": True}) if i == position else r
            for i, r in enumerate(rules)
        ]
        last = _last(request)
        async with web.rt.stores.read() as store:
            previews = await dry_run.dry_run(store, candidate, last=last)
            subjects = await core_queries.ticket_subjects(store, [p.ticket_id for p in previews])
        return web.render(
            request,
            "admin_rule_dry_run.html",
            {
                **rail(viewer, "rules"),
                "n": position + 1,
                "rule": rule,
                "summary": rule_form.summary(rule),
                "fingerprint": rule_edits.fingerprint(rule),
                "previews": previews,
                "subjects": subjects,
                "matched": sum(1 for p in previews if rule.name in p.rules),
                "last": last,
                "can_edit": viewer.who.role == Role.ADMIN,
                "shown": rule_form.shown,
            },
            viewer=viewer,
        )

    def change(kind: Literal["enable", "disable", "move", "remove"]) -> Any:
        @page(web, *ADMINS)
        async def handler(request: Request, viewer: Viewer) -> Response:
            position = _position(request)
            form = form_of(request)
            name = str(form.get("rule") or "")
            who = viewer.who.user_id
            async with web.rt.stores() as store:
                if kind in ("enable", "disable"):
                    await rule_edits.set_enabled(
                        store, position, name, kind == "enable", user_id=who,
                        checked=str(form.get("fingerprint") or ""),
                    )  # fmt: skip
                elif kind == "move":
                    direction = str(form.get("direction") or "")
                    if direction not in ("up", "down"):
                        raise ValidationFailed({"direction": "up or down"})
                    await rule_edits.move_rule(
                        store, position, name, "up" if direction == "up" else "down", user_id=who
                    )
                else:
                    await rule_edits.remove_rule(store, position, name, user_id=who)
            return RedirectResponse("/admin/rules", status_code=303)

        handler.__name__ = f"rule_{kind}"
        return handler

    one = "/admin/rules/{n:int}"
    return [
        Route("/admin/rules", list_rules, methods=["GET"]),
        Route("/admin/rules/new", new_rule, methods=["GET", "POST"]),
        Route(f"{one}/edit", edit_rule, methods=["GET", "POST"]),
        Route(f"{one}/dry-run", show_dry_run, methods=["GET"]),
        *(
            Route(f"{one}/{kind}", change(kind), methods=["POST"])
            for kind in ("enable", "disable", "move", "remove")
        ),
    ]

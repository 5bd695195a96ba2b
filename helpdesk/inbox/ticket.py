"""The ticket page: timeline, properties, composer (reply with the stale-send guard, note,
macros) and the actions behind them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import customer_queries, services
from helpdesk import queries as core_queries
from helpdesk.domain import Principal, Priority, Role, Status
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.inbox import queries, timeline, uploads
from helpdesk.inbox.layout import list_params, shell
from helpdesk.inbox.web import Viewer, Web, form_of, page
from helpdesk.privacy import note_access
from helpdesk.services import UNSET, Actor, TicketChanges
from helpdesk.services.access import Access

MAX_TEXT = 100_000


def actor_of(who: Principal) -> Actor:
    return Actor.user(who.user_id, bot=who.role is Role.BOT)


def _ticket_id(request: Request) -> int:
    value: int = request.path_params["ticket_id"]
    return value


def _back(request: Request, ticket_id: int, anchor: str = "") -> RedirectResponse:
    query = urlencode(list(list_params(request).items()))
    return RedirectResponse(
        f"/inbox/tickets/{ticket_id}" + (f"?{query}" if query else "") + anchor, status_code=303
    )


def routes(web: Web) -> list[Route]:
    rt = web.rt

    async def render_ticket(
        request: Request,
        viewer: Viewer,
        ticket_id: int,
        *,
        composer: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Response:
        context = await shell(rt, request, viewer)
        who = viewer.who
        async with rt.stores.read() as store:
            detail = await core_queries.ticket_detail(store, who, ticket_id)
            macros = await queries.macros_for(store, who)
            raw = await queries.with_raw_source(store, [m["id"] for m in detail.messages])
            profile = await customer_queries.customer_360(
                store, who, detail.ticket["requester_id"], ticket_id
            )
        # Every staff view of a customer's data is audited (DESIGN §10), as the API does.
        await note_access(
            rt,
            who.user_id,
            "inbox",
            [Access("ticket.view", detail.ticket["requester_id"], ticket_id)],
        )
        for message in detail.messages:
            message["has_raw"] = message["id"] in raw
        entries = timeline.entries(
            detail, context["people"], context["team_names"], context["category_names"]
        )
        last_seen = max((m["id"] for m in detail.messages), default=0)
        # The message that opened the ticket stays; later customer messages may be split off.
        own_inbound = [
            m["id"]
            for m in detail.messages
            if m["ticket_id"] == ticket_id and m["direction"] == "inbound"
        ]
        splittable = set(own_inbound[1:])
        composer = composer or {}
        macro_id = request.query_params.get("macro")
        if macro_id and macro_id.isdigit() and not composer:
            macro = next((m for m in macros if m["id"] == int(macro_id)), None)
            if macro is None:
                raise NotFound("no such macro")
            composer = {"text": _render_macro(macro, detail, who), "macro": macro}
        team_id = detail.ticket["team_id"]
        assignable = [
            p
            for p in context["people"].values()
            if p["role"] != Role.BOT.value
            and (team_id is None or p["id"] in _members(context["teams"], team_id))
        ]
        context.update(
            detail=detail,
            profile=profile,
            splittable=splittable,
            ticket=detail.ticket,
            entries=entries,
            last_seen=composer.get("last_seen", last_seen),
            macros=macros,
            composer=composer,
            assignable=sorted(assignable, key=lambda p: p["name"]),
            statuses=[s.value for s in Status],
            priorities=[p.value for p in Priority],
            max_files=uploads.MAX_FILES,
            max_file_size=uploads.megabytes(rt.settings.max_attachment_bytes),
        )
        return web.render(request, "ticket.html", context, status=status, viewer=viewer)

    @page(web)
    async def show(request: Request, viewer: Viewer) -> Response:
        return await render_ticket(request, viewer, _ticket_id(request))

    @page(web)
    async def reply(request: Request, viewer: Viewer) -> Response:
        ticket_id = _ticket_id(request)
        form = form_of(request)
        text = str(form.get("text") or "")[:MAX_TEXT]
        last_seen = _int(form.get("last_seen"), "last_seen")
        requested = str(form.get("status") or "")
        macro_id = str(form.get("macro_id") or "")
        files = await uploads.attachments_from(form, "files", rt.settings.max_attachment_bytes)
        who = viewer.who
        async with rt.stores() as store:
            await core_queries.ticket_access(store, who, ticket_id)
            macro = None
            if macro_id.isdigit():
                macro = next(
                    (m for m in await queries.macros_for(store, who) if m["id"] == int(macro_id)),
                    None,
                )
            stale: set[int] = set()
            if not form.get("force"):
                newer = await queries.newer_messages(store, ticket_id, last_seen, who.user_id)
                stale = {m["id"] for m in newer}
            if not stale:
                status = _status(requested) or (
                    Status(macro["set_status"]) if macro and macro["set_status"] else None
                )
                await services.reply(
                    store, ticket_id, actor_of(who), text, status=status, attachments=files
                )
                if macro and macro["set_priority"]:
                    await services.update_ticket(
                        store, ticket_id, actor_of(who),
                        TicketChanges(priority=macro["set_priority"]),
                    )  # fmt: skip
                return _back(request, ticket_id)
        # The thread moved on since the composer loaded: send nothing, show what is new.
        return await render_ticket(
            request,
            viewer,
            ticket_id,
            composer={"text": text, "stale": stale, "status": requested, "macro": macro,
                      "last_seen": max(stale), "unsent_files": [f.filename for f in files]},
            status=409,
        )  # fmt: skip

    @page(web)
    async def note(request: Request, viewer: Viewer) -> Response:
        ticket_id = _ticket_id(request)
        text = str(form_of(request).get("text") or "")[:MAX_TEXT]
        async with rt.stores() as store:
            await core_queries.ticket_access(store, viewer.who, ticket_id)
            await services.add_note(store, ticket_id, actor_of(viewer.who), text)
        return _back(request, ticket_id)

    @page(web)
    async def properties(request: Request, viewer: Viewer) -> Response:
        ticket_id = _ticket_id(request)
        form = form_of(request)
        async with rt.stores() as store:
            row = await core_queries.ticket_access(store, viewer.who, ticket_id)
            changes = _changes(form, row)
            await services.update_ticket(store, ticket_id, actor_of(viewer.who), changes)
        return _back(request, ticket_id)

    @page(web)
    async def take(request: Request, viewer: Viewer) -> Response:
        ticket_id = _ticket_id(request)
        async with rt.stores() as store:
            await core_queries.ticket_access(store, viewer.who, ticket_id)
            await services.update_ticket(
                store, ticket_id, actor_of(viewer.who),
                TicketChanges(assignee_id=viewer.who.user_id),
            )  # fmt: skip
        return _back(request, ticket_id)

    return [
        Route("/inbox/tickets/{ticket_id:int}", show, methods=["GET"]),
        Route("/inbox/tickets/{ticket_id:int}/reply", reply, methods=["POST"]),
        Route("/inbox/tickets/{ticket_id:int}/note", note, methods=["POST"]),
        Route("/inbox/tickets/{ticket_id:int}/properties", properties, methods=["POST"]),
        Route("/inbox/tickets/{ticket_id:int}/take", take, methods=["POST"]),
    ]


def _members(teams: list[dict[str, Any]], team_id: int) -> set[int]:
    for team in teams:
        if team["id"] == team_id:
            return set(team["member_ids"])
    return set()


def _render_macro(macro: dict[str, Any], detail: core_queries.TicketDetail, who: Principal) -> str:
    customer = detail.requester.get("name") or ""
    values = {
        "customer.name": customer,
        "customer.first_name": customer.split()[0] if customer.split() else "",
        "ticket.number": str(detail.ticket["number"]),
        "ticket.subject": detail.ticket["subject"],
        "agent.name": who.name,
        "agent.first_name": who.name.split()[0] if who.name.split() else "",
    }
    return services.render_macro(macro["body"], values)


def _int(value: Any, name: str) -> int:
    raw = str(value or "0")
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed({name: "must be a number"})
    return int(raw)


def _status(value: str) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        raise ValidationFailed({"status": "unknown status"}) from None


def _optional_id(form: Any, name: str) -> int | None:
    raw = str(form.get(name) or "")
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 10:
        raise ValidationFailed({name: "must be a number"})
    return int(raw)


def _changes(form: Any, row: Any) -> TicketChanges:
    status = _status(str(form.get("status") or ""))
    priority = str(form.get("priority") or "") or None
    if priority is not None and priority not in {p.value for p in Priority}:
        raise ValidationFailed({"priority": "unknown priority"})
    values: dict[str, Any] = {}
    if status is not None and status.value != row["status"]:
        values["status"] = status
    if priority is not None and priority != row["priority"]:
        values["priority"] = priority
    for name in ("category_id", "team_id", "assignee_id"):
        if name in form:
            value = _optional_id(form, name)
            if value != row[name]:
                values[name] = value
    if "tags" in form:
        tags = [t for t in str(form.get("tags") or "").replace(",", " ").split() if t][:50]
        values["tags"] = tags
    return TicketChanges(
        tags=values.get("tags", UNSET),
        status=values.get("status", UNSET),
        priority=values.get("priority", UNSET),
        category_id=values.get("category_id", UNSET),
        team_id=values.get("team_id", UNSET),
        assignee_id=values.get("assignee_id", UNSET),
    )

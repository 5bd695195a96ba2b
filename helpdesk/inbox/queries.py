"""The inbox's read models: views, their counts and pages, the notification feed, macros.

The visibility rule is the API's (`helpdesk.domain.may_access_ticket`), expressed in SQL;
search goes through `helpdesk.queries.list_tickets`' text filter so it gains whatever index
that query uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true, tuple_

from helpdesk import queries
from helpdesk.domain import Principal, Status
from helpdesk.errors import Forbidden, ValidationFailed
from helpdesk.store import Store
from helpdesk.tables import (
    customer_t,
    macro_t,
    message_t,
    notification_t,
    team_t,
    ticket_t,
    user_t,
)


def N_(text: str) -> str:
    """Marks a view name for the message catalog; templates translate it when shown."""
    return text


UNSOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
PAGE = 50
CHANNELS = ("email", "telegram", "web_form", "phone")
LANGUAGES = ("en", "tr")


@dataclass(frozen=True, slots=True)
class View:
    key: str
    label: str
    statuses: tuple[Status, ...]
    team_id: int | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    status: tuple[Status, ...] = ()
    priority: str | None = None
    channel: str | None = None
    category_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    language: str | None = None
    q: str | None = None

    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class ListPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    filters: Filters = field(default_factory=Filters)


def views(who: Principal, teams: list[dict[str, Any]]) -> list[View]:
    """The left rail: the views this person has, in order."""
    result = [
        View("mine", N_("Mine"), UNSOLVED),
        View("unassigned", N_("Unassigned"), (Status.NEW, Status.OPEN)),
    ]
    for team in teams:
        if who.sees_everything or team["id"] in who.team_ids:
            result.append(View(f"team-{team['id']}", team["name"], UNSOLVED, team["id"]))
    result.append(View("pending", N_("Pending"), (Status.PENDING,)))
    result.append(View("triage", N_("Triage"), UNSOLVED))
    if who.sees_everything:
        result.append(View("all", N_("All tickets"), ()))
    return result


def find_view(available: list[View], key: str) -> View:
    for view in available:
        if view.key == key:
            return view
    raise Forbidden(f"there is no view {key!r} for you")


def _visible(who: Principal) -> ColumnElement[bool]:
    if who.sees_everything:
        return true()
    return or_(
        ticket_t.c.team_id.is_(None),
        ticket_t.c.team_id.in_(who.team_ids or {-1}),
        ticket_t.c.assignee_id == who.user_id,
    )


def _view_where(who: Principal, view: View) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_visible(who), ticket_t.c.merged_into_id.is_(None)]
    if view.statuses:
        where.append(ticket_t.c.status.in_([s.value for s in view.statuses]))
    if view.key == "mine":
        where.append(ticket_t.c.assignee_id == who.user_id)
    elif view.key == "unassigned":
        where.append(ticket_t.c.assignee_id.is_(None))
        if not who.sees_everything:
            where.append(ticket_t.c.team_id.in_(who.team_ids or {-1}))
        else:
            where.append(ticket_t.c.team_id.is_not(None))
    elif view.key == "triage":
        where.append(ticket_t.c.category_id.is_(None))
    elif view.team_id is not None:
        where.append(ticket_t.c.team_id == view.team_id)
    return where


def _filter_where(f: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.priority:
        where.append(ticket_t.c.priority == f.priority)
    if f.channel:
        where.append(ticket_t.c.channel == f.channel)
    if f.category_id is not None:
        where.append(ticket_t.c.category_id == f.category_id)
    if f.team_id is not None:
        where.append(ticket_t.c.team_id == f.team_id)
    if f.assignee_id is not None:
        where.append(ticket_t.c.assignee_id == f.assignee_id)
    if f.language:
        where.append(ticket_t.c.language == f.language)
    return where


async def counts(store: Store, who: Principal, available: list[View]) -> dict[str, int]:
    """How many tickets each view holds (one COUNT per view, each on an indexed path)."""
    result: dict[str, int] = {}
    for view in available:
        stmt = select(func.count()).select_from(ticket_t).where(*_view_where(who, view))
        result[view.key] = int((await store.execute(stmt)).scalar_one())
    return result


_ROW = (
    ticket_t.c.id,
    ticket_t.c.number,
    ticket_t.c.subject,
    ticket_t.c.status,
    ticket_t.c.priority,
    ticket_t.c.channel,
    ticket_t.c.language,
    ticket_t.c.team_id,
    ticket_t.c.assignee_id,
    ticket_t.c.category_id,
    ticket_t.c.updated_at,
    customer_t.c.name.label("requester"),
)


async def list_view(
    store: Store, who: Principal, view: View, f: Filters, *, cursor: str | None = None
) -> ListPage:
    """One keyset page of a view, most recent activity first."""
    if f.q:
        return await _search(store, who, view, f, cursor)
    where = _view_where(who, view) + _filter_where(f)
    if f.status:
        where = [w for w in where if not _is_status_clause(w)]
        where.append(ticket_t.c.status.in_([s.value for s in f.status]))
    stmt = select(*_ROW).join(customer_t, customer_t.c.id == ticket_t.c.requester_id).where(*where)
    if cursor:
        updated_at, ticket_id = queries.decode_cursor(cursor)
        stmt = stmt.where(tuple_(ticket_t.c.updated_at, ticket_t.c.id) < (updated_at, ticket_id))
    stmt = stmt.order_by(ticket_t.c.updated_at.desc(), ticket_t.c.id.desc()).limit(PAGE + 1)
    rows = [dict(r) for r in (await store.execute(stmt)).mappings()]
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    next_cursor = (
        queries.encode_cursor(rows[-1]["updated_at"], rows[-1]["id"]) if more and rows else None
    )
    return ListPage(rows, next_cursor, f)


def _is_status_clause(clause: ColumnElement[bool]) -> bool:
    left = getattr(clause, "left", None)
    return left is not None and getattr(left, "key", None) == "status"


async def _search(
    store: Store, who: Principal, view: View, f: Filters, cursor: str | None
) -> ListPage:
    # Search spans every ticket the person may see, whatever the view, like a mail search.
    filt = queries.TicketFilter(
        status=f.status,
        team_id=f.team_id,
        assignee_id=f.assignee_id,
        category_id=f.category_id,
        priority=f.priority,
        text=f.q,
    )
    page = await queries.list_tickets(store, who, filt, limit=PAGE, cursor=cursor)
    ids = [row["id"] for row in page.items]
    names: dict[int, str] = {}
    if ids:
        for r in await store.execute(
            select(ticket_t.c.id, customer_t.c.name)
            .join(customer_t, customer_t.c.id == ticket_t.c.requester_id)
            .where(ticket_t.c.id.in_(ids))
        ):
            names[int(r.id)] = r.name
    rows = [
        {**row, "requester": names.get(row["id"], "")}
        for row in page.items
        if (not f.channel or row["channel"] == f.channel)
        and (not f.language or row["language"] == f.language)
    ]
    return ListPage(rows, page.next_cursor, f)


async def people(store: Store) -> dict[int, dict[str, Any]]:
    rows = await store.execute(select(user_t.c.id, user_t.c.name, user_t.c.email, user_t.c.role))
    return {int(r.id): dict(r._mapping) for r in rows}


async def teams(store: Store) -> list[dict[str, Any]]:
    return await queries.list_teams(store)


async def newer_messages(
    store: Store, ticket_id: int, after_id: int, me: int
) -> list[dict[str, Any]]:
    """Messages that make a reply composed after `after_id` stale: the customer's and other
    agents' public replies (our own and internal notes do not change what to tell them)."""
    rows = await store.execute(
        select(message_t.c.id)
        .where(
            message_t.c.ticket_id == ticket_id,
            message_t.c.id > after_id,
            or_(
                message_t.c.direction == "inbound",
                and_(
                    message_t.c.direction == "outbound",
                    or_(message_t.c.author_user_id.is_(None), message_t.c.author_user_id != me),
                ),
            ),
        )
        .order_by(message_t.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def macros_for(store: Store, who: Principal) -> list[dict[str, Any]]:
    stmt = select(
        macro_t.c.id,
        macro_t.c.name,
        macro_t.c.body,
        macro_t.c.team_id,
        macro_t.c.set_status,
        macro_t.c.set_priority,
    ).order_by(macro_t.c.name)
    if not who.sees_everything:
        stmt = stmt.where(
            or_(macro_t.c.team_id.is_(None), macro_t.c.team_id.in_(who.team_ids or {-1}))
        )
    return [dict(r) for r in (await store.execute(stmt)).mappings()]


async def unread_count(store: Store, user_id: int) -> int:
    return int(
        (
            await store.execute(
                select(func.count()).where(
                    notification_t.c.user_id == user_id, notification_t.c.read_at.is_(None)
                )
            )
        ).scalar_one()
    )


async def notifications(store: Store, user_id: int, limit: int = 30) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(
            notification_t.c.id,
            notification_t.c.ticket_id,
            notification_t.c.kind,
            notification_t.c.text,
            notification_t.c.created_at,
            notification_t.c.read_at,
        )
        .where(notification_t.c.user_id == user_id)
        .order_by(notification_t.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in rows.mappings()]


def parse_filters(params: Any, who: Principal) -> Filters:
    """Filters from query parameters; a bad value is a 422 naming the field."""
    errors: dict[str, str] = {}

    def integer(name: str) -> int | None:
        raw = params.get(name) or ""
        if raw == "":
            return None
        if raw == "me" and name == "assignee_id":
            return who.user_id
        if not raw.isdigit() or len(raw) > 10:
            errors[name] = "must be a number"
            return None
        return int(raw)

    statuses: list[Status] = []
    for value in params.getlist("status") if hasattr(params, "getlist") else []:
        if not value:
            continue
        try:
            statuses.append(Status(value))
        except ValueError:
            errors["status"] = "unknown status"
    priority = params.get("priority") or None
    if priority not in (None, "low", "normal", "high", "urgent"):
        errors["priority"] = "unknown priority"
    channel = params.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        errors["channel"] = "unknown channel"
    language = params.get("language") or None
    if language is not None and (len(language) > 16 or not language.replace("-", "").isalnum()):
        errors["language"] = "unknown language"
    result = Filters(
        status=tuple(statuses),
        priority=priority,
        channel=channel,
        category_id=integer("category_id"),
        team_id=integer("team_id"),
        assignee_id=integer("assignee_id"),
        language=language,
        q=(params.get("q") or "").strip()[:200] or None,
    )
    if errors:
        raise ValidationFailed(errors)
    return result


async def with_raw_source(store: Store, message_ids: list[int]) -> set[int]:
    """Which of these messages kept their raw input (an email's MIME source)."""
    if not message_ids:
        return set()
    rows = await store.execute(
        select(message_t.c.id).where(
            message_t.c.id.in_(message_ids), message_t.c.raw_ref.is_not(None)
        )
    )
    return {int(r) for r in rows.scalars()}


async def message_source(store: Store, message_id: int) -> dict[str, Any] | None:
    """A message's ticket (for the access check), sanitised HTML, text and raw reference."""
    row = (
        (
            await store.execute(
                select(
                    message_t.c.ticket_id,
                    message_t.c.html,
                    message_t.c.full_text,
                    message_t.c.raw_ref,
                ).where(message_t.c.id == message_id)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def ticket_owners(store: Store, ticket_id: int) -> tuple[int | None, int | None] | None:
    """(team id, assignee id) of a ticket, what live updates need for access checks."""
    row = (
        await store.execute(
            select(ticket_t.c.team_id, ticket_t.c.assignee_id).where(ticket_t.c.id == ticket_id)
        )
    ).first()
    return None if row is None else (row.team_id, row.assignee_id)


async def team_id_named(store: Store, name: str) -> int | None:
    row = (await store.execute(select(team_t.c.id).where(team_t.c.name == name))).first()
    return None if row is None else int(row.id)


async def all_macros(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(macro_t.c.id, macro_t.c.name, macro_t.c.team_id).order_by(macro_t.c.id)
    )
    return [dict(r) for r in rows.mappings()]

"""The inbox's views, their counts and pages, through the core's ticket lists.

Each rail entry names a core view (`helpdesk.views`) plus the person's filters; the result is a
`helpdesk.listing.TicketFilter`, so every page is the core's index seek with a keyset cursor,
every count a capped count ("999+") and a search the database's full-text index — the same
query path as `GET /api/v1/tickets`, with nothing of its own to keep fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from helpdesk import listing
from helpdesk import views as core_views
from helpdesk.domain import TAG_MAX, Principal, Status, normalise_tag
from helpdesk.errors import Forbidden, ValidationFailed
from helpdesk.inbox import queries
from helpdesk.inbox.queries import N_
from helpdesk.listing import Count, Sort, TicketFilter
from helpdesk.services import Store

PAGE = 50
# Past this a rail count reads "999+": reading more index entries tells an agent nothing.
COUNT_CAP = 999
SORTS = {"due": Sort.DUE, "updated": Sort.UPDATED}
DEFAULT_SORT = Sort.DUE  # the issue: next SLA due first; tickets without a due time after them


@dataclass(frozen=True, slots=True)
class Filters:
    status: tuple[Status, ...] = ()
    priority: str | None = None
    channel: str | None = None
    category_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    language: str | None = None
    tag: str | None = None  # normalised (domain.normalise_tag)
    q: str | None = None
    sort: str | None = None  # "due" or "updated"; None: DEFAULT_SORT (SLA views: due)

    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__slots__ if name != "sort")

    def merged(self, over: Filters) -> Filters:
        """These filters with every value set in `over` replacing ours."""
        values = {n: getattr(over, n) or getattr(self, n) for n in self.__slots__}
        return Filters(**values)


@dataclass(frozen=True, slots=True)
class View:
    key: str  # in URLs: mine, team-3, at-risk, saved-7, ...
    label: str
    core: str  # the helpdesk.views name it resolves through
    statuses: tuple[Status, ...] = ()  # the inbox's default statuses, () for the core's
    team_id: int | None = None
    saved: Filters | None = None  # a saved view's filters, sort and search
    saved_id: int | None = None
    group: str = "standard"  # standard, sla or saved: the rail's sections
    scope: str | None = None  # a saved view's: personal, team, everyone
    owner_id: int | None = None
    base_key: str | None = None  # the standard view a saved one narrows


@dataclass(frozen=True, slots=True)
class ListPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    filters: Filters = field(default_factory=Filters)
    sort: str = "updated"


def views(
    who: Principal, teams: list[dict[str, Any]], saved: list[dict[str, Any]] | None = None
) -> list[View]:
    """The left rail: the views this person has, in order."""
    result = [
        View("mine", N_("Mine"), "mine"),
        # An unassigned ticket waiting on the customer or on hold is nobody's next job.
        View("unassigned", N_("Unassigned"), "unassigned", (Status.NEW, Status.OPEN)),
    ]
    for team in teams:
        if who.sees_everything or team["id"] in who.team_ids:
            result.append(View(f"team-{team['id']}", team["name"], f"team:{team['id']}",
                               team_id=team["id"]))  # fmt: skip
    result.append(View("pending", N_("Pending"), "pending"))
    result.append(View("triage", N_("Triage"), "triage"))  # waiting for a category
    result.append(View("at-risk", N_("At risk"), "at_risk", group="sla"))
    result.append(View("breached", N_("Breached"), "breached", group="sla"))
    if who.sees_everything:
        result.append(View("all", N_("All tickets"), "all"))
    standard = {v.key: v for v in result}
    for row in saved or ():
        base = standard.get(row["base_view"])
        if base is None:
            continue  # based on a team view of a team this person is not in
        try:
            saved_filters = parse_filters(QueryParams(row["params"]), who)
        except ValidationFailed:
            continue  # saved under rules that have since changed; its owner can delete it
        result.append(replace(base, key=f"saved-{row['id']}", label=row["name"],
                              saved=saved_filters, saved_id=row["id"], group="saved",
                              scope=row["scope"], owner_id=row["owner_id"],
                              base_key=base.key))  # fmt: skip
    return result


def find_view(available: list[View], key: str) -> View:
    for view in available:
        if view.key == key:
            return view
    raise Forbidden(f"there is no view {key!r} for you")


def resolve(
    view: View, who: Principal, now: datetime, f: Filters, teams: list[dict[str, Any]]
) -> TicketFilter | None:
    """The core filter of `view` narrowed by `f`, or None when the two cannot both hold (a
    team filter for another team, an assignee filter in "Unassigned")."""
    if view.saved is not None:
        f = view.saved.merged(f)
    # SLA views are their due order: "at risk by latest activity" would sort the whole window.
    # Elsewhere latest activity first unless the person picks the due order.
    sort = None if view.group == "sla" else SORTS.get(f.sort or "", DEFAULT_SORT)
    if f.q:
        # A search spans every ticket the person may see, whatever the view, like a mail search.
        return TicketFilter(status=f.status, team_id=f.team_id, assignee_id=f.assignee_id,
                            category_id=f.category_id, priority=f.priority, channel=f.channel,
                            language=f.language, tag=f.tag, text=f.q)  # fmt: skip
    base = TicketFilter(status=f.status or view.statuses, team_id=f.team_id,
                        assignee_id=f.assignee_id, category_id=f.category_id,
                        priority=f.priority, channel=f.channel, language=f.language,
                        tag=f.tag)  # fmt: skip
    resolved = core_views.resolve(view.core, who, now, base)
    if view.core == "unassigned" and who.sees_everything:
        # Unassigned means waiting in a team's queue; the triage queue has its own view.
        resolved = replace(resolved, team_ids=tuple(sorted(t["id"] for t in teams)) or (-1,))
    if view.core == "triage":  # the triage view, or a view saved from it
        # The inbox's triage queue is what still waits for a category, in a team or not.
        resolved = replace(core_views.resolve("all", who, now, base), no_category=True,
                           status=base.status or core_views.UNSOLVED, sort=Sort.DUE)  # fmt: skip
    if view.core == "at_risk":
        resolved = replace(resolved, due_after=now)  # breached ones have their own view
    if f.team_id is not None and resolved.team_id != f.team_id:
        return None
    if f.assignee_id is not None and (resolved.unassigned or resolved.assignee_id != f.assignee_id):
        return None
    return replace(resolved, sort=sort) if sort is not None else resolved


async def counts(
    store: Store, who: Principal, available: list[View], now: datetime, teams: list[dict[str, Any]]
) -> dict[str, Count]:
    """How many tickets each view holds, capped: each a few short index reads."""
    result: dict[str, Count] = {}
    for view in available:
        result[view.key] = await count(store, who, resolve(view, who, now, Filters(), teams))
    return result


async def count(store: Store, who: Principal, filt: TicketFilter | None) -> Count:
    if filt is None:
        return Count(0, True)
    return await listing.count_tickets(store, who, filt, cap=COUNT_CAP)


async def list_view(
    store: Store,
    who: Principal,
    filt: TicketFilter | None,
    f: Filters,
    *,
    cursor: str | None = None,
) -> ListPage:
    """One keyset page of a resolved view, with each row's requester name and SLA due time."""
    sort = "due" if filt is not None and filt.sort is Sort.DUE and not filt.text else "updated"
    if filt is None:
        return ListPage([], None, f, sort)
    page = await listing.list_tickets(store, who, filt, limit=PAGE, cursor=cursor, with_due=True)
    names = await queries.requester_names(store, {row["requester_id"] for row in page.items})
    rows = [{**row, "requester": names.get(row["requester_id"], "")} for row in page.items]
    return ListPage(rows, page.next_cursor, f, sort)


def parse_filters(params: Any, who: Principal) -> Filters:
    """Filters from query parameters (or a saved view's); a bad value is a 422 naming it."""
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
    if channel is not None and channel not in queries.CHANNELS:
        errors["channel"] = "unknown channel"
    language = params.get("language") or None
    if language is not None and (len(language) > 16 or not language.replace("-", "").isalnum()):
        errors["language"] = "unknown language"
    tag = normalise_tag(params.get("tag") or "") or None
    if tag is not None and len(tag) > TAG_MAX:
        errors["tag"] = f"a tag has at most {TAG_MAX} characters"
    sort = params.get("sort") or None
    if sort is not None and sort not in SORTS:
        errors["sort"] = "sort by due or updated"
    cursor = params.get("cursor") or None
    if cursor is not None:
        try:
            listing.check_cursor(cursor)
        except ValidationFailed:
            errors["cursor"] = "not a cursor this page gave"
    result = Filters(
        status=tuple(statuses),
        priority=priority,
        channel=channel,
        category_id=integer("category_id"),
        team_id=integer("team_id"),
        assignee_id=integer("assignee_id"),
        language=language,
        tag=tag,
        q=(params.get("q") or "").strip()[:200] or None,
        sort=sort,
    )
    if errors:
        raise ValidationFailed(errors)
    return result


def as_params(f: Filters) -> list[tuple[str, str]]:
    """Filters as query parameters, the inverse of `parse_filters` (for saving a view)."""
    out: list[tuple[str, str]] = [("status", s.value) for s in f.status]
    for name in ("priority", "channel", "category_id", "team_id", "assignee_id", "language",
                 "tag", "q", "sort"):  # fmt: skip
        value = getattr(f, name)
        if value is not None:
            out.append((name, str(value)))
    return out

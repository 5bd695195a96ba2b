"""Ticket lists: the query path of every view, for the API and the inbox alike.

A page is an index seek, never a sort of the whole view:

* Visibility and filters are split into disjoint *branches*, each a set of equality columns
  (team, assignee, status) that leads one of the ticket indexes, followed by the sort key. An
  agent's default view (their teams OR assigned to them OR the triage queue) is one branch per
  team, one for the triage queue and one for their own tickets elsewhere; several statuses
  multiply the branches. Each branch reads at most a page from its index and the pages are
  merged (UNION ALL, ORDER BY, LIMIT), so the work is branches × page, whatever the table size.
  An OR over the whole view would make the planner collect every matching row and sort it.
* The keyset cursor is a row value, `(updated_at, id) < (?, ?)`: both databases seek with it,
  where the equivalent `a < ? OR (a = ? AND b < ?)` walks the index from its start.
* Search results come newest ticket first (ticket id, which both full-text indexes hold in
  order): matches are read from the full-text index in id order, joined to their tickets,
  stopping after a page of visible ones; a search that matches nothing costs one index probe.
  Sorting many matches by last activity instead would read every match (FTS5 cannot probe one
  ticket against a common word cheaply: it reads the word's whole doclist each time).
* Counts are capped (`count_tickets`): a view knows whether it holds 12 tickets or "1000+"
  after reading at most cap+1 index entries per branch, instead of counting a million rows
  for a number nobody reads exactly past a thousand.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from helpdesk import search
from helpdesk.domain import Principal, Role, Status
from helpdesk.errors import ValidationFailed
from helpdesk.listing_sql import LIST_COLUMNS, Branch, count_statement, page_statement
from helpdesk.store import Store
from helpdesk.tables import ticket_t

__all__ = ["LIST_COLUMNS", "Count", "Page", "Sort", "TicketFilter", "count_tickets", "list_tickets"]

MAX_PAGE = 200
COUNT_CAP = 1000
# A number typed as a search also finds the ticket with that number, when the text matches
# at most this many tickets (fetched by id); otherwise only the text matches count.
SPARSE_MATCHES = 200


class Sort(StrEnum):
    UPDATED = "updated"  # most recent activity first
    DUE = "due"  # soonest SLA due time first, then tickets with no running clock, oldest first
    NEWEST = "newest"  # newest ticket first: how search results come, whatever the sort


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: tuple[Status, ...] = ()
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    category_id: int | None = None
    priority: str | None = None
    text: str | None = None
    updated_since: datetime | None = None
    include_merged: bool = False
    team_ids: tuple[int, ...] = ()  # any of these teams (with team_id: both must hold)
    no_team: bool = False  # the triage queue: no team owns it yet
    no_category: bool = False  # waiting for a category (the inbox's triage view)
    channel: str | None = None
    language: str | None = None
    tag: str | None = None  # carries this tag (normalised: see domain.normalise_tag)
    due_before: datetime | None = None  # a running SLA clock is due before this instant
    due_after: datetime | None = None  # ... and at or after this one (not yet breached)
    sort: Sort = Sort.UPDATED  # with `text`, results come newest ticket first (Sort.NEWEST)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Count:
    """How many tickets a view holds: exact up to the cap, else `value` is the cap and
    `exact` is False (show "1000+")."""

    value: int
    exact: bool

    def __str__(self) -> str:
        return str(self.value) if self.exact else f"{self.value}+"


# --- cursors -------------------------------------------------------------------------------


def encode_cursor(updated_at: datetime, ticket_id: int) -> str:
    return _encode(f"{updated_at.isoformat()}|{ticket_id}")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    kind, stamp, ident = _decode(cursor)
    if kind != "u" or stamp is None:
        raise ValidationFailed({"cursor": "not a cursor this API returned"})
    return stamp, ident


def _encode(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, datetime | None, int]:
    """(kind, stamp, id): 'u' an updated_at key, 'd' a due key, 'n' past the due tickets,
    'i' an id key (search results)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        if len(parts) == 2:
            return "u", datetime.fromisoformat(parts[0]), int(parts[1])
        kind, stamp, ident = parts
        if kind in ("n", "i"):
            return kind, None, int(ident)
        if kind == "d":
            return kind, datetime.fromisoformat(stamp), int(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationFailed({"cursor": "not a cursor this API returned"})


def check_cursor(cursor: str) -> None:
    """Raise ValidationFailed for a cursor no list returned."""
    _decode(cursor)


# --- branches ------------------------------------------------------------------------------


def _visibility(who: Principal, f: TicketFilter) -> list[Branch]:
    if who.role is Role.BOT:
        return [Branch((("bot_id", who.user_id),))]  # a bot's queue is its own tickets
    if who.sees_everything:
        return [Branch(())]
    if f.assignee_id == who.user_id and not f.unassigned:
        # Their own tickets, which they see whichever team holds them: no visibility split
        # (it would multiply the branches, each reading a page, for nothing).
        return [Branch(())]
    teams = tuple(sorted(who.team_ids))
    found = [Branch((("team_id", t),)) for t in teams]
    found.append(Branch((("team_id", None),)))
    # Their own tickets in other teams; those in their teams and the triage queue are above.
    # A page reads this branch as a page of all their own tickets, then drops those in their
    # teams (listing_sql.page_statement): right only while the branches above cover those,
    # with the same filter columns, which `branches` keeps by giving every base the same
    # combinations.
    found.append(Branch((("assignee_id", who.user_id),), teams))
    return found


def _options(f: TicketFilter) -> dict[str, Sequence[Any]]:
    """The filter's equality columns, each with the values any of which may hold."""
    options: dict[str, Sequence[Any]] = {}
    if f.team_id is not None:
        options["team_id"] = [f.team_id] if not f.team_ids or f.team_id in f.team_ids else []
    elif f.team_ids:
        options["team_id"] = sorted(set(f.team_ids))
    if f.no_team:
        options["team_id"] = [None] if "team_id" not in options else []
    if f.unassigned:
        options["assignee_id"] = [None]
    elif f.assignee_id is not None:
        options["assignee_id"] = [f.assignee_id]
    if f.no_category:
        options["category_id"] = [None] if f.category_id is None else []
    if f.status:
        options["status"] = sorted({s.value for s in f.status})
    return options


def branches(who: Principal, f: TicketFilter) -> list[Branch]:
    """Disjoint index-led pieces whose union is what `who` may see of the filter."""
    options = _options(f)
    names = list(options)
    result = []
    for base in _visibility(who, f):
        for combo in itertools.product(*(options[n] for n in names)):
            eq = dict(base.eq)
            if any(n in eq and eq[n] != v for n, v in zip(names, combo, strict=True)):
                continue  # e.g. team 3 asked for, this branch is team 5
            eq.update(zip(names, combo, strict=True))
            if _empty(eq, base.not_in_teams):
                continue
            result.append(Branch(tuple(eq.items()), base.not_in_teams))
    return result


def _empty(eq: dict[str, Any], not_in_teams: tuple[int, ...] | None) -> bool:
    """A branch no row can match: "their own tickets outside their teams" narrowed to one of
    their teams or to no team. Each such branch is one more arm for the planner to plan and
    the executor to seek (a team view had twice the arms of the hand-written query)."""
    if not_in_teams is None or "team_id" not in eq:
        return False
    return eq["team_id"] is None or eq["team_id"] in not_in_teams


def _common(who: Principal, f: TicketFilter) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The filters every branch applies after its seek: names (the statement's shape) and
    their bound values."""
    values = {
        "category_id": f.category_id,
        "priority": f.priority,
        "channel": f.channel,
        "language": f.language,
        "tag": f.tag,
        "updated_since": f.updated_since,
        "due_before": f.due_before,
        "due_after": f.due_after,
    }
    names = [n for n, v in values.items() if v is not None]
    if not f.include_merged:
        names.append("live")
    if who.role is not Role.BOT:
        names.append("people")
    return tuple(names), {f"f_{n}": values[n] for n in names if n in values}


@dataclass(frozen=True, slots=True)
class _Query:
    """A list request resolved to statement shape and values."""

    specs: tuple[Any, ...]
    common: tuple[str, ...]
    search_kind: str | None
    params: dict[str, Any]


async def _resolve(store: Store, who: Principal, f: TicketFilter) -> _Query | None:
    """None when nothing can match (no branch, or a search with no matches)."""
    parts = branches(who, f)
    if not parts:
        return None
    common, params = _common(who, f)
    for i, branch in enumerate(parts):
        params.update(branch.params(i))
    kind = None
    if f.text:
        q = search.query_text(store.dialect, f.text)
        number = _number(f.text)
        ids: list[int] | None = None
        if number is not None or (q is not None and store.dialect == "postgresql"):
            # A ticket number or words: the number's ticket joins the matches when they are
            # few enough to fetch by id. On PostgreSQL words go this way too: joined to the
            # tickets, few matches in a large table made the planner start a parallel worker,
            # 3-5 ms to launch for a scan that found nothing in 0.2 ms. (On SQLite the join
            # alone is as fast, so the extra query would only cost.)
            ids = await search.first_matches(store, q, SPARSE_MATCHES) if q is not None else []
        elif q is None:
            return None
        if ids is not None:
            if number is not None:
                found = await store.execute(
                    select(ticket_t.c.id).where(ticket_t.c.number == number)
                )
                ids += [int(i) for i in found.scalars()]
            if not ids:
                return None
            kind, params["ids"] = "ids", ids
        else:
            # Read newest first from the index. A number with many matches counts only where
            # it is also in a ticket's text.
            kind, params["q"] = "fts", q
    return _Query(tuple(b.spec() for b in parts), common, kind, params)


def _number(typed: str) -> int | None:
    digits = typed.strip().lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


# --- pages ---------------------------------------------------------------------------------

# Session settings, not SET LOCAL: reads run in autocommit on PostgreSQL, where SET LOCAL does
# nothing. Reset in the same breath, so the pooled connection goes back as it came.
_REUSE_PLANS = text("SET plan_cache_mode = force_generic_plan")
_PLAN_AS_USUAL = text("RESET plan_cache_mode")


@asynccontextmanager
async def _planned_once(store: Store, f: TicketFilter) -> AsyncIterator[None]:
    """On PostgreSQL, plan a due-bounded view (at risk, breached) once, not at each page.

    Given a due bound, the planner made a new plan for the values at every execution, as the
    bound makes the prepared statement's generic plan look costlier; for a view of many arms
    that planning took longer than running the plan (1.9 ms against 1.3 ms at 1M tickets).
    Each arm is an index seek whatever the values, so the generic plan is as good. Not for a
    search, whose plan depends on how many tickets the words match: a generic one took a
    second; nor for other views, which settle on the generic plan by themselves."""
    bounded = f.due_before is not None or f.due_after is not None
    if store.dialect != "postgresql" or not bounded or f.text:
        yield
        return
    await store.execute(_REUSE_PLANS)
    try:
        yield
    finally:
        # A cancelled statement invalidates the connection, which the pool then discards; in
        # a failed transaction the RESET fails too, and the rollback undoes the SET anyway.
        # Either way the error that ended the listing is the one to raise, not the RESET's.
        if not store.conn.invalidated:
            with contextlib.suppress(DBAPIError):
                await store.execute(_PLAN_AS_USUAL)


def _phases(
    sort: Sort, due_bounded: bool, cursor: str | None
) -> list[tuple[str, dict[str, Any] | None]]:
    """The sort's ordered stretches still ahead of the cursor, each with the cursor's values
    where it continues one."""
    kind, stamp, last = _decode(cursor) if cursor else (None, None, 0)
    expected = {Sort.UPDATED: ("u",), Sort.NEWEST: ("i",), Sort.DUE: ("d", "n")}[sort]
    if kind is not None and kind not in expected:
        raise ValidationFailed({"cursor": "this cursor belongs to another sort or a search"})
    if sort is Sort.UPDATED:
        return [("u", {"c_stamp": stamp, "c_id": last} if kind else None)]
    if sort is Sort.NEWEST:
        return [("i", {"c_id": last} if kind else None)]
    phases: list[tuple[str, dict[str, Any] | None]] = []
    if kind in (None, "d"):
        phases.append(("d", {"c_stamp": stamp, "c_id": last} if kind else None))
    if not due_bounded:  # tickets with no due time are not due within any bounds
        phases.append(("n", {"c_id": last} if kind == "n" else None))
    return phases


async def list_tickets(
    store: Store,
    who: Principal,
    filters: TicketFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
    with_due: bool = False,
) -> Page:
    """Tickets the caller may see in the filter's order, one keyset page at a time; each row
    has `sla_next_due_at` when sorted by it or asked `with_due`.

    Keyset instead of OFFSET keeps page 1,000 as fast as page 1 and stable while tickets change
    underneath. The next_cursor is None on the last page.
    """
    limit = max(1, min(limit, MAX_PAGE))
    sort = Sort.NEWEST if filters.text else filters.sort
    bounded = filters.due_before is not None or filters.due_after is not None
    phases = _phases(sort, bounded, cursor)
    query = await _resolve(store, who, filters)
    rows: list[dict[str, Any]] = []
    row_phases: list[str] = []  # the sort phase each row came from: the cursor continues it
    async with _planned_once(store, filters):
        for phase, after in phases if query is not None else ():
            assert query is not None
            want = limit + 1 - len(rows)
            stmt = page_statement(
                store.dialect, query.specs, query.common, phase, after is not None,
                query.search_kind, want,
            )  # fmt: skip
            result = await store.execute(stmt, {**query.params, **(after or {})})
            # Zipped with the keys once: a RowMapping per row builds its key view per row, a
            # fifth of the Python time of a page (bench/inbox.py's profile).
            keys = tuple(result.keys())
            rows += [dict(zip(keys, r, strict=True)) for r in result]
            row_phases += [phase] * (len(rows) - len(row_phases))
            if len(rows) > limit:
                break
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _next_cursor(rows[-1], sort, row_phases[limit - 1]) if more else None
    if sort is not Sort.DUE and not with_due:
        for row in rows:
            del row["sla_next_due_at"]
    return Page(rows, next_cursor)


def _next_cursor(row: dict[str, Any], sort: Sort, phase: str) -> str:
    if sort is Sort.UPDATED:
        return encode_cursor(row["updated_at"], row["id"])
    if phase == "d":
        return _encode(f"d|{row['sla_next_due_at'].isoformat()}|{row['id']}")
    return _encode(f"{phase}||{row['id']}")


async def count_tickets(
    store: Store, who: Principal, filters: TicketFilter, *, cap: int = COUNT_CAP
) -> Count:
    """How many tickets a view holds, reading at most cap+1 index entries per branch."""
    query = await _resolve(store, who, filters)
    if query is None:
        return Count(0, True)
    stmt = count_statement(store.dialect, query.specs, query.common, query.search_kind, cap)
    async with _planned_once(store, filters):
        total = int((await store.execute(stmt, query.params)).scalar_one())
    return Count(min(total, cap), total <= cap)


async def statements(
    store: Store, who: Principal, filters: TicketFilter, *, limit: int = 50, cap: int = COUNT_CAP
) -> list[tuple[Any, dict[str, Any]]]:
    """The statements (with their values) that a first page of `filters` and its count run,
    for EXPLAIN in tests and benchmarks; empty when nothing can match."""
    query = await _resolve(store, who, filters)
    if query is None:
        return []
    sort = Sort.NEWEST if filters.text else filters.sort
    bounded = filters.due_before is not None or filters.due_after is not None
    found: list[tuple[Any, dict[str, Any]]] = [
        (page_statement(store.dialect, query.specs, query.common, phase, False,
                        query.search_kind, limit + 1), query.params)
        for phase, _after in _phases(sort, bounded, None)
    ]  # fmt: skip
    count = count_statement(store.dialect, query.specs, query.common, query.search_kind, cap)
    return [*found, (count, query.params)]

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
* Search finds the matching ids in the full-text index first. Few matches (the usual case: a
  name, an order number) are fetched by id and sorted; many matches are found by walking the
  view in its order and probing the index per ticket, which stops after a page.
* Counts are capped (`count_tickets`): a view knows whether it holds 12 tickets or "1000+"
  after reading at most cap+1 index entries per branch, instead of counting a million rows
  for a number nobody reads exactly past a thousand.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnClause

from helpdesk import search
from helpdesk.domain import Principal, Status
from helpdesk.errors import ValidationFailed
from helpdesk.store import Store
from helpdesk.tables import ticket_t

MAX_PAGE = 200
COUNT_CAP = 1000
# Up to this many full-text matches are fetched by id and sorted; past it, the view is walked.
SPARSE_MATCHES = 2000

LIST_COLUMNS = (
    ticket_t.c.id,
    ticket_t.c.number,
    ticket_t.c.subject,
    ticket_t.c.status,
    ticket_t.c.priority,
    ticket_t.c.category_id,
    ticket_t.c.team_id,
    ticket_t.c.assignee_id,
    ticket_t.c.requester_id,
    ticket_t.c.channel,
    ticket_t.c.language,
    ticket_t.c.tags,
    ticket_t.c.created_at,
    ticket_t.c.updated_at,
    ticket_t.c.merged_into_id,
    ticket_t.c.follow_up_of_id,
    ticket_t.c.bot_id,
    ticket_t.c.handed_over_at,
)
_SELECTED = (*LIST_COLUMNS, ticket_t.c.sla_next_due_at)


class Sort(StrEnum):
    UPDATED = "updated"  # most recent activity first
    DUE = "due"  # soonest SLA due time first, then tickets with no running clock, oldest first


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
    channel: str | None = None
    language: str | None = None
    due_before: datetime | None = None  # a running SLA clock is due before this instant
    sort: Sort = Sort.UPDATED


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


@dataclass(frozen=True, slots=True)
class _Branch:
    eq: dict[str, Any]  # column -> value; None means IS NULL
    residual: tuple[ColumnElement[bool], ...] = field(default=())

    def where(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        for name, value in self.eq.items():
            col = ticket_t.c[name]
            conds.append(col.is_(None) if value is None else col == value)
        return [*conds, *self.residual]


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
    """(kind, stamp, id): 'u' an updated_at key, 'd' a due key, 'n' past the due tickets."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        if len(parts) == 2:
            return "u", datetime.fromisoformat(parts[0]), int(parts[1])
        kind, stamp, ident = parts
        if kind == "n":
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


def _visibility(who: Principal) -> list[_Branch]:
    if who.sees_everything:
        return [_Branch({})]
    teams = sorted(who.team_ids)
    branches = [_Branch({"team_id": t}) for t in teams]
    branches.append(_Branch({"team_id": None}))
    # Their own tickets in other teams; those in their teams and the triage queue are above.
    elsewhere = ticket_t.c.team_id.not_in(teams) if teams else ticket_t.c.team_id.is_not(None)
    branches.append(_Branch({"assignee_id": who.user_id}, (elsewhere,)))
    return branches


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
    if f.status:
        options["status"] = sorted({s.value for s in f.status})
    return options


def branches(who: Principal, f: TicketFilter) -> list[_Branch]:
    """Disjoint index-led pieces whose union is what `who` may see of the filter."""
    options = _options(f)
    names = list(options)
    result = []
    for base in _visibility(who):
        for combo in itertools.product(*(options[n] for n in names)):
            eq = dict(base.eq)
            if any(n in eq and eq[n] != v for n, v in zip(names, combo, strict=True)):
                continue  # e.g. team 3 asked for, this branch is team 5
            eq.update(zip(names, combo, strict=True))
            result.append(_Branch(eq, base.residual))
    return result


def _common(f: TicketFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.category_id is not None:
        conds.append(ticket_t.c.category_id == f.category_id)
    if f.priority is not None:
        conds.append(ticket_t.c.priority == f.priority)
    if f.channel is not None:
        conds.append(ticket_t.c.channel == f.channel)
    if f.language is not None:
        conds.append(ticket_t.c.language == f.language)
    if f.updated_since is not None:
        conds.append(ticket_t.c.updated_at >= f.updated_since)
    if f.due_before is not None:
        conds.append(ticket_t.c.sla_next_due_at < f.due_before)
    if not f.include_merged:
        conds.append(ticket_t.c.merged_into_id.is_(None))
    return conds


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Phase:
    """One ordered stretch of a sort: its conditions, its order and how a row continues it."""

    kind: str
    where: tuple[ColumnElement[bool], ...]
    order: tuple[ColumnClause[Any], ...]
    descending: bool


def _phases(f: TicketFilter, cursor: str | None) -> list[_Phase]:
    updated, due, ident = ticket_t.c.updated_at, ticket_t.c.sla_next_due_at, ticket_t.c.id
    kind, stamp, last = _decode(cursor) if cursor else (None, None, 0)
    if f.sort is Sort.UPDATED:
        if kind not in (None, "u"):
            raise ValidationFailed({"cursor": "this cursor belongs to another sort"})
        after = (tuple_(updated, ident) < tuple_(stamp, last),) if kind else ()
        return [_Phase("u", after, (updated, ident), True)]
    if kind == "u":
        raise ValidationFailed({"cursor": "this cursor belongs to another sort"})
    phases = []
    if kind in (None, "d"):
        after = (tuple_(due, ident) > tuple_(stamp, last),) if kind else ()
        phases.append(_Phase("d", (due.is_not(None), *after), (due, ident), False))
    if f.due_before is None:  # tickets with no due time cannot be due before anything
        after = (ident > last,) if kind == "n" else ()
        phases.append(_Phase("n", (due.is_(None), *after), (ident,), False))
    return phases


def _ordered(stmt: Select[Any], phase: _Phase, cols: Any = None) -> Select[Any]:
    cols = phase.order if cols is None else cols
    return stmt.order_by(*(c.desc() if phase.descending else c.asc() for c in cols))


def _page_query(
    parts: list[_Branch],
    common: list[ColumnElement[bool]],
    phase: _Phase,
    limit: int,
    extra: Iterable[ColumnElement[bool]] = (),
) -> Select[Any]:
    extra = list(extra)
    selects = [
        _ordered(select(*_SELECTED).where(*b.where(), *common, *phase.where, *extra), phase).limit(
            limit
        )
        for b in parts
    ]
    if len(selects) == 1:
        return selects[0]
    u = union_all(*(select(s.subquery()) for s in selects)).subquery()
    return _ordered(select(u), phase, [u.c[c.name] for c in phase.order]).limit(limit)


def _sparse_query(
    parts: list[_Branch],
    common: list[ColumnElement[bool]],
    phase: _Phase,
    limit: int,
    ids: list[int],
) -> Select[Any]:
    visible = or_(*(and_(true(), *b.where()) for b in parts)) if parts else false()
    stmt = select(*_SELECTED).where(ticket_t.c.id.in_(ids), visible, *common, *phase.where)
    return _ordered(stmt, phase).limit(limit)


def _number(typed: str) -> int | None:
    digits = typed.strip().lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


async def list_tickets(
    store: Store,
    who: Principal,
    filters: TicketFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Tickets the caller may see in the filter's order, one keyset page at a time.

    Keyset instead of OFFSET keeps page 1,000 as fast as page 1 and stable while tickets change
    underneath. The next_cursor is None on the last page.
    """
    limit = max(1, min(limit, MAX_PAGE))
    parts = branches(who, filters)
    common = _common(filters)
    ids: list[int] | None = None
    probe: list[ColumnElement[bool]] = []
    if filters.text:
        ids = await search.first_matches(store, filters.text, SPARSE_MATCHES)
        number = _number(filters.text)
        if ids is not None and number is not None:
            found = (
                await store.execute(select(ticket_t.c.id).where(ticket_t.c.number == number))
            ).scalar()
            if found is not None:
                ids.append(int(found))
        if ids is None:
            match = search.contains(store.dialect, filters.text)
            probe = [or_(match, ticket_t.c.number == number) if number is not None else match]
    rows: list[dict[str, Any]] = []
    last_phase = "u"
    if parts and not (ids is not None and not ids):
        for phase in _phases(filters, cursor):
            want = limit + 1 - len(rows)
            if ids is not None:
                stmt = _sparse_query(parts, common, phase, want, ids)
            else:
                stmt = _page_query(parts, common, phase, want, probe)
            got = [dict(r) for r in (await store.execute(stmt)).mappings()]
            rows.extend(got)
            last_phase = phase.kind
            if len(rows) > limit:
                break
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _next_cursor(rows[-1], filters.sort, last_phase) if more else None
    for row in rows:
        if filters.sort is Sort.UPDATED:
            row.pop("sla_next_due_at", None)
    return Page(rows, next_cursor)


def _next_cursor(row: dict[str, Any], sort: Sort, phase: str) -> str:
    if sort is Sort.UPDATED:
        return encode_cursor(row["updated_at"], row["id"])
    if phase == "d":
        return _encode(f"d|{row['sla_next_due_at'].isoformat()}|{row['id']}")
    return _encode(f"n||{row['id']}")


async def count_tickets(
    store: Store, who: Principal, filters: TicketFilter, *, cap: int = COUNT_CAP
) -> Count:
    """How many tickets a view holds, counting at most cap+1 per branch."""
    parts = branches(who, filters)
    common = _common(filters)
    if not parts:
        return Count(0, True)
    extra: list[ColumnElement[bool]] = []
    if filters.text:
        ids = await search.first_matches(store, filters.text, SPARSE_MATCHES)
        if ids is not None:
            if not ids:
                return Count(0, True)
            extra.append(ticket_t.c.id.in_(ids))
        else:
            extra.append(search.contains(store.dialect, filters.text))
    pieces = [
        select(literal(1).label("one")).where(*b.where(), *common, *extra).limit(cap + 1)
        for b in parts
    ]
    inner = pieces[0] if len(pieces) == 1 else union_all(*(select(p.subquery()) for p in pieces))
    total = int(
        (await store.execute(select(func.count()).select_from(inner.subquery()))).scalar_one()
    )
    return Count(min(total, cap), total <= cap)

"""The statements behind ticket lists, built once per *shape* and cached.

A shape is everything but the values: which branches with which equality columns, which
filters, which sort phase, cursor or not, which search strategy, the page size. Values travel
as bound parameters, so a page costs one cache look-up instead of building a many-branch
UNION in Python (which took longer than running it) and SQLAlchemy's compiled cache is hit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import CompoundSelect

from helpdesk import search
from helpdesk.tables import ticket_t
from helpdesk.tag_tables import ticket_tag_t

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
SELECTED = (*LIST_COLUMNS, ticket_t.c.sla_next_due_at)

# (column name, IS NULL?) per equality column, and the residual: None, or how many teams the
# "their own tickets elsewhere" branch excludes (0: only no team). A count and not a list
# parameter: an expanding IN makes SQLAlchemy render the statement's text again at every
# execution, which for a 16-arm view cost more than the database's work on it.
BranchSpec = tuple[tuple[tuple[str, bool], ...], int | None]


@dataclass(frozen=True, slots=True)
class Branch:
    """One index-led piece of a view: equality columns (None: IS NULL) and, for an agent's own
    tickets outside their teams, the teams to leave out (they have branches of their own)."""

    eq: tuple[tuple[str, Any], ...]
    not_in_teams: tuple[int, ...] | None = None

    def spec(self) -> BranchSpec:
        residual = None if self.not_in_teams is None else len(self.not_in_teams)
        return tuple((n, v is None) for n, v in self.eq), residual

    def params(self, i: int) -> dict[str, Any]:
        out = {f"b{i}_{n}": v for n, v in self.eq if v is not None}
        for k, team in enumerate(self.not_in_teams or ()):
            out[f"b{i}_t{k}"] = team
        return out


def _branch_where(i: int, spec: BranchSpec) -> list[ColumnElement[bool]]:
    return [*_equalities(i, spec), *_elsewhere(i, spec, ticket_t.c.team_id)]


def _equalities(i: int, spec: BranchSpec) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    for name, is_null in spec[0]:
        col = ticket_t.c[name]
        conds.append(col.is_(None) if is_null else col == bindparam(f"b{i}_{name}", type_=col.type))
    return conds


def _elsewhere(i: int, spec: BranchSpec, team_id: Any) -> list[ColumnElement[bool]]:
    """For an agent's own tickets outside their teams: not in those teams, nor in none."""
    residual = spec[1]
    if residual:
        teams = [bindparam(f"b{i}_t{k}", type_=ticket_t.c.team_id.type) for k in range(residual)]
        return [team_id.not_in(teams)]
    if residual == 0:
        return [team_id.is_not(None)]
    return []


def _param(name: str, col: Any) -> BindParameter[Any]:
    return bindparam(f"f_{name}", type_=col.type)


_DUE_TYPE = ticket_t.c.updated_at


_COMMON: dict[str, Callable[[], ColumnElement[bool]]] = {
    "category_id": lambda: ticket_t.c.category_id == _param("category_id", ticket_t.c.category_id),
    "priority": lambda: ticket_t.c.priority == _param("priority", ticket_t.c.priority),
    "channel": lambda: ticket_t.c.channel == _param("channel", ticket_t.c.channel),
    "language": lambda: ticket_t.c.language == _param("language", ticket_t.c.language),
    "updated_since": lambda: (
        ticket_t.c.updated_at >= _param("updated_since", ticket_t.c.updated_at)
    ),
    "due_before": lambda: ticket_t.c.sla_next_due_at < _param("due_before", ticket_t.c.updated_at),
    "due_after": lambda: ticket_t.c.sla_next_due_at >= _param("due_after", ticket_t.c.updated_at),
    "live": lambda: ticket_t.c.merged_into_id.is_(None),
    # People's queues skip what a bot still owns; it appears when the bot hands it over.
    "people": lambda: or_(ticket_t.c.bot_id.is_(None), ticket_t.c.handed_over_at.is_not(None)),
    # Only where the page is read another way (a search): otherwise the tag leads the seek.
    "tag": lambda: exists().where(
        ticket_tag_t.c.ticket_id == ticket_t.c.id, ticket_tag_t.c.tag == _tag_param()
    ),
}
# With a tag, the page reads the tag index in its order: the due bounds go on its columns.
_TAGGED_DUE = {
    "due_before": lambda: ticket_tag_t.c.sla_next_due_at < _param("due_before", _DUE_TYPE),
    "due_after": lambda: ticket_tag_t.c.sla_next_due_at >= _param("due_after", _DUE_TYPE),
}


def _tag_param() -> BindParameter[Any]:
    return bindparam("f_tag", type_=ticket_tag_t.c.tag.type)


def _phase(
    kind: str, after: bool, tagged: bool = False
) -> tuple[list[ColumnElement[bool]], list[Any], bool]:
    """(conditions, order columns, descending) of a sort phase: 'u' most recently updated
    first; 'd' soonest due first; 'n' no due time, oldest first; 'i' newest ticket first
    (search results). `tagged`: on the tag index's copies of the sort keys."""
    if tagged:
        t = ticket_tag_t.c
        updated, due, ident = t.updated_at, t.sla_next_due_at, t.ticket_id
    else:
        updated, due, ident = ticket_t.c.updated_at, ticket_t.c.sla_next_due_at, ticket_t.c.id
    if kind == "u":
        stamp = bindparam("c_stamp", type_=updated.type)
        # A row value: both databases seek with it, unlike a < ? OR (a = ? AND b < ?).
        cond = [tuple_(updated, ident) < tuple_(stamp, bindparam("c_id"))] if after else []
        return cond, [updated, ident], True
    if kind == "d":
        stamp = bindparam("c_stamp", type_=due.type)
        cond = [tuple_(due, ident) > tuple_(stamp, bindparam("c_id"))] if after else []
        return [due.is_not(None), *cond], [due, ident], False
    if kind == "i":
        return ([ident < bindparam("c_id")] if after else []), [ident], True
    cond = [ident > bindparam("c_id")] if after else []
    # Ordered by (due, id) though every due is NULL here: PostgreSQL takes IS NULL for no
    # equality, so only this order matches the (..., status, sla_next_due_at, id) indexes;
    # ordered by id alone it walks the primary key and filters.
    return [due.is_(None), *cond], [due, ident], False


_MATCH_KEY: ColumnClause[Any] = literal_column("m.ticket_id")


def _matches(dialect: str) -> Any:
    return search.matching_ids(dialect, bindparam("q")).subquery("m")


def _visible(specs: tuple[BranchSpec, ...]) -> ColumnElement[bool]:
    return or_(*(and_(true(), *_branch_where(i, s)) for i, s in enumerate(specs)))


def _search(dialect: str, kind: str | None) -> list[ColumnElement[bool]]:
    del dialect
    if kind == "ids":
        return [ticket_t.c.id.in_(bindparam("ids", expanding=True))]
    return []


def _order(cols: Sequence[Any], descending: bool) -> list[Any]:
    return [c.desc() if descending else c.asc() for c in cols]


@lru_cache(maxsize=1024)
def page_statement(
    dialect: str,
    specs: tuple[BranchSpec, ...],
    common: tuple[str, ...],
    phase: str,
    after: bool,
    search_kind: str | None,
    limit: int,
) -> Select[Any] | CompoundSelect[Any]:
    """One phase of a page: a UNION ALL of per-branch index seeks merged by the sort key (on
    PostgreSQL each cut at `limit`; SQLite reads each only as far as the page needs).
    Searches: few full-text matches ("ids") are fetched by id; many ("fts") are read from the
    full-text index newest first, stopping after a page of visible ones."""
    if "tag" in common and search_kind is None:
        return _tagged_page(specs, common, phase, after, limit)
    phase_where, order, descending = _phase(phase, after)
    shared = [*(_COMMON[name]() for name in common), *phase_where]
    if search_kind is not None or len(specs) == 1:
        stmt = select(*SELECTED).where(_visible(specs), *shared, *_search(dialect, search_kind))
        if search_kind == "fts":
            stmt = stmt.join_from(ticket_t, _matches(dialect), ticket_t.c.id == _MATCH_KEY)
            return stmt.order_by(_MATCH_KEY.desc()).limit(limit)
        return stmt.order_by(*_order(order, descending)).limit(limit)
    arms: list[Select[Any]] = []
    for i, spec in enumerate(specs):
        if dialect == "sqlite" and spec[1] is None:
            arms.append(select(*SELECTED).where(*_branch_where(i, spec), *shared))
            continue
        # An agent's own tickets elsewhere: a page of all their own, then those outside their
        # teams kept. Read filtered, the seek (led by the assignee, not the team) went through
        # every ticket they hold in their teams to drop it: on PostgreSQL, which filters after
        # fetching each row, most of the agent view's time at 1M tickets, growing with every
        # ticket they ever held. The cut loses nothing: whatever of theirs comes before one of
        # the page's tickets is visible too, so is before it on the page. (The database sorts
        # that branch's kept rows again, at most a page of them.)
        page = (
            select(*SELECTED)
            .where(*_equalities(i, spec), *shared)
            .order_by(*_order(order, descending))
            .limit(limit)
            .subquery()
        )
        arms.append(select(page).where(*_elsewhere(i, spec, page.c.team_id)))
    if dialect == "sqlite":
        # SQLite merges a compound SELECT's ordered arms lazily, reading each index only as
        # far as the page needs: a page and one row per arm, where arms cut at a page each in
        # subqueries were each read whole and sorted again (at risk at 1M tickets, 20 arms:
        # 2.1 ms against 0.25 ms, raw SQL).
        compound = union_all(*arms)
        keys = [compound.selected_columns[c.name] for c in order]
        return compound.order_by(*_order(keys, descending)).limit(limit)
    merged = union_all(*arms).subquery()
    keys = [merged.c[c.name] for c in order]
    return select(merged).order_by(*_order(keys, descending)).limit(limit)


def _tagged(specs: tuple[BranchSpec, ...], common: tuple[str, ...]) -> Select[Any]:
    """The tag's rows joined to their tickets, with every other filter on the ticket."""
    shared = [(_TAGGED_DUE.get(name) or _COMMON[name])() for name in common if name != "tag"]
    return (
        select()
        .select_from(ticket_tag_t.join(ticket_t, ticket_t.c.id == ticket_tag_t.c.ticket_id))
        .where(ticket_tag_t.c.tag == _tag_param(), _visible(specs), *shared)
    )


def _tagged_page(
    specs: tuple[BranchSpec, ...], common: tuple[str, ...], phase: str, after: bool, limit: int
) -> Select[Any]:
    """A page of a tag: one seek of the tag index in the page's order, each row's ticket
    checked against the view (its branches are a filter here, not separate seeks)."""
    phase_where, order, descending = _phase(phase, after, tagged=True)
    stmt = _tagged(specs, common).add_columns(*SELECTED).where(*phase_where)
    return stmt.order_by(*_order(order, descending)).limit(limit)


@lru_cache(maxsize=1024)
def count_statement(
    dialect: str,
    specs: tuple[BranchSpec, ...],
    common: tuple[str, ...],
    search_kind: str | None,
    cap: int,
) -> Select[Any]:
    """How many rows the branches hold, reading at most cap+1 index entries in all."""
    if "tag" in common and search_kind is None:
        # In the index's order, though any cap+1 rows would do: so the planner reads the tag
        # index and probes tickets, instead of walking a view's tickets probing for the tag.
        # Due bounds make the due index the one to seek; its order then, not the other's.
        due = any(name in _TAGGED_DUE for name in common)
        key = ticket_tag_t.c.sla_next_due_at if due else ticket_tag_t.c.updated_at
        order = [key.desc(), ticket_tag_t.c.ticket_id.desc()]
        found = (
            _tagged(specs, common).add_columns(literal(1).label("one")).order_by(*order)
        ).limit(cap + 1)
        return select(func.count()).select_from(found.subquery())
    shared = [*(_COMMON[name]() for name in common), *_search(dialect, search_kind)]
    if search_kind == "fts":
        found = (
            select(literal(1).label("one"))
            .join_from(ticket_t, _matches(dialect), ticket_t.c.id == _MATCH_KEY)
            .where(_visible(specs), *shared)
            .limit(cap + 1)
        )
        return select(func.count()).select_from(found.subquery())
    arms = [
        select(literal(1).label("one")).where(*_branch_where(i, s), *shared).limit(cap + 1)
        for i, s in enumerate(specs)
    ]
    if len(arms) == 1:
        return select(func.count()).select_from(arms[0].subquery())
    # The arms run one after another until cap+1 rows in all: cap+1 index entries at most.
    merged = union_all(*(select(a.subquery()) for a in arms)).subquery()
    return select(func.count()).select_from(select(merged).limit(cap + 1).subquery())

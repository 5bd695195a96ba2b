"""Loads SLA configuration rows into the pure values the engine works with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.store import Store
from helpdesk.tables import category_t, counter_t
from sla.calendar import BusinessCalendar, calendar_24x7
from sla.holiday_presets import country_holidays
from sla.policies import PolicyRule, TicketView
from sla.tables import calendar_t, ladder_t, policy_t

_UTC_24X7 = calendar_24x7("UTC")
_MAX_DEPTH = 32  # category trees are shallow; the bound only stops a corrupted cycle
# Holiday presets are expanded over a window around "now" once per calendar version.
_HOLIDAY_YEARS_BACK, _HOLIDAY_YEARS_AHEAD = 3, 6


def parse_hhmm(text: str) -> time:
    hour, _, minute = text.partition(":")
    return time(int(hour), int(minute or 0))


def build_calendar(row: Any, year: int) -> BusinessCalendar:
    """A BusinessCalendar from a calendar row; raises ValueError on a bad definition."""
    weekly = {
        int(day): [(parse_hhmm(a), parse_hhmm(b)) for a, b in intervals]
        for day, intervals in (row["weekly"] or {}).items()
    }
    days: set[date] = {date.fromisoformat(d) for d in row["custom_holidays"] or ()}
    if row["holiday_country"]:
        years = range(year - _HOLIDAY_YEARS_BACK, year + _HOLIDAY_YEARS_AHEAD)
        days |= country_holidays(row["holiday_country"], years, row["holiday_subdiv"] or None)
    return BusinessCalendar(row["tz"], weekly, days)


class CalendarCache:
    """Built calendars by (id, updated_at, year): presets cost milliseconds, evaluations many."""

    def __init__(self) -> None:
        self._built: dict[tuple[int, datetime, int], BusinessCalendar] = {}

    async def get(self, store: Store, calendar_id: int | None, now: datetime) -> BusinessCalendar:
        if calendar_id is None:
            return _UTC_24X7
        row = (
            (await store.execute(select(calendar_t).where(calendar_t.c.id == calendar_id)))
            .mappings()
            .first()
        )
        if row is None:
            return _UTC_24X7  # deleted since: count plain time rather than stop counting
        key = (calendar_id, row["updated_at"], now.year)
        built = self._built.get(key)
        if built is None:
            if len(self._built) > 256:
                self._built.clear()
            built = self._built[key] = build_calendar(row, now.year)
        return built


async def load_rules(store: Store) -> list[PolicyRule]:
    rows = await store.execute(
        select(policy_t)
        .where(policy_t.c.active.is_(True))
        .order_by(policy_t.c.position, policy_t.c.id)
    )
    return [PolicyRule.from_row(row) for row in rows.mappings()]


def ticket_view(ticket: Any, category_path: tuple[int, ...]) -> TicketView:
    """What policies match on, from a ticket row carrying its requester's `tier`."""
    return TicketView(
        priority=str(ticket["priority"]),
        category_path=category_path,
        channel=str(ticket["channel"]),
        tier=ticket["tier"],
        tags=frozenset(ticket["tags"] or ()),
    )


CONFIG_COUNTER = "sla_config"
# Read with each batch of tickets, so an evaluation sees which configuration is current.
CONFIG_VERSION = (
    select(counter_t.c.value)
    .where(counter_t.c.name == CONFIG_COUNTER)
    .scalar_subquery()
    .label("config_version")
)


async def bump_version(store: Store) -> None:
    """Mark the SLA configuration changed: every runtime drops what it cached.

    Called by every service that changes a calendar, policy or ladder, in the same unit of
    work, so the new version commits with the change (and other processes see both at once).
    """
    dialect_insert = postgresql.insert if store.dialect == "postgresql" else sqlite.insert
    stmt = dialect_insert(counter_t).values(name=CONFIG_COUNTER, value=1)
    await store.execute(
        stmt.on_conflict_do_update(index_elements=["name"], set_={"value": counter_t.c.value + 1})
    )


_UNSEEN = object()


class SharedConfig:
    """Policies, ladders and built calendars kept for a runtime's life while the configuration
    version stays the same; a different version (another process saved a change) drops them."""

    def __init__(self) -> None:
        self.version: object = _UNSEEN
        self.rules: list[PolicyRule] | None = None
        self.ladders: dict[int | None, Ladder] | None = None
        self.calendars: dict[tuple[int | None, int], BusinessCalendar] = {}

    def at(self, version: object) -> None:
        if version != self.version:
            self.version = version
            self.rules = self.ladders = None
            self.calendars = {}


class ConfigMemo:
    """Policies and ladders read once per unit of work (and, with a `SharedConfig`, once per
    configuration version): a pass evaluating many tickets reads the configuration once."""

    def __init__(self, shared: SharedConfig | None = None) -> None:
        # Without a version seen yet nothing is shared: what is cached may be stale.
        self._shared = shared
        self._versioned = False
        self._version: object = None
        self._rules: list[PolicyRule] | None = None
        self._ladders: dict[int | None, Ladder] | None = None
        self._parents: dict[int, int | None] | None = None
        self._calendars: dict[tuple[int | None, int], BusinessCalendar] = {}

    def at_version(self, version: int | None) -> None:
        """The configuration version read in this unit of work (before any configuration)."""
        if self._shared is None or self._versioned:
            return
        self._shared.at(version)
        self._versioned = True
        self._version = version
        # Rows read later in this unit of work are at least this version, never older.
        self._rules = self._rules or self._shared.rules
        self._ladders = self._ladders or self._shared.ladders
        self._calendars = self._shared.calendars

    def _sharing(self) -> bool:
        # Another unit of work may have moved the shared cache to a newer version meanwhile.
        shared = self._shared
        return self._versioned and shared is not None and shared.version == self._version

    async def calendar(
        self, store: Store, cache: CalendarCache, calendar_id: int | None, now: datetime
    ) -> BusinessCalendar:
        key = (calendar_id, now.year)
        found = self._calendars.get(key)
        if found is None:
            found = self._calendars[key] = await cache.get(store, calendar_id, now)
        return found

    async def category_path(self, store: Store, category_id: int | None) -> tuple[int, ...]:
        """The category and its ancestors, nearest first (the tree is read once, when needed;
        categories are the core's, outside the configuration version, so never kept longer)."""
        if category_id is None:
            return ()
        if self._parents is None:
            rows = await store.execute(select(category_t.c.id, category_t.c.parent_id))
            self._parents = {int(row.id): row.parent_id for row in rows}
        path: list[int] = []
        current: int | None = category_id
        while current is not None and current not in path and len(path) < _MAX_DEPTH:
            path.append(current)
            current = self._parents.get(current)
        return tuple(path)

    async def rules(self, store: Store) -> list[PolicyRule]:
        if self._rules is None:
            self._rules = await load_rules(store)
            if self._sharing():
                assert self._shared is not None
                self._shared.rules = self._rules
        return self._rules

    async def ladder_for(self, store: Store, path: tuple[int, ...]) -> Ladder | None:
        """The nearest ladder up the category tree, else the default one (category None)."""
        if self._ladders is None:
            rows = (await store.execute(select(ladder_t))).mappings()
            self._ladders = {
                row["category_id"]: Ladder(
                    int(row["id"]), frozenset(row["metrics"] or ()), tuple(row["levels"])
                )
                for row in rows
            }
            if self._sharing():
                assert self._shared is not None
                self._shared.ladders = self._ladders
        for candidate in (*path, None):
            found = self._ladders.get(candidate)
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class Ladder:
    id: int
    metrics: frozenset[str]
    levels: tuple[Mapping[str, Any], ...]

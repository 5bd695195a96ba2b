"""What the supervisor pages share: the inbox's request plumbing with this package's templates
first, the roles allowed, names for ids, and the period a report page covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_timedelta
from babel.numbers import format_percent
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.requests import Request

from helpdesk import queries as core_queries
from helpdesk.domain import Role
from helpdesk.inbox import queries as inbox_queries
from helpdesk.inbox.i18n import Formatter, zone
from helpdesk.inbox.layout import CHANNEL_LABELS
from helpdesk.inbox.queries import N_
from helpdesk.inbox.web import TEMPLATES as INBOX_TEMPLATES
from helpdesk.inbox.web import Viewer, Web
from helpdesk.runtime import Runtime

TEMPLATES = Path(__file__).parent / "templates"
MANAGERS = (Role.SUPERVISOR, Role.ADMIN)
METRICS = ("first_reply", "next_reply", "resolution")
GROUPS = ("team", "category", "agent", "channel")
METRIC_LABELS = {
    "first_reply": N_("First reply"),
    "next_reply": N_("Next reply"),
    "resolution": N_("Resolution"),
}
GROUP_LABELS = {
    "team": N_("Team"),
    "category": N_("Category"),
    "agent": N_("Agent"),
    "channel": N_("Channel"),
}
AVAILABILITY_LABELS = {
    "online": N_("Online"),
    "away": N_("Away"),
    "offline": N_("Offline"),
}
MAX_DAYS = 366


def supervisor_web(rt: Runtime) -> Web:
    """The inbox's `Web` (sessions, CSRF, error pages) reading our templates before its own."""
    web = Web(rt)
    web.env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(INBOX_TEMPLATES)])
    web.env.globals["how_long"] = how_long
    web.env.globals["percent"] = percent
    web.env.globals["duration"] = duration
    return web


def how_long(fmt: Formatter, due: datetime) -> str:
    """How far `due` is from now, without direction ("12 min"), in the reader's language."""
    return format_timedelta(abs(due - fmt.now), format="short", locale=fmt.language)


def duration(fmt: Formatter, seconds: int) -> str:
    """A length of time in hours and minutes ("1 hr 30 min"), in the reader's language; an
    explanation of a due time needs both units, not the nearest one."""
    whole = max(0, int(seconds)) // 60 * 60
    hours, minutes = divmod(whole // 60, 60)
    parts = []
    if hours:
        parts.append(format_timedelta(timedelta(hours=hours), threshold=10**6, format="short",
                                      granularity="hour", locale=fmt.language))  # fmt: skip
    if minutes or not hours:
        parts.append(format_timedelta(timedelta(minutes=minutes), threshold=10**6, format="short",
                                      granularity="minute", locale=fmt.language))  # fmt: skip
    return " ".join(parts)


def percent(fmt: Formatter, share: float | None, digits: int = 0) -> str:
    """A share as a percentage the reader's way ("90%", Turkish "%90"); a dash for no data."""
    if share is None:
        return "–"
    pattern = Locale.parse(fmt.language).percent_formats[None].pattern
    if digits:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits)
    return format_percent(share, pattern, locale=fmt.language)


async def names(rt: Runtime) -> dict[str, Any]:
    """Teams, people and categories by id, for filters and for rows that carry only ids."""
    async with rt.stores.read() as store:
        teams = await inbox_queries.teams(store)
        people = await inbox_queries.people(store)
        categories = await core_queries.list_categories(store)
    agents = {i: p for i, p in people.items() if p["role"] in ("agent", "supervisor", "admin")}
    return {
        "teams": teams,
        "team_names": {t["id"]: t["name"] for t in teams},
        "agents": agents,
        "agent_names": {i: p["name"] for i, p in people.items()},
        "categories": categories,
        "category_names": {c["id"]: c["name"] for c in categories},
        "metric_labels": METRIC_LABELS,
        "group_labels": GROUP_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "availability_labels": AVAILABILITY_LABELS,
    }


@dataclass(frozen=True)
class Period:
    """Whole local days [first, last] in the viewer's zone, and the instants they span."""

    first: date
    last: date
    tz: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), zone(self.tz))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), zone(self.tz))

    @property
    def days(self) -> list[str]:
        count = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=n)).isoformat() for n in range(count)]

    def query(self, **more: str) -> str:
        return urlencode({"from": self.first.isoformat(), "to": self.last.isoformat(), **more})


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def period_of(rt: Runtime, request: Request, viewer: Viewer, days: int = 7) -> Period:
    """The `from`/`to` days of the query (inclusive, viewer's zone); by default the last `days`
    days up to today. A reversed or over-long period is cut back rather than refused."""
    today = rt.clock.now().astimezone(viewer.fmt.tz).date()
    last = _day(request.query_params.get("to")) or today
    first = _day(request.query_params.get("from")) or last - timedelta(days=days - 1)
    if first > last:
        first, last = last, first
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    return Period(first, last, str(viewer.fmt.tz))


def choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name) or default
    return value if value in allowed else default


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name) or ""
    return int(raw) if raw.isdigit() and len(raw) < 12 else None

"""What every report endpoint shares: the period and time zone from the query, and an answer
as JSON or, with `format=csv`, as a CSV download of the same rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from starlette.requests import Request
from starlette.responses import Response

from helpdesk.endpoints import QueryTime
from helpdesk.http import ok
from helpdesk.runtime import Runtime


def instant(request: Request, name: str, errors: dict[str, str]) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = "must be an ISO 8601 date-time with a zone"
        return None
    if value.tzinfo is None:
        errors[name] = "must include a time zone (e.g. 2026-12-01T00:00:00Z)"
        return None
    return value


def period(
    rt: Runtime, request: Request, errors: dict[str, str], *, days: int = 30
) -> tuple[datetime, datetime]:
    """`from` and `to` (exclusive) from the query; by default the last `days` days up to now."""
    # `to` is exclusive; its default takes in what happened at this very instant too.
    until = instant(request, "to", errors) or rt.clock.now() + timedelta(seconds=1)
    since = instant(request, "from", errors) or until - timedelta(days=days)
    if since >= until:
        errors["from"] = "must be before to"
    elif until - since > timedelta(days=400):
        errors["from"] = "a period covers at most 400 days"
    return since, until


def zone(rt: Runtime, request: Request, errors: dict[str, str]) -> str:
    given = request.query_params.get("tz")
    if given is not None and not given.strip():
        errors["tz"] = "name a time zone such as Europe/Istanbul, or leave tz out"
        return "UTC"
    tz = given or rt.settings.default_timezone
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        errors["tz"] = f"unknown time zone {tz!r}"
        return "UTC"
    return tz


def answer(request: Request, name: str, payload: dict[str, Any]) -> Response:
    """JSON, or with `format=csv` the items as a CSV download."""
    if request.query_params.get("format") == "csv":
        return csv_response(payload["items"], f"{name}.csv")
    return ok(payload)


def csv_response(rows: Sequence[dict[str, Any]], filename: str) -> Response:
    """`rows` as a CSV attachment; nested values (a dict of counts) become `key.sub` columns."""
    flat = [_flatten(row) for row in rows]
    columns: list[str] = []
    for row in flat:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _cell(value: Any) -> Any:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula is quoted as text (CSV injection).
    risky = text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text)
    return "'" + text if risky else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- what the endpoints declare (validated at the edge; the handlers above apply defaults) -------

_ZONES: list[JsonValue] = [*sorted(available_timezones())]


class PeriodQuery(BaseModel):
    start: QueryTime | None = Field(
        default=None, alias="from", description="Start (ISO 8601 with zone)"
    )
    end: QueryTime | None = Field(
        default=None, alias="to", description="End, exclusive (ISO 8601 with zone; default now)"
    )
    format: Literal["json", "csv"] = Field(default="json", description="`csv` for a download")


class ZonedPeriodQuery(PeriodQuery):
    tz: str | None = Field(
        default=None,
        description="IANA zone whose local days are counted (default the installation's)",
        json_schema_extra={"enum": _ZONES},
    )


class ReportAnswer(BaseModel):
    """The rows of a report (their columns depend on the report and its grouping)."""

    model_config = ConfigDict(extra="allow")

    items: list[dict[str, Any]]


# JSON (ReportAnswer) or, with format=csv, the same rows as a CSV download.
CSV_TOO: dict[str, Any] = {
    "description": "The report",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}

"""Between the SLA admin forms and the API's bodies: a submitted form becomes the body the API
takes (validated afterwards by the same models), and a stored row becomes the form's values.

Form values are kept as `Values` (field name -> every value sent), so a form that failed
validation, or that comes back from the confirm step, is shown exactly as it was filled in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from helpdesk.domain import Priority, Status
from helpdesk.durations import format_duration
from sla.targets import DEFAULT_PAUSE_STATUSES, Metric

Values = dict[str, list[str]]
Errors = dict[str, str]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
METRICS = tuple(m.value for m in Metric)
PRIORITIES = tuple(p.value for p in Priority)
PAUSABLE = tuple(s.value for s in Status if s.value not in ("solved", "closed"))
CHANNELS = ("email", "telegram", "web_form", "phone", "api")
ACTION_TYPES = ("notify", "reassign", "raise_priority", "webhook")
TARGETS = ("assignee", "supervisor", "team", "user")
ACTIONS_PER_LEVEL = 2


def one(values: Mapping[str, list[str]], key: str) -> str:
    found = values.get(key) or [""]
    return found[0].strip()


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


def slots(values: Values, pattern: str, least: int, most: int) -> int:
    """How many rows a repeated group shows: every filled one and one empty, at least `least`."""
    used = [
        int(m.group(1))
        for key, texts in values.items()
        if (m := re.fullmatch(pattern, key)) and any(t.strip() for t in texts)
    ]
    return min(most, max(least, max(used, default=-1) + 2))


# -- calendars -------------------------------------------------------------------------------


def calendar_body(v: Values) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    weekly: dict[str, list[list[str]]] = {}
    for day, name in enumerate(DAYS):
        for k in range(slots(v, rf"d{day}_(\d+)_(?:start|end)", 0, 24)):
            start, end = one(v, f"d{day}_{k}_start"), one(v, f"d{day}_{k}_end")
            if not start and not end:
                continue
            if not start or not end:
                errors[f"weekly.{day}"] = "an opening interval needs a start and an end"
                continue
            weekly.setdefault(name, []).append([start, end])
    holidays: list[str] = []
    for n, line in enumerate(one(v, "custom_holidays").splitlines(), start=1):
        token = line.split(maxsplit=1)[0] if line.strip() else ""
        if not token:
            continue
        try:
            holidays.append(date.fromisoformat(token).isoformat())
        except ValueError:
            errors["custom_holidays"] = f"line {n}: {token!r} is not a date (YYYY-MM-DD)"
    follow = bool(one(v, "follow_preset"))
    body = {
        "name": one(v, "name"),
        "tz": one(v, "tz"),
        "weekly": weekly,
        "holiday_country": (one(v, "holiday_country").upper() or None) if follow else None,
        "holiday_subdiv": (one(v, "holiday_subdiv").upper() or None) if follow else None,
        "custom_holidays": sorted(set(holidays)),
    }
    return body, errors


def calendar_values(row: Mapping[str, Any] | None, year: int) -> Values:
    v: Values = {"year_from": [str(year)], "year_to": [str(year + 1)]}
    if row is None:
        v["tz"] = ["UTC"]
        for day in range(5):
            v[f"d{day}_0_start"], v[f"d{day}_0_end"] = ["09:00"], ["18:00"]
        return v
    v.update(
        name=[row["name"]], tz=[row["tz"]], custom_holidays=["\n".join(row["custom_holidays"])]
    )
    for day, intervals in (row["weekly"] or {}).items():
        for k, (start, end) in enumerate(intervals):
            v[f"d{day}_{k}_start"], v[f"d{day}_{k}_end"] = [start], [end]
    if row["holiday_country"]:
        v.update(holiday_country=[row["holiday_country"]], follow_preset=["1"])
        v["holiday_subdiv"] = [row["holiday_subdiv"] or ""]
    return v


def fill_holidays(v: Values, found: Iterable[tuple[date, str]]) -> None:
    """Add preset holidays to the custom dates (one per line, with its name), keeping the lines
    already there and the order by date."""
    lines = {ln.split(maxsplit=1)[0]: ln.strip() for ln in one(v, "custom_holidays").splitlines()
             if ln.strip()}  # fmt: skip
    for day, name in found:
        lines.setdefault(day.isoformat(), f"{day.isoformat()} {name}")
    v["custom_holidays"] = ["\n".join(lines[k] for k in sorted(lines))]


def year_range(v: Values) -> tuple[range | None, Errors]:
    first, last = _int(one(v, "year_from")), _int(one(v, "year_to"))
    if first is None or last is None or not 1900 <= first <= last <= first + 10 <= 2200:
        return None, {"years": "give a first and a last year, at most ten years apart"}
    return range(first, last + 1), {}


# -- policies --------------------------------------------------------------------------------


def policy_body(v: Values) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    targets: dict[str, dict[str, str]] = {}
    for m in METRICS:
        for p in PRIORITIES:
            hours, minutes = one(v, f"t_{m}_{p}_h"), one(v, f"t_{m}_{p}_m")
            if not hours and not minutes:
                continue
            h, mm = _int(hours or "0"), _int(minutes or "0")
            if h is None or mm is None or mm > 59:
                errors[f"targets.{m}.{p}"] = "hours and minutes are whole numbers, minutes 0-59"
                continue
            targets.setdefault(m, {})[p] = f"{h}h{mm}m"
    warn: float | None = None
    if one(v, "warn_percent"):
        percent = _int(one(v, "warn_percent"))
        if percent is None or not 1 <= percent <= 100:
            errors["warn_fraction"] = "a warning is due at 1-100 percent of the target"
        else:
            warn = percent / 100
    calendar = one(v, "calendar_id")
    body = {
        "name": one(v, "name"),
        "active": bool(one(v, "active")),
        "priorities": v.get("priorities", []),
        "category_ids": [int(c) for c in v.get("category_ids", []) if _int(c) is not None],
        "channels": v.get("channels", []),
        "tiers": _words(one(v, "tiers")),
        "tags": _words(one(v, "tags")),
        "targets": targets,
        "business_hours": bool(one(v, "business_hours")),
        "calendar_id": _int(calendar) if calendar else None,
        "pause_statuses": {m: v.get(f"pause_{m}", []) for m in METRICS},
        "warn_fraction": warn,
        "bots_fulfil": bool(one(v, "bots_fulfil")),
        "first_reply_from_handover": bool(one(v, "first_reply_from_handover")),
    }
    return body, errors


def _words(text: str) -> list[str]:
    return [w for w in (p.strip() for p in text.split(",")) if w]


def policy_values(row: Mapping[str, Any] | None) -> Values:
    if row is None:
        v: Values = {"active": ["1"], "business_hours": ["1"], "warn_percent": ["75"]}
        for m, statuses in DEFAULT_PAUSE_STATUSES.items():
            v[f"pause_{m.value}"] = sorted(s.value for s in statuses)
        return v
    v = {
        "name": [row["name"]],
        "priorities": list(row["priorities"]),
        "category_ids": [str(c) for c in row["category_ids"]],
        "channels": list(row["channels"]),
        "tiers": [", ".join(row["tiers"])],
        "tags": [", ".join(row["tags"])],
        "calendar_id": [str(row["calendar_id"] or "")],
        "warn_percent": [str(round(row["warn_fraction"] * 100)) if row["warn_fraction"] else ""],
    }
    for flag in ("active", "business_hours", "bots_fulfil", "first_reply_from_handover"):
        if row[flag]:
            v[flag] = ["1"]
    for m, per in (row["targets"] or {}).items():
        for p, seconds in per.items():
            h, rest = divmod(int(seconds) // 60, 60)
            v[f"t_{m}_{p}_h"], v[f"t_{m}_{p}_m"] = [str(h)], [str(rest)]
    for m in Metric:
        stored = (row["pause_statuses"] or {}).get(m.value)
        default = sorted(s.value for s in DEFAULT_PAUSE_STATUSES.get(m, frozenset()))
        v[f"pause_{m.value}"] = list(stored) if stored is not None else default
    return v


# -- ladders ---------------------------------------------------------------------------------


def ladder_body(v: Values) -> tuple[dict[str, Any], Errors, list[int]]:
    """The body, the form's own errors, and which level row each level of the body came from
    (blank rows are left out, so error locations are mapped back with `level_errors`)."""
    errors: Errors = {}
    levels: list[dict[str, Any]] = []
    rows: list[int] = []
    for i in range(slots(v, r"l(\d+)_.*", 3, 20)):
        actions = []
        for j in range(ACTIONS_PER_LEVEL):
            kind = one(v, f"l{i}_a{j}_type")
            if not kind:
                continue
            action: dict[str, Any] = {"type": kind}
            if kind in ("notify", "reassign"):
                action["target"] = one(v, f"l{i}_a{j}_target") or None
                if action["target"] == "team":
                    action["team_id"] = _int(one(v, f"l{i}_a{j}_team"))
                if action["target"] == "user":
                    action["user_id"] = _int(one(v, f"l{i}_a{j}_user"))
            if kind == "notify":
                action["email"] = bool(one(v, f"l{i}_a{j}_email"))
            if kind == "webhook":
                action["url"] = one(v, f"l{i}_a{j}_url") or None
            actions.append(action)
        offset = one(v, f"l{i}_offset")
        if not offset and not actions:
            continue
        if not offset:
            errors[f"l{i}.offset"] = 'when the level fires: "0" at the breach, "30m" after it'
            continue
        rows.append(i)
        levels.append(
            {"offset": offset, "business_time": bool(one(v, f"l{i}_business")), "actions": actions}
        )
    category = one(v, "category_id")
    body = {
        "name": one(v, "name"),
        "category_id": _int(category) if category else None,
        "metrics": v.get("metrics", []),
        "levels": levels,
    }
    return body, errors, rows


def level_errors(errors: Errors, rows: list[int]) -> Errors:
    """API error locations ("levels.1.actions.0") as the form's rows ("l3.actions.0")."""
    out: Errors = {}
    for key, message in errors.items():
        m = re.match(r"levels\.(\d+)(.*)", key)
        if m and int(m.group(1)) < len(rows):
            key = f"l{rows[int(m.group(1))]}{m.group(2)}"
        out[key] = message
    return out


def signed(seconds: int) -> str:
    if seconds == 0:
        return "0"
    text = format_duration(timedelta(seconds=abs(seconds)))
    return f"-{text}" if seconds < 0 else text


def ladder_values(row: Mapping[str, Any] | None, category_id: str = "") -> Values:
    if row is None:
        v: Values = {"category_id": [category_id]}
        for i in range(3):
            v[f"l{i}_business"] = ["1"]
            for j in range(ACTIONS_PER_LEVEL):
                v[f"l{i}_a{j}_email"] = ["1"]
        return v
    v = {
        "name": [row["name"]],
        "category_id": [str(row["category_id"] or "")],
        "metrics": list(row["metrics"]),
    }
    for i, level in enumerate([*row["levels"], {}, {}]):
        if level:
            v[f"l{i}_offset"] = [signed(int(level.get("offset", 0)))]
        if level.get("business_time", True):
            v[f"l{i}_business"] = ["1"]
        for j in range(ACTIONS_PER_LEVEL):
            actions = level.get("actions", [])
            action = actions[j] if j < len(actions) else {}
            v[f"l{i}_a{j}_email"] = ["1"] if action.get("email", True) else []
            for key, name in (("type", "type"), ("target", "target"), ("team_id", "team"),
                              ("user_id", "user"), ("url", "url")):  # fmt: skip
                if action.get(key) is not None:
                    v[f"l{i}_a{j}_{name}"] = [str(action[key])]
    return v

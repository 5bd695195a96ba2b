"""What the admin pages' forms share: reading fields, the acting user, and a failed change
shown again on its own page with a message at each field (422) instead of an error page."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from helpdesk.domain import Actor
from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.inbox.web import MAX_ROW_ID, Viewer

# ASCII digits only: str.isdigit() also accepts "²" and other digits int() refuses.
_DIGITS = re.compile(r"[0-9]{1,10}")


def actor(viewer: Viewer) -> Actor:
    return Actor.user(viewer.who.user_id)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def row_id(value: str) -> int | None:
    """A row id typed or posted as text: None unless it is a number a row id can be."""
    value = value.strip()
    if not _DIGITS.fullmatch(value) or int(value) > MAX_ROW_ID:
        return None
    return int(value)


def optional_id(form: FormData | dict[str, str], name: str, errors: dict[str, str]) -> int | None:
    """An optional numeric id: blank is None, anything else not a number is a field error."""
    value = str(form.get(name) or "").strip()
    if not value:
        return None
    found = row_id(value)
    if found is None:
        errors[name] = "must be a number"
    return found


def ids(form: FormData, name: str, errors: dict[str, str]) -> tuple[int, ...]:
    values = [row_id(v) for v in form.getlist(name) if isinstance(v, str) and v.strip()]
    if None in values:
        errors[name] = "must be numbers"
        return ()
    return tuple(sorted({v for v in values if v is not None}))


def optional_date(value: str, name: str, errors: dict[str, str]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a date such as 2026-12-31"
        return None


async def attempt(change: Callable[[], Awaitable[Any]]) -> tuple[Any, dict[str, str], int]:
    """Run a service call: (its result, no errors, 200), or (None, the field messages, 422)
    for bad input, or (None, {"form": why}, 409) when the change conflicts with the state."""
    try:
        return await change(), {}, 200
    except ValidationFailed as exc:
        return None, dict(exc.errors), 422
    except Conflict as exc:
        return None, {"form": str(exc)}, 409


def check(errors: dict[str, str]) -> None:
    """Raise the field errors collected while reading a form, as the services would."""
    if errors:
        raise ValidationFailed(errors)

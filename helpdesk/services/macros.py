"""Macros: canned responses with {{variables}}, per team, that may also set fields."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import insert

from helpdesk.domain import Priority, Status
from helpdesk.errors import ValidationFailed
from helpdesk.store import Store
from helpdesk.tables import macro_t

_VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")
VARIABLES = ("customer.name", "customer.first_name", "ticket.number", "ticket.subject",
             "agent.name", "agent.first_name")  # fmt: skip


async def create_macro(
    store: Store,
    name: str,
    body: str,
    *,
    team_id: int | None = None,
    set_status: Status | None = None,
    set_priority: Priority | None = None,
) -> int:
    """Add a macro; every `{{variable}}` in `body` must be one of `VARIABLES`."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "a macro needs a name"
    unknown = sorted({v for v in _VARIABLE.findall(body) if v not in VARIABLES})
    if unknown:
        errors["body"] = f"unknown variables {', '.join(unknown)}; use {', '.join(VARIABLES)}"
    if not body.strip():
        errors["body"] = "a macro needs text"
    if errors:
        raise ValidationFailed(errors)
    result = await store.execute(
        insert(macro_t)
        .values(
            name=name.strip()[:200],
            body=body,
            team_id=team_id,
            set_status=set_status.value if set_status else None,
            set_priority=set_priority.value if set_priority else None,
            created_at=store.now(),
        )
        .returning(macro_t.c.id)
    )
    return int(result.scalar_one())


def render_macro(body: str, values: Mapping[str, str]) -> str:
    """`body` with each known `{{variable}}` replaced; unknown ones are left as written."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)

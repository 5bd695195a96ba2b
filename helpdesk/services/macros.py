"""Macros: canned responses with {{variables}}, per team, that may also set fields."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import delete, insert, select, update

from helpdesk.domain import Actor, AuditKind, Priority, Status
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.services._common import audit_config
from helpdesk.store import Store
from helpdesk.tables import macro_t, team_t

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
    actor: Actor | None = None,
    via: str | None = None,
) -> int:
    """Add a macro; every `{{variable}}` in `body` must be one of `VARIABLES`. With an `actor`
    (the admin pages; the system `via` the CLI) the creation is audited."""
    await _check(store, name, body, team_id)
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
    macro_id = int(result.scalar_one())
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.MACRO_CREATED, via=via,
            macro_id=macro_id, name=name.strip()[:200],
        )  # fmt: skip
    return macro_id


async def _check(store: Store, name: str, body: str, team_id: int | None) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "a macro needs a name"
    elif len(name.strip()) > 200:
        errors["name"] = "at most 200 characters"
    unknown = sorted({v for v in _VARIABLE.findall(body) if v not in VARIABLES})
    if unknown:
        errors["body"] = f"unknown variables {', '.join(unknown)}; use {', '.join(VARIABLES)}"
    if not body.strip():
        errors["body"] = "a macro needs text"
    if team_id is not None:
        found = await store.execute(select(team_t.c.id).where(team_t.c.id == team_id))
        if found.first() is None:
            errors["team_id"] = f"no team with id {team_id}"
    if errors:
        raise ValidationFailed(errors)


async def _macro(store: Store, macro_id: int) -> dict[str, object]:
    found = (await store.execute(select(macro_t).where(macro_t.c.id == macro_id))).mappings()
    row = found.first()
    if row is None:
        raise NotFound(f"no macro with id {macro_id}")
    return dict(row)


async def update_macro(
    store: Store,
    actor: Actor,
    macro_id: int,
    name: str,
    body: str,
    *,
    team_id: int | None = None,
    set_status: Status | None = None,
    set_priority: Priority | None = None,
) -> None:
    """Change a macro, validated as when it was added; the audit entry names what changed."""
    old = await _macro(store, macro_id)
    await _check(store, name, body, team_id)
    new: dict[str, object] = {
        "name": name.strip()[:200],
        "body": body,
        "team_id": team_id,
        "set_status": set_status.value if set_status else None,
        "set_priority": set_priority.value if set_priority else None,
    }
    changed = sorted(k for k, v in new.items() if old[k] != v)
    if not changed:
        return
    await store.execute(update(macro_t).where(macro_t.c.id == macro_id).values(**new))
    await audit_config(
        store, actor, AuditKind.MACRO_CHANGED, macro_id=macro_id, name=new["name"], fields=changed
    )


async def delete_macro(store: Store, actor: Actor, macro_id: int) -> None:
    """Remove a macro; replies already sent with it keep their text."""
    old = await _macro(store, macro_id)
    await store.execute(delete(macro_t).where(macro_t.c.id == macro_id))
    await audit_config(store, actor, AuditKind.MACRO_DELETED, macro_id=macro_id, name=old["name"])


def render_macro(body: str, values: Mapping[str, str]) -> str:
    """`body` with each known `{{variable}}` replaced; unknown ones are left as written."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)
